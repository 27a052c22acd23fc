import Testing
import WSCCrypto
import WasmSignatures

/// Hashing while bytes arrive must give exactly the parts of hashing the whole module, however the bytes are cut.
struct ModulePartsStreamTests {
    static let signer: PrivateKey = try! Fixtures.key(seedByte: 7)

    static let modules: [(String, [UInt8])] = {
        let plain = Fixtures.module()
        let big =
            Fixtures.preamble + Fixtures.typeSection
            + Fixtures.custom("payload", [UInt8](repeating: 0x5A, count: 300_000)) + Fixtures.section(11, [0x00])
        let delimited =
            Fixtures.preamble + Fixtures.typeSection + Fixtures.custom("signature_delimiter", [1, 2])
            + Fixtures.custom("producers", [3]) + Fixtures.custom("signature_delimiter", [4])
        let trailing = delimited + Fixtures.section(11, [0x00])
        let component = [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00] + Fixtures.custom("x", [9])
        let signed = try! WasmSigner.sign(module: WasmModule(bytes: big), key: signer).module
        let signedDelimited = try! WasmSigner.sign(module: WasmModule(bytes: trailing), key: signer).module
        let onlySignature =
            Array(signed[0..<8])
            + {
                let m = try! WasmModule(bytes: signed)
                return Array(signed[m.sections[0].range])
            }()
        // A signature section that is not first is hashed like any other section.
        let lateSignature = Fixtures.module() + onlySignature[8...]
        // Long LEB128 sizes (a 300 KB section) and names of the special lengths that are not special.
        let lookalike =
            Fixtures.preamble + Fixtures.custom("signaturX", [1]) + Fixtures.custom("signature_delimiteX", [])
        return [
            ("plain", plain), ("big", big), ("delimited", delimited), ("trailing part", trailing),
            ("component", component), ("signed", signed), ("signed with delimiters", signedDelimited),
            ("only a signature", onlySignature), ("preamble only", Fixtures.preamble),
            ("late signature section", lateSignature), ("look-alike names", lookalike),
        ]
    }()

    static let cases: [(String, Int)] = modules.map(\.0).flatMap { name in [1, 3, 64, 4096, 1 << 30].map { (name, $0) }
    }

    @Test(arguments: cases)
    func streamedPartsEqualWholeModuleParts(name: String, chunk: Int) throws {
        let bytes = try #require(Self.modules.first { $0.0 == name }?.1)
        let module = try WasmModule(bytes: bytes)
        let stream = ModulePartsStream(moduleLength: bytes.count)
        let streamed = bytes.withUnsafeBytes { all -> StreamedParts? in
            var received = 0
            while received < all.count {
                received = min(all.count, received + chunk)
                stream.advance(UnsafeRawBufferPointer(rebasing: all[0..<received]))
            }
            return stream.finish(all)
        }
        let done = try #require(streamed)
        let parts = try #require(ModuleParts(module: module, streamed: done))
        let whole = ModuleParts(module: module)
        #expect(parts.hashes == whole.hashes)
        #expect(parts.parts.map(\.sections) == whole.parts.map(\.sections))
        #expect(parts.parts.map(\.endsWithDelimiter) == whole.parts.map(\.endsWithDelimiter))
    }

    static let malformed: [(String, [UInt8])] = [
        ("not wasm", Array("hello, world".utf8)),
        ("truncated section", Fixtures.preamble + [0x01, 0x10, 0x00]),
        ("overlong LEB128", Fixtures.preamble + [0x01, 0x80, 0x00]),
        ("bad section id", Fixtures.preamble + [0x85, 0x00]),
        ("name longer than its section", Fixtures.preamble + [0x00, 0x02, 0x09, 0x41]),
    ]

    @Test(arguments: malformed.map(\.0))
    func malformedInputGivesNoStreamedParts(name: String) throws {
        let bytes = try #require(Self.malformed.first { $0.0 == name }?.1)
        let stream = ModulePartsStream(moduleLength: bytes.count)
        let streamed = bytes.withUnsafeBytes { all -> StreamedParts? in
            for end in 0...all.count { stream.advance(UnsafeRawBufferPointer(rebasing: all[0..<end])) }
            return stream.finish(all)
        }
        #expect(streamed == nil)
        #expect(throws: WasmSignatureError.self) { try WasmModule(bytes: bytes) }
    }

    @Test func hashesOfAnotherLayoutAreNotUsed() throws {
        let a = Fixtures.module()
        let b =
            Fixtures.preamble + Fixtures.custom("producers", Array("tool 1.0".utf8)) + Fixtures.typeSection
            + Fixtures.section(11, [0x00])
        #expect(a.count == b.count)
        let streamed = try #require(a.withUnsafeBytes { ModulePartsStream(moduleLength: a.count).finish($0) })
        #expect(ModuleParts(module: try WasmModule(bytes: b), streamed: streamed) == nil)
        let longer = Fixtures.module(extraCustom: "producers2")
        #expect(ModuleParts(module: try WasmModule(bytes: longer), streamed: streamed) == nil)
        // A module whose length differs from the announced one is not finished.
        #expect(a.withUnsafeBytes { ModulePartsStream(moduleLength: a.count + 1).finish($0) } == nil)
    }

    @Test func verifierUsesStreamedPartsAndStillRejectsTampering() throws {
        let bytes = try #require(Self.modules.first { $0.0 == "signed" }?.1)
        let module = try WasmModule(bytes: bytes)
        let streamed = try #require(bytes.withUnsafeBytes { ModulePartsStream(moduleLength: bytes.count).finish($0) })
        let verifier = try WasmVerifier(module: module, streamed: streamed)
        #expect(throws: Never.self) { try verifier.verify(key: Self.signer.publicKey) }
        var tampered = bytes
        tampered[tampered.count - 3] ^= 1
        let tamperedStream = try #require(
            tampered.withUnsafeBytes { ModulePartsStream(moduleLength: tampered.count).finish($0) })
        let bad = try WasmVerifier(module: WasmModule(bytes: tampered), streamed: tamperedStream)
        #expect(throws: WasmSignatureError.self) { try bad.verify(key: Self.signer.publicKey) }
    }
}
