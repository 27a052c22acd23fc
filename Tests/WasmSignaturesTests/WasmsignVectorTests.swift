import Foundation
import Testing
import WSCCrypto

@testable import WasmSignatures

/// Byte-for-byte compatibility with wasmsign2.
@Suite struct WasmsignVectorTests {
    static let seed = Fixtures.bytes(hex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    static let unsigned = Fixtures.bytes(hex: "0061736d01000000 010401600000")
    static let h1 = Fixtures.bytes(hex: "5f25e6a5674a70ef44d90473c43ae014a542ccb424724dfabc21c61165616744")
    static let signature = Fixtures.bytes(
        hex: "316977483061ec16099ef7749bd65c9ade2ba9f2cac10808c2dc453f6d4a7015"
            + "71b4e7d7cbda79ca46a260bdd3151757441f12448bace549c158eb9757ab1601")
    static let keyID = Fixtures.bytes(hex: "a87b10d4934d3a04633a3faf")

    static func key() throws -> PrivateKey { try seed.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) } }

    @Test func workedVectorWithoutKeyID() throws {
        let module = try WasmModule(bytes: Self.unsigned)
        let out = try WasmSigner.sign(module: module, key: try Self.key())
        let expected =
            Fixtures.preamble + [0x00, 0x75, 0x09] + Array("signature".utf8) + [0x01, 0x01, 0x01, 0x01, 0x66, 0x01]
            + Self.h1 + [0x01, 0x43, 0x00, 0x01, 0x40] + Self.signature + Fixtures.typeSection
        #expect(out.module == expected)
        #expect(ModuleParts(module: module).hashes == [Self.h1])
        let verdict = try WasmVerifier(module: WasmModule(bytes: out.module)).verify(key: try Self.key().publicKey)
        #expect(verdict.keyID == nil)
    }

    @Test func workedVectorWithKeyID() throws {
        let key = try Self.key()
        #expect(key.publicKey.wasmsigKeyID == Self.keyID)
        let out = try WasmSigner.sign(module: WasmModule(bytes: Self.unsigned), key: key, keyID: Self.keyID)
        let expected =
            Fixtures.preamble + [0x00, 0x81, 0x01, 0x09] + Array("signature".utf8)
            + [0x01, 0x01, 0x01, 0x01, 0x72, 0x01] + Self.h1 + [0x01, 0x4F, 0x0C] + Self.keyID + [0x01, 0x40]
            + Self.signature + Fixtures.typeSection
        #expect(out.module == expected)
        #expect(try WasmVerifier(module: WasmModule(bytes: out.module)).verify(key: key.publicKey).keyID == Self.keyID)
    }

    @Test func delimiterSectionLayout() {
        let delimiter = customSection(name: "signature_delimiter", data: [UInt8](repeating: 0, count: 16))
        #expect(delimiter == [0x00, 0x24, 0x13] + Array("signature_delimiter".utf8) + [UInt8](repeating: 0, count: 16))
    }

    /// gen_wasm.py's signing output was checked byte for byte against wasmsign2; ours must equal it.
    @Test(arguments: ["data", "custom", "code", "mixed"])
    func matchesGeneratorSignedModules(layout: String) throws {
        let generator = Fixtures.sharedDirectory.appendingPathComponent("tools/gen_wasm.py").path
        try #require(FileManager.default.fileExists(atPath: generator), "needs ../shared/tools/gen_wasm.py")
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seedHex = String(repeating: "5a", count: 32)
        let plain = dir.appendingPathComponent("m.wasm").path
        let signed = dir.appendingPathComponent("s.wasm").path
        let pk = dir.appendingPathComponent("m.pk").path
        #expect(
            try Fixtures.run(
                "/usr/bin/env", ["python3", generator, "--size", "20KiB", "--layout", layout, "-o", plain]) == 0)
        #expect(
            try Fixtures.run(
                "/usr/bin/env",
                [
                    "python3", generator, "--size", "20KiB", "--layout", layout, "--sign-seed", seedHex, "--pk-out", pk,
                    "-o", signed,
                ]
            ) == 0)
        let key = try Fixtures.key(seedByte: 0x5A)
        let ours = try WasmSigner.sign(
            module: WasmModule(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: plain)))), key: key)
        let theirs = Array(try Data(contentsOf: URL(fileURLWithPath: signed)))
        #expect(ours.module == theirs)
        let publicKey = try PublicKey(wasmsignRaw: Array(try Data(contentsOf: URL(fileURLWithPath: pk))))
        #expect(publicKey == key.publicKey)
        _ = try WasmVerifier(module: WasmModule(bytes: theirs)).verify(key: publicKey)
    }

    @Test func generatorTamperedModuleFails() throws {
        let generator = Fixtures.sharedDirectory.appendingPathComponent("tools/gen_wasm.py").path
        try #require(FileManager.default.fileExists(atPath: generator), "needs ../shared/tools/gen_wasm.py")
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.wasm").path
        #expect(
            try Fixtures.run(
                "/usr/bin/env",
                [
                    "python3", generator, "--size", "8KiB", "--sign-seed", String(repeating: "5a", count: 32),
                    "--tamper", "-o", path,
                ]
            ) == 0)
        let module = try WasmModule(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(throws: WasmSignatureError(.verificationFailed, "")) {
            try WasmVerifier(module: module).verify(key: try Fixtures.key(seedByte: 0x5A).publicKey)
        }
    }
}
