import Foundation
import KeylessWasm
import Sigstore
import Testing
import WSCCrypto
import WasmSignatures

/// `SigstoreBundleWriter`: key-signed bundles without a log entry, verified with the key and an empty trusted root.
@Suite("Sigstore bundle writer")
struct SigstoreBundleWriterTests {
    static let keyTypes: [KeyType] = [.ed25519, .ecdsaP256]

    static func policy(_ key: PrivateKey) -> VerificationPolicy {
        VerificationPolicy(signer: .managedKey(key.publicKey), allowManagedKeyWithoutLog: true)
    }

    @Test("detached and embedded bundles verify with the key and no trusted root", arguments: keyTypes)
    func roundTrip(type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let module = try Fixtures.bytes("module.wasm")
        let bundle = try SigstoreBundleWriter.bundle(artifact: module, key: key)
        try SigstoreVerifier.checkBundleSyntax(bundle)
        let verifier = KeylessVerifier(trustedRoot: .empty)
        let detached = try verifier.verify(module: module, bundle: .detached(bundle), policy: Self.policy(key))
        #expect(detached.logIndex == nil)
        #expect(detached.artifactDigest == Digest.sha256(module))

        let embedded = try KeylessWasm.attach(bundle: bundle, to: try WasmModule(bytes: module))
        let verdict = try verifier.verify(module: embedded, bundle: .embedded, policy: Self.policy(key))
        #expect(verdict.form == .embedded)

        let other = try PrivateKey.generate(type)
        #expect(throws: KeylessError.self) {
            try verifier.verify(module: module, bundle: .detached(bundle), policy: Self.policy(other))
        }
        #expect(throws: KeylessError.self) {
            try verifier.verify(module: module + [0], bundle: .detached(bundle), policy: Self.policy(key))
        }
        // Without the allowance, no log entry means refusal.
        #expect(throws: KeylessError.self) {
            try verifier.verify(module: module, bundle: .detached(bundle), policy: .managedKey(key.publicKey))
        }
    }

    @Test("the key hint is Base64 of the SHA-256 of the DER SubjectPublicKeyInfo")
    func hint() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let bundle = try SigstoreBundleWriter.bundle(artifact: [1, 2, 3], key: key)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bundle)) as? [String: Any])
        let material = try #require(document["verificationMaterial"] as? [String: Any])
        let hint = try #require((material["publicKey"] as? [String: Any])?["hint"] as? String)
        #expect(hint == Data(Digest.sha256(key.publicKey.spkiDER)).base64EncodedString())
        #expect(hint == SigstoreBundleWriter.publicKeyHint(key.publicKey))
    }

    @Test("a certificate for another key is refused")
    func certificateMismatch() throws {
        // The fixture bundle's Fulcio leaf: its key is not ours.
        let fixture = try #require(
            try JSONSerialization.jsonObject(with: Data(try Fixtures.bytes("module.wasm.sigstore.json")))
                as? [String: Any])
        let material = try #require(fixture["verificationMaterial"] as? [String: Any])
        let raw = try #require((material["certificate"] as? [String: Any])?["rawBytes"] as? String)
        let leaf = try Certificate(der: Array(try #require(Data(base64Encoded: raw))))
        let key = try PrivateKey.generate(.ecdsaP256)
        #expect(throws: SigstoreError(.keyMismatch, "")) {
            try SigstoreBundleWriter.bundle(artifact: [1], key: key, material: .certificate(leaf))
        }
    }
}
