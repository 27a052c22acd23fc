import Foundation
import Sigstore
import Testing
import WSCCrypto
import WSCJSON
import WasmSignatures

@testable import TrustStore

/// A module's digests made in one streaming pass (``ModuleDigester``, chunks of any size) equal those made from
/// its bytes in memory, and so do the verdicts given from them.
@Suite struct ModuleDigestsTests {
    let f: BundleFixtures
    init() throws { f = try BundleFixtures() }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KeylessWasmTests/Fixtures")
    static let unsigned: [UInt8] =
        [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00]
        + [0x00, 0x0A, 0x04] + Array("data".utf8) + [1, 2, 3, 4, 5]

    static func file(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static func customSection(_ name: String, _ data: [UInt8]) -> [UInt8] {
        func uleb(_ value: Int) -> [UInt8] {
            var n = value
            var out: [UInt8] = []
            repeat {
                let byte = UInt8(n & 0x7F)
                n >>= 7
                out.append(n == 0 ? byte : byte | 0x80)
            } while n != 0
            return out
        }
        let payload = uleb(name.utf8.count) + Array(name.utf8) + data
        return [0] + uleb(payload.count) + payload
    }

    func streamed(
        _ bytes: [UInt8], chunk: Int, evidence: RequestPolicy.Evidence, keep: Bool, fileDigest: Bool = true
    ) -> ModuleDigests {
        let digester = ModuleDigester(length: bytes.count, evidence: evidence, keepBytes: keep, fileDigest: fileDigest)
        bytes.withUnsafeBytes { raw in
            var at = 0
            while at < raw.count {
                let n = min(chunk, raw.count - at)
                digester.update(UnsafeRawBufferPointer(rebasing: raw[at..<at + n]))
                at += n
            }
        }
        return digester.finish()
    }

    /// Modules of every shape the digests distinguish: named by what they exercise.
    func modules() throws -> [(String, [UInt8])] {
        let signed = try WasmSigner.sign(module: WasmModule(bytes: Self.unsigned), key: f.alice).module
        let both = try WasmSigner.sign(module: WasmModule(bytes: signed), key: f.bob).module
        var tampered = signed
        tampered[tampered.count - 1] ^= 1
        let split = ModuleEditor.split(
            try WasmModule(bytes: Self.unsigned + Self.customSection("x", [9])),
            isSigned: {
                $0.customName != "x"
            })
        let splitSigned = try WasmSigner.sign(module: WasmModule(bytes: split), key: f.alice).module
        let misplaced = Array(signed[0..<8]) + Self.customSection("first", [1]) + Array(signed[8...])
        let keyless = try Self.file("module.keyless.wasm")
        let both2 = try Self.file("module-wasmsig.wasm")
        let twoBundles = keyless + Self.customSection("sigstore.bundle", Array("{}".utf8))
        let longName = Self.unsigned + Self.customSection(String(repeating: "n", count: 300), [1, 2])
        let emptyCustom = Self.unsigned + [0x00, 0x01, 0x00]
        return [
            ("unsigned", Self.unsigned), ("signed", signed), ("two signers", both), ("tampered", tampered),
            ("delimited", splitSigned), ("misplaced signature", misplaced), ("keyless", keyless),
            ("wasmsig then keyless", both2), ("two keyless sections", twoBundles), ("long name", longName),
            ("empty-named custom section", emptyCustom), ("truncated", Array(signed.dropLast())),
            ("truncated in a size", Array(Self.unsigned[0..<9])), ("not wasm", Array("hello, world".utf8)),
            ("bad version", [0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00]), ("short", [0x00, 0x61]),
            ("overlong size", Self.unsigned + [0x01, 0x80, 0x00]),
            ("size past the end", Self.unsigned + [0x01, 0x7F, 0x00]),
            ("bad UTF-8 name", Self.unsigned + [0x00, 0x02, 0x01, 0xFF]),
        ]
    }

    @Test func streamingPassEqualsInMemory() throws {
        for (name, module) in try modules() {
            for evidence in [RequestPolicy.Evidence.any, .wasmsig, .keyless] {
                let memory = ModuleDigests(moduleBytes: module, evidence: evidence)
                for chunk in [1, 3, 64, 1 << 20] {
                    let s = streamed(module, chunk: chunk, evidence: evidence, keep: false)
                    let what = "\(name), \(evidence), chunks of \(chunk)"
                    #expect(s.malformed?.code == memory.malformed?.code, "\(what)")
                    #expect(s.malformed?.reason == memory.malformed?.reason, "\(what)")
                    #expect(s.keylessProblem?.code == memory.keylessProblem?.code, "\(what)")
                    #expect(s.embeddedSignature == memory.embeddedSignature, "\(what)")
                    #expect(s.wasmsigHashes == memory.wasmsigHashes, "\(what)")
                    #expect(s.contentDigest == memory.contentDigest, "\(what)")
                    #expect(s.keylessBundle == memory.keylessBundle, "\(what)")
                    #expect(s.keylessRange == memory.keylessRange, "\(what)")
                    #expect(s.bytes == nil)
                    if memory.malformed == nil, memory.keylessProblem == nil, evidence != .wasmsig {
                        #expect(s.fileSHA256 == Digest.sha256(module), "\(what)")
                        if let range = memory.keylessRange {
                            let rest = Array(module[..<range.lowerBound] + module[range.upperBound...])
                            #expect(s.unsignedSHA256 == Digest.sha256(rest), "\(what)")
                        }
                    }
                }
                let kept = streamed(module, chunk: 7, evidence: evidence, keep: true)
                if memory.malformed == nil, memory.keylessProblem == nil { #expect(kept.bytes == module, "\(name)") }
            }
        }
        // The cases above cover what they claim.
        let cases = Dictionary(uniqueKeysWithValues: try modules())
        #expect(ModuleDigests(moduleBytes: cases["delimited"]!).wasmsigHashes?.count == 2)
        #expect(ModuleDigests(moduleBytes: cases["misplaced signature"]!).embeddedSignature == .misplaced(1))
        #expect(ModuleDigests(moduleBytes: cases["keyless"]!).keylessBundle != nil)
        #expect(ModuleDigests(moduleBytes: cases["two keyless sections"]!).keylessProblem?.code == .duplicateBundle)
        #expect(ModuleDigests(moduleBytes: cases["truncated"]!).malformed?.code == .malformedModule)
    }

    func sealed(_ builder: TrustBundleBuilder) throws -> SealedTrustBundle {
        try SealCheck.check(
            try f.signed(builder, by: [f.rootA]),
            context: .init(authorizing: try f.pinned(), counter: 0, activeDigest: nil, time: BundleFixtures.time()))
    }

    @Test func verdictsFromStreamedDigestsEqualVerdictsFromBytes() throws {
        var builder = f.builder(version: 4)
        builder.sigstoreTrustedRoot = try JSONParser.parse(Self.file("trusted_root.json"))
        builder.identities = [
            TrustBundle.Identity(
                issuer: "https://token.actions.githubusercontent.com",
                subject: "https://github.com/wsc-test/app/.github/workflows/release.yml@refs/heads/main",
                subjectPattern: nil)
        ]
        let trust = try sealed(builder)
        let time = TrustedTime.current(floor: 0)
        let ecdsa = try PrivateKey.generate(.ecdsaP256)
        builder.publishers.append(.init(name: "carol", publicKey: ecdsa.publicKey))
        let withCarol = try sealed(builder)
        let plain = try Self.file("module.wasm")
        let detached = try Self.file("module.wasm.sigstore.json")
        var cases: [(String, [UInt8], [UInt8]?, SealedTrustBundle)] = try modules().map { ($0.0, $0.1, nil, trust) }
        cases.append(("detached keyless", plain, detached, trust))
        cases.append(("detached keyless, other bytes", Array(plain.dropLast()), detached, trust))
        let keySigned = try SigstoreBundleWriter.bundle(artifact: Self.unsigned, key: f.alice)
        cases.append(("Ed25519 key-signed", Self.unsigned, keySigned, trust))
        let ecdsaSigned = try SigstoreBundleWriter.bundle(artifact: Self.unsigned, key: ecdsa)
        cases.append(("ECDSA key-signed", Self.unsigned, ecdsaSigned, withCarol))
        var validSeen = 0
        for (name, module, bundle, trust) in cases {
            for evidence in [RequestPolicy.Evidence.any, .wasmsig, .keyless] {
                var request = RequestPolicy.bundleRule
                request.evidence = evidence
                let expected = BundleVerifier.verify(
                    moduleBytes: module, sigstoreBundle: bundle, trust: trust, request: request, time: time
                ).json(request: request)
                for keep in [true, false] {
                    let digests = streamed(
                        module, chunk: 5, evidence: evidence, keep: keep, fileDigest: bundle != nil)
                    let got = BundleVerifier.verify(
                        digests: digests, sigstoreBundle: bundle, trust: trust, request: request, time: time
                    ).json(request: request)
                    if name == "Ed25519 key-signed", !keep, evidence != .wasmsig {
                        // Without the bytes, an Ed25519 message signature cannot be checked: refused, saying why.
                        #expect(got["valid"] == .bool(false))
                        #expect("\(got)".contains("sigstore.ed25519MessageTooLarge"), "\(got)")
                        continue
                    }
                    #expect(got == expected, "\(name), \(evidence), keep \(keep)")
                }
                if expected["valid"] == .bool(true) { validSeen += 1 }
            }
        }
        // Valid verdicts were among those compared: wasmsig, keyless embedded and detached, key-signed.
        #expect(validSeen >= 8)
    }
}
