import Foundation
import Sigstore
import Testing
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol

/// wscd serving keyless (Sigstore) verification from its trust bundle's Sigstore root and identities, with the
/// private Sigstore instance of Tests/KeylessWasmTests/Fixtures.
@Suite(.serialized) struct KeylessDaemonTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KeylessWasmTests/Fixtures")
    static let identity = TrustBundle.Identity(
        issuer: "https://token.actions.githubusercontent.com",
        subject: "https://github.com/wsc-test/app/.github/workflows/release.yml@refs/heads/main", subjectPattern: nil)

    static func file(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static func leafFingerprint() throws -> String {
        let bundle = try JSONParser.parse(file("module.wasm.sigstore.json")).asObject("b")
        let material = try bundle.require("verificationMaterial", "b").asObject("m")
        let raw: String
        if let certificate = material.optional("certificate") {
            raw = try certificate.asObject("c").require("rawBytes", "c").asString("r")
        } else {
            let chain = try material.require("x509CertificateChain", "m").asObject("x").require("certificates", "x")
                .asArray("c")
            raw = try chain[0].asObject("c").require("rawBytes", "c").asString("r")
        }
        return Digest.sha256(Base64.decode(raw)!).map { String(format: "%02x", $0) }.joined()
    }

    func keylessDaemon(revoked: [String] = []) throws -> DaemonHarness {
        let d = try DaemonHarness(start: false)
        let root = try Self.file("trusted_root.json")
        try Data(
            try d.bundle(version: 1, sigstoreRoot: root, identities: [Self.identity], revokedCertificates: revoked)
        )
        .write(to: URL(fileURLWithPath: d.directory + "/bundle.json"))
        try d.start()
        return d
    }

    @Test func embeddedAndDetachedKeylessSignaturesVerify() throws {
        let d = try keylessDaemon()
        defer { d.cleanUp() }
        let c = try d.client()
        let embedded = try c.call(.verify, body: try Self.file("module.keyless.wasm")).result
        #expect(embedded.valid, "\(embedded)")
        #expect(embedded["kind"] == .string("keyless"))
        if case .object(let who) = embedded["keyless"] ?? .null {
            #expect(who["identity"] == .string(Self.identity.subject!))
            #expect(who["form"] == .string("embedded"))
        } else {
            Issue.record("no keyless signer in \(embedded)")
        }
        let module = try Self.file("module.wasm")
        let bundle = try Self.file("module.wasm.sigstore.json")
        let detached = try c.call(
            .verify, [("sigstoreBundleLength", .integer(Int64(bundle.count)))], body: module + bundle
        ).result
        #expect(detached.valid, "\(detached)")
        // The same evidence on a modified module fails.
        var tampered = try Self.file("module.keyless.wasm")
        tampered[12] ^= 0x01
        #expect(!(try c.call(.verify, body: tampered).result.valid))
        var other = module
        other[other.count - 1] ^= 0x01
        #expect(
            !(try c.call(.verify, [("sigstoreBundleLength", .integer(Int64(bundle.count)))], body: other + bundle)
                .result.valid))
        // wasmsig-only verification does not accept a keyless signature.
        #expect(
            !(try c.call(.verify, [("kind", .string("wasmsig"))], body: try Self.file("module.keyless.wasm")).result
                .valid))
    }

    @Test func revokedSigningCertificateIsRefused() throws {
        let d = try keylessDaemon(revoked: [try Self.leafFingerprint()])
        defer { d.cleanUp() }
        let result = try d.client().call(.verify, body: try Self.file("module.keyless.wasm")).result
        #expect(!result.valid)
        if case .string(let reason) = result["reason"] ?? .null { #expect(reason.contains("revoked")) }
    }

    @Test func bundleWithoutIdentitiesRefusesKeyless() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let result = try d.client().call(.verify, body: try Self.file("module.keyless.wasm")).result
        #expect(!result.valid)
    }
}

@Suite(.serialized) struct SigstoreBundleSigningTests {
    /// wscd signs any artifact as a Sigstore bundle with its own key; wsc's Sigstore verifier accepts it with the
    /// public key and a policy allowing managed keys without a log, and refuses it for another artifact.
    @Test func airGappedSigstoreBundleVerifiesWithThePublicKey() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        let artifact = Array("any artifact at all, not only wasm\n".utf8)
        let (result, bundle) = try c.call(.sign, [("format", .string("sigstore-bundle"))], body: artifact)
        #expect(result["format"] == .string("sigstore-bundle"))
        guard case .string(let pem) = try c.call(.status).result["signingPublicKey"] ?? .null else {
            Issue.record("status has no signingPublicKey")
            return
        }
        let key = try PublicKey(pem: pem)
        // The key hint as Sigstore clients write it: Base64 of the SHA-256 of the key's DER SubjectPublicKeyInfo.
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bundle)) as? [String: Any])
        let material = try #require(document["verificationMaterial"] as? [String: Any])
        let hint = try #require((material["publicKey"] as? [String: Any])?["hint"] as? String)
        #expect(hint == Data(Digest.sha256(key.spkiDER)).base64EncodedString())
        let verifier = SigstoreVerifier(trustedRoot: .empty)
        let policy = VerificationPolicy(signer: .managedKey(key), allowManagedKeyWithoutLog: true)
        _ = try verifier.verify(bundle: bundle, artifact: .bytes(artifact), policy: policy)
        #expect(throws: (any Error).self) {
            try verifier.verify(bundle: bundle, artifact: .bytes(artifact + [0x0A]), policy: policy)
        }
        // Without the explicit policy allowance, a bundle with no log entry has no verified time: refused.
        #expect(throws: (any Error).self) {
            try verifier.verify(
                bundle: bundle, artifact: .bytes(artifact), policy: VerificationPolicy(signer: .managedKey(key)))
        }
    }
}

@Suite(.serialized) struct SigstoreBundleCLITests {
    /// `wscctl sign --daemon --sigstore-bundle` writes wscd's bundle over a module; `wscctl verify --bundle --key`
    /// accepts it offline with wscd's public key and no trusted root, and refuses it for a modified module.
    @Test func wscdBundleVerifiesWithWscctlAndTheKey() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let status = try d.client().call(.status).result
        let pem = try #require(
            { if case .string(let text) = status["signingPublicKey"] ?? .null { text } else { nil } }())
        try Data(pem.utf8).write(to: URL(fileURLWithPath: d.directory + "/wscd.pub"))
        try Data(DaemonHarness.unsigned).write(to: URL(fileURLWithPath: d.directory + "/module.wasm"))
        try Data(DaemonHarness.unsigned + [0]).write(to: URL(fileURLWithPath: d.directory + "/modified.wasm"))
        let sign = try Self.wscctl(
            d,
            [
                "sign", "--socket", d.socketPath, "-i", "module.wasm", "--sigstore-bundle", "module.wasm.sigstore.json",
            ])
        #expect(sign.status == 0, "\(sign.stderr)")
        let verify = try Self.wscctl(
            d,
            [
                "verify", "-i", "module.wasm", "--bundle", "module.wasm.sigstore.json", "--key", "wscd.pub",
            ])
        #expect(verify.status == 0, "\(verify.stderr)")
        let modified = try Self.wscctl(
            d,
            [
                "verify", "-i", "modified.wasm", "--bundle", "module.wasm.sigstore.json", "--key", "wscd.pub",
            ])
        #expect(modified.status == 1)
    }

    static func wscctl(_ d: DaemonHarness, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = DaemonHarness.wscd.deletingLastPathComponent().appendingPathComponent("wscctl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: d.directory)
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }
}
