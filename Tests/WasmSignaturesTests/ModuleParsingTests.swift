import Testing

@testable import WasmSignatures

@Suite struct ModuleParsingTests {
    struct BadInput: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let code: WasmSignatureError.Code
        var testDescription: String { name }
    }

    static let badModules: [BadInput] = [
        BadInput(name: "empty input", bytes: [], code: .malformedModule),
        BadInput(name: "truncated preamble", bytes: [0x00, 0x61, 0x73, 0x6D], code: .malformedModule),
        BadInput(name: "not wasm", bytes: Array("#!/bin/sh\necho hi\n".utf8), code: .malformedModule),
        BadInput(
            name: "unknown version", bytes: [0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00], code: .unsupportedModule),
        BadInput(
            name: "section size past the end", bytes: Fixtures.preamble + [0x01, 0x10, 0x01], code: .malformedModule),
        BadInput(
            name: "5-byte LEB128 with high bits", bytes: Fixtures.preamble + [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            code: .malformedModule),
        BadInput(
            name: "overlong LEB128", bytes: Fixtures.preamble + [0x01, 0x84, 0x00, 0x01, 0x60, 0x00, 0x00],
            code: .malformedModule),
        BadInput(
            name: "6-byte LEB128", bytes: Fixtures.preamble + [0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
            code: .malformedModule),
        BadInput(name: "LEB128 cut short", bytes: Fixtures.preamble + [0x01, 0x80], code: .malformedModule),
        BadInput(name: "section id with high bit", bytes: Fixtures.preamble + [0x81, 0x00], code: .malformedModule),
        BadInput(
            name: "custom section name past its section", bytes: Fixtures.preamble + [0x00, 0x02, 0x05, 0x61],
            code: .malformedModule),
        BadInput(
            name: "custom section name not UTF-8", bytes: Fixtures.preamble + [0x00, 0x02, 0x01, 0xFF],
            code: .malformedModule),
        BadInput(
            name: "section of 2^32-1 bytes", bytes: Fixtures.preamble + [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00],
            code: .malformedModule),
    ]

    @Test(arguments: badModules)
    func rejectsBadModules(_ input: BadInput) {
        #expect(throws: WasmSignatureError(input.code, "")) { try WasmModule(bytes: input.bytes) }
    }

    @Test func errorsSayWhatIsWrong() {
        do {
            _ = try WasmModule(bytes: Fixtures.preamble + [0x01, 0x10, 0x01])
            Issue.record("expected an error")
        } catch let error as WasmSignatureError {
            #expect(error.reason.contains("truncated"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func sectionSizeLimitAppliesBeforeReading() {
        var limits = ParseLimits()
        limits.maximumSectionSize = 100
        let bytes = Fixtures.preamble + Fixtures.custom("big", [UInt8](repeating: 1, count: 200))
        #expect(throws: WasmSignatureError(.limitExceeded, "")) { try WasmModule(bytes: bytes, limits: limits) }
    }

    @Test func sectionCountLimit() {
        var limits = ParseLimits()
        limits.maximumSectionCount = 3
        var bytes = Fixtures.preamble
        for _ in 0..<4 { bytes += Fixtures.custom("x", []) }
        #expect(throws: WasmSignatureError(.limitExceeded, "")) { try WasmModule(bytes: bytes, limits: limits) }
    }

    @Test func moduleSizeLimit() {
        var limits = ParseLimits()
        limits.maximumModuleSize = 10
        #expect(throws: WasmSignatureError(.limitExceeded, "")) {
            try WasmModule(bytes: Fixtures.module(), limits: limits)
        }
    }

    @Test func parsesCoreModuleSections() throws {
        let module = try WasmModule(bytes: Fixtures.module())
        #expect(module.kind == .coreModule)
        #expect(module.sections.map(\.id) == [1, 0, 11])
        #expect(module.sections[1].customName == "producers")
        #expect(Array(module.data(of: module.sections[1])) == Array("tool 1.0".utf8))
    }

    @Test func parsesComponents() throws {
        let bytes = WasmModule.componentPreamble + Fixtures.section(7, [0x00]) + Fixtures.custom("x", [1])
        let module = try WasmModule(bytes: bytes)
        #expect(module.kind == .component)
        #expect(module.sections.count == 2)
        let key = try Fixtures.key(seedByte: 3)
        let signed = try WasmSigner.sign(module: module, key: key)
        _ = try WasmVerifier(module: WasmModule(bytes: signed.module)).verify(key: key.publicKey)
    }

    @Test func emptyModuleHasOneEmptyPart() throws {
        let parts = ModuleParts(module: try WasmModule(bytes: Fixtures.preamble))
        #expect(parts.hashes.count == 1)
        #expect(
            parts.hashes[0] == Fixtures.bytes(hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
    }

    @Test(arguments: [0, 1, 42, 127, 128, 255, 256, 16384, 1_048_576, Int(UInt32.max)])
    func leb128RoundTrip(value: Int) throws {
        let encoded = LEB128.encode(value)
        var reader = ByteReader(encoded)
        #expect(Int(try reader.readVarUInt32("value")) == value)
        #expect(reader.isAtEnd)
    }

    @Test(arguments: [
        ("\u{1B}[31mred", "\\x1b[31mred"), ("a\nb", "a\\x0ab"), ("tab\there", "tab\\x09here"),
        ("del\u{7F}", "del\\x7f"),
        ("quote\"", "quote\\\""), ("plain.name", "plain.name"), ("\u{202E}rtl", "\\u{202e}rtl"),
    ])
    func sectionNamesAreEscapedForTerminals(raw: String, escaped: String) {
        #expect(TerminalText.escape(raw) == escaped)
    }
}
