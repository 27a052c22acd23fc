import Testing
import WSCCrypto

@testable import WasmSignatures

@Suite struct SignatureDataTests {
    static func signedModule() throws -> (module: [UInt8], key: PrivateKey) {
        let key = try Fixtures.key(seedByte: 7)
        return (try WasmSigner.sign(module: WasmModule(bytes: Fixtures.module()), key: key).module, key)
    }

    /// Replaces the payload of the signature section (section 0) of a module.
    static func withSignatureData(_ data: [UInt8], body: [UInt8] = Fixtures.module()) -> [UInt8] {
        Fixtures.preamble + Fixtures.custom("signature", data) + Array(body.dropFirst(8))
    }

    struct BadData: CustomTestStringConvertible, Sendable {
        let name: String
        let data: [UInt8]
        let code: WasmSignatureError.Code
        var testDescription: String { name }
    }

    static let badData: [BadData] = [
        BadData(name: "spec version 2", data: [0x02, 0x01, 0x01, 0x00], code: .unsupportedSignatureFormat),
        BadData(name: "content type 2", data: [0x01, 0x02, 0x01, 0x00], code: .unsupportedSignatureFormat),
        BadData(name: "hash function 2", data: [0x01, 0x01, 0x02, 0x00], code: .unsupportedSignatureFormat),
        BadData(
            name: "record count 2^32-1", data: [0x01, 0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], code: .limitExceeded),
        BadData(name: "record count 65", data: [0x01, 0x01, 0x01, 0x41], code: .limitExceeded),
        BadData(
            name: "hash count 2^32-1", data: [0x01, 0x01, 0x01, 0x01, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
            code: .limitExceeded),
        BadData(
            name: "signature count 2^32-1",
            data: [0x01, 0x01, 0x01, 0x01, 0x26, 0x01] + [UInt8](repeating: 0xAB, count: 32) + [
                0xFF, 0xFF, 0xFF, 0xFF, 0x0F,
            ],
            code: .limitExceeded),
        BadData(
            name: "record length past the end", data: [0x01, 0x01, 0x01, 0x01, 0x7F, 0x01], code: .malformedSignature),
        BadData(name: "truncated header", data: [0x01, 0x01], code: .malformedSignature),
        BadData(name: "trailing bytes", data: [0x01, 0x01, 0x01, 0x00, 0x00], code: .malformedSignature),
        BadData(
            name: "record with no hashes", data: [0x01, 0x01, 0x01, 0x01, 0x02, 0x00, 0x00], code: .malformedSignature),
        BadData(
            name: "hashes cut short", data: [0x01, 0x01, 0x01, 0x01, 0x03, 0x01, 0xAA, 0xBB], code: .malformedSignature),
    ]

    @Test(arguments: badData)
    func rejectsBadSignatureData(_ input: BadData) throws {
        #expect(throws: WasmSignatureError(input.code, "")) { try SignatureData(parsing: input.data) }
        // The same data embedded in a module: the verifier refuses to start.
        let module = try WasmModule(bytes: Self.withSignatureData(input.data))
        #expect(throws: WasmSignatureError(input.code, "")) { try WasmVerifier(module: module) }
    }

    @Test func roundTripIsByteIdentical() throws {
        let (module, _) = try Self.signedModule()
        let parsed = try WasmModule(bytes: module)
        let raw = Array(parsed.data(of: parsed.sections[0]))
        #expect(try SignatureData(parsing: raw).serialized() == raw)
    }

    @Test func signatureSectionMustBeFirst() throws {
        let (module, key) = try Self.signedModule()
        let parsed = try WasmModule(bytes: module)
        // Move the signature section after the type section.
        let sig = Array(module[parsed.sections[0].range])
        let type = Array(module[parsed.sections[1].range])
        let rest = parsed.sections.dropFirst(2).flatMap { Array(module[$0.range]) }
        let moved = try WasmModule(bytes: Fixtures.preamble + type + sig + rest)
        #expect(throws: WasmSignatureError(.malformedSignature, "")) { try WasmVerifier(module: moved) }
        #expect(throws: WasmSignatureError(.malformedSignature, "")) { try WasmSigner.sign(module: moved, key: key) }
    }

    /// A 64-byte signature with algorithm id 2 is skipped with a reason, and does not hide a valid one.
    @Test func wrongAlgorithmEntryIsSkippedNotFatal() throws {
        let (module, key) = try Self.signedModule()
        let parsed = try WasmModule(bytes: module)
        var data = try SignatureData(parsing: parsed.data(of: parsed.sections[0]))
        let good = data.records[0].signatures[0]
        guard case .signature(let sig) = good else { Issue.record("expected a signature"); return }
        let wrongAlgorithm = SignatureEntry.signature(
            SignatureForHashes(keyID: nil, algorithm: 2, signature: sig.signature))
        let garbage = SignatureEntry.malformed(raw: [0x05, 0x01], reason: "test")

        data.records[0].signatures = [wrongAlgorithm]
        let onlyBad = try WasmModule(bytes: Self.withSignatureData(data.serialized()))
        do {
            _ = try WasmVerifier(module: onlyBad).verify(key: key.publicKey)
            Issue.record("a wrong-algorithm entry must not verify")
        } catch let error as WasmSignatureError {
            #expect(error.code == .verificationFailed)
            #expect(error.reason.contains("unknown algorithm id 0x2"))
        }

        data.records[0].signatures = [wrongAlgorithm, garbage, good]
        let mixed = try WasmModule(bytes: Self.withSignatureData(data.serialized()))
        let verdict = try WasmVerifier(module: mixed).verify(key: key.publicKey)
        #expect(verdict.notes.count == 2)
        // Re-parsing keeps the malformed entry verbatim.
        let reparsed = try SignatureData(parsing: data.serialized())
        #expect(reparsed.records[0].signatures.count == 3)
        if case .malformed = reparsed.records[0].signatures[1] {} else { Issue.record("entry 1 should be malformed") }
    }

    @Test func shortSignatureIsSkipped() throws {
        let (module, key) = try Self.signedModule()
        let parsed = try WasmModule(bytes: module)
        var data = try SignatureData(parsing: parsed.data(of: parsed.sections[0]))
        data.records[0].signatures = [.signature(SignatureForHashes(keyID: nil, signature: [1, 2, 3]))]
        let bad = try WasmModule(bytes: Self.withSignatureData(data.serialized()))
        #expect(throws: WasmSignatureError(.verificationFailed, "")) {
            try WasmVerifier(module: bad).verify(key: key.publicKey)
        }
    }

    /// The wsc fork appends a certificate count to each entry; such signatures still verify.
    @Test func wscCertificateTrailerIsTolerated() throws {
        let (module, key) = try Self.signedModule()
        let parsed = try WasmModule(bytes: module)
        var data = try SignatureData(parsing: parsed.data(of: parsed.sections[0]))
        guard case .signature(var sig) = data.records[0].signatures[0] else { return }
        sig.trailer = [0x00]
        data.records[0].signatures = [.signature(sig)]
        let wscStyle = try WasmModule(bytes: Self.withSignatureData(data.serialized()))
        _ = try WasmVerifier(module: wscStyle).verify(key: key.publicKey)
    }

    @Test func totalSignatureLimit() throws {
        var limits = ParseLimits()
        limits.maximumTotalSignatures = 2
        let entry = SignatureEntry.signature(
            SignatureForHashes(keyID: nil, signature: [UInt8](repeating: 0, count: 64)))
        let data = SignatureData(records: [
            SignedHashes(hashes: [[UInt8](repeating: 0, count: 32)], signatures: [entry, entry, entry])
        ])
        #expect(throws: WasmSignatureError(.limitExceeded, "")) {
            try SignatureData(parsing: data.serialized(), limits: limits)
        }
    }
}
