import Foundation
import Sigstore
import Testing
import WSCCrypto

/// Bad inputs and API behaviour, starting from the conformance happy-path bundles.
@Suite struct SigstoreVerifierTests {
    static func load(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Conformance.directory.appendingPathComponent(path)))
    }

    static func production() throws -> SigstoreVerifier {
        SigstoreVerifier(trustedRoot: try TrustedRoot(json: try load("../sigstore-prod/trusted_root.json")))
    }

    static let policy = VerificationPolicy.identity(Conformance.defaultIdentity, issuer: Conformance.defaultIssuer)

    /// happy-path-v0.3 with `replacing` swapped for `with`.
    static func mutated(_ replacing: String, _ with: String) throws -> [UInt8] {
        let text = String(decoding: try load("happy-path-v0.3/bundle.sigstore.json"), as: UTF8.self)
        #expect(text.contains(replacing))
        return Array(text.replacingOccurrences(of: replacing, with: with).utf8)
    }

    static func verify(_ bundle: [UInt8], artifact: ArtifactInput? = nil, policy: VerificationPolicy = policy) throws
        -> SigstoreVerdict
    {
        try production().verify(
            bundle: bundle, artifact: artifact ?? .bytes(try load("a.txt")), policy: policy)
    }

    @Test func happyPathVerdict() throws {
        let verdict = try Self.verify(try Self.load("happy-path-v0.3/bundle.sigstore.json"))
        #expect(verdict.identity == Conformance.defaultIdentity)
        #expect(verdict.issuer == Conformance.defaultIssuer)
        #expect(verdict.logIndex == 79_571_823)
        #expect(verdict.integratedTime == 1_710_869_186)
        #expect(verdict.verifiedTimes == [1_710_869_186])
    }

    @Test func precomputedDigestIsAccepted() throws {
        let bundle = try Self.load("happy-path-v0.3/bundle.sigstore.json")
        let digest = Digest.sha256(try Self.load("a.txt"))
        _ = try Self.verify(bundle, artifact: .sha256Digest(digest))
        var wrong = digest
        wrong[0] ^= 1
        #expect(throws: SigstoreError(.digestMismatch, "")) {
            _ = try Self.verify(bundle, artifact: .sha256Digest(wrong))
        }
        #expect(throws: SigstoreError(.digestMismatch, "")) {
            _ = try Self.verify(bundle, artifact: .sha256Digest([1]))
        }
    }

    @Test func identityPolicies() throws {
        let bundle = try Self.load("happy-path-v0.3/bundle.sigstore.json")
        let pattern = VerificationPolicy(
            signer: .identityPattern(
                subjectPattern: "https://github\\.com/sigstore-conformance/.*@refs/heads/main",
                issuer: Conformance.defaultIssuer))
        #expect(try Self.verify(bundle, policy: pattern).identity == Conformance.defaultIdentity)
        let partial = VerificationPolicy(
            signer: .identityPattern(subjectPattern: "sigstore-conformance", issuer: Conformance.defaultIssuer))
        #expect(throws: SigstoreError(.identityMismatch, "")) { _ = try Self.verify(bundle, policy: partial) }
        let otherIssuer = VerificationPolicy.identity(
            Conformance.defaultIdentity, issuer: "https://accounts.google.com")
        #expect(throws: SigstoreError(.identityMismatch, "")) { _ = try Self.verify(bundle, policy: otherIssuer) }
        let otherSubject = VerificationPolicy.identity(
            Conformance.defaultIdentity + "x", issuer: Conformance.defaultIssuer)
        #expect(throws: SigstoreError(.identityMismatch, "")) { _ = try Self.verify(bundle, policy: otherSubject) }
        let key = try PrivateKey.generate(.ecdsaP256).publicKey
        #expect(throws: SigstoreError(.keyMismatch, "")) { _ = try Self.verify(bundle, policy: .managedKey(key)) }
    }

    @Test func malformedBundlesAreRefused() throws {
        let original = try Self.load("happy-path-v0.3/bundle.sigstore.json")
        let cases: [[UInt8]] = [
            Array(original.prefix(original.count / 2)),
            [],
            Array("[]".utf8),
            try Self.mutated("\"signature\": \"MEUC", "\"signature\": \"!EUC"),
            try Self.mutated("\"logIndex\": \"79571823\"", "\"logIndex\": \"-1\""),
            try Self.mutated("\"logIndex\": \"79571823\"", "\"logIndex\": -1"),
            try Self.mutated("\"logIndex\": \"75408392\"", "\"logIndex\": \"-75408392\""),
            try Self.mutated("\"logIndex\": \"79571823\"", "\"logIndex\": \"1e3\""),
            try Self.mutated("bundle+json;version=0.3", "bundle+json;version=0.4"),
            try Self.mutated("bundle+json;version=0.3", "bundle.v0.9+json"),
            try Self.mutated("\"mediaType\"", "\"mediatype\""),
            try Self.mutated("\"certificate\"", "\"certificates\""),
        ]
        for bundle in cases {
            #expect(throws: SigstoreError(.malformedBundle, "")) { _ = try Self.verify(bundle) }
        }
    }

    @Test func tamperedSignedEntryTimestampIsRefused() throws {
        let bundle = try Self.mutated("\"integratedTime\": \"1710869186\"", "\"integratedTime\": \"1710869187\"")
        #expect(throws: SigstoreError(.setInvalid, "")) { _ = try Self.verify(bundle) }
        let noTime = try Self.mutated("\"integratedTime\": \"1710869186\"", "\"integratedTime\": \"0\"")
        #expect(throws: SigstoreError(.setInvalid, "")) { _ = try Self.verify(noTime) }
    }

    @Test func untrustedLogIsRefused() throws {
        let bundle = try Self.mutated(
            "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=", "AAI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=")
        #expect(throws: SigstoreError(.untrustedLog, "")) { _ = try Self.verify(bundle) }
    }

    @Test func managedKeyMustBeTheLoggedKey() throws {
        let bundle = try Self.load("managed-key-happy-path/bundle.sigstore.json")
        let right = try PublicKey(
            pem: String(decoding: try Self.load("managed-key-happy-path/key.pub"), as: UTF8.self))
        let verdict = try Self.verify(bundle, policy: .managedKey(right))
        #expect(verdict.identity == nil)
        #expect(verdict.verifiedTimes.count == 2)
        let wrong = try PrivateKey.generate(.ecdsaP256).publicKey
        #expect(throws: SigstoreError(.logEntryMismatch, "")) {
            _ = try Self.verify(bundle, policy: .managedKey(wrong))
        }
        #expect(throws: SigstoreError(.keyMismatch, "")) { _ = try Self.verify(bundle) }
    }

    @Test func trustedRootNeedsValidityStarts() throws {
        let text = String(decoding: try Self.load("../sigstore-prod/trusted_root.json"), as: UTF8.self)
        let broken = text.replacingOccurrences(of: "\"start\": \"2021-01-12T11:53:27Z\"", with: "\"stop\": \"x\"")
        #expect(broken != text)
        #expect(throws: SigstoreError(.malformedTrustedRoot, "")) { _ = try TrustedRoot(json: Array(broken.utf8)) }
        #expect(throws: SigstoreError(.malformedTrustedRoot, "")) { _ = try TrustedRoot(json: Array("{}".utf8)) }
    }

    /// Protobuf JSON: `null` means absent, and proto field names are accepted beside lowerCamel ones, as
    /// Sigstore's own clients read them. A field in both spellings is refused.
    @Test func trustedRootAndBundlesFollowTheProtobufJSONMapping() throws {
        let text = String(decoding: try Self.load("../sigstore-prod/trusted_root.json"), as: UTF8.self)
        let nulls = text.replacingOccurrences(
            of: "\"start\": \"2021-01-12T11:53:27Z\"", with: "\"start\": \"2021-01-12T11:53:27Z\", \"end\": null")
        #expect(nulls != text)
        let root = try TrustedRoot(json: Array(nulls.utf8))
        let verifier = SigstoreVerifier(trustedRoot: root)
        let bundle = try Self.load("happy-path-v0.3/bundle.sigstore.json")
        _ = try verifier.verify(bundle: bundle, artifact: .bytes(try Self.load("a.txt")), policy: Self.policy)

        let snake = text.replacingOccurrences(of: "\"baseUrl\"", with: "\"base_url\"")
        #expect(snake != text)
        _ = try TrustedRoot(json: Array(snake.utf8))
        let both = text.replacingOccurrences(of: "\"baseUrl\":", with: "\"base_url\": \"x\", \"baseUrl\":")
        #expect(throws: SigstoreError(.malformedTrustedRoot, "")) { _ = try TrustedRoot(json: Array(both.utf8)) }

        let bundleText = String(decoding: bundle, as: UTF8.self)
        let withNull = bundleText.replacingOccurrences(
            of: "\"mediaType\":", with: "\"dsseEnvelope\": null, \"mediaType\":")
        #expect(withNull != bundleText)
        _ = try Self.verify(Array(withNull.utf8))
    }
}
