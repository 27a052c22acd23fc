import Foundation
import Testing
import WSCTestSupport

@testable import WSCCrypto

/// One validation run twice: with the leaf parsed whole (`Certificate(der:)`, OpenSSL's `X509_verify_cert`) and
/// with its key deferred (`Certificate(deferringKeyDER:)`, which may take the direct-issue check).
struct DeferredCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let leaf: String
    let roots: [String]
    var intermediates: [String] = []
    var partial = true
    var time = TestTime.inside
    var requiredEKU: String? = nil
    /// Whether the deferred leaf must take the direct-issue check (and be accepted by it).
    var direct = false
}

@Suite struct DeferredKeyCertificateTests {
    /// The outcome of one validation: the chain's DER, or the error's reason.
    static func outcome(_ run: () throws -> [Certificate]) -> Result<[[UInt8]], CryptoError> {
        do {
            return .success(try run().map(\.der))
        } catch let error as CryptoError {
            return .failure(error)
        } catch {
            Issue.record("unexpected error \(error)")
            return .failure(CryptoError(.libraryFailure, "\(error)"))
        }
    }

    /// Validates `leafDER` both ways against `roots`; both must give the same chain or the same error.
    static func compare(
        leafDER: [UInt8], roots: [Certificate], intermediates: [Certificate], partial: Bool, time: Int64,
        requiredEKU: String?, direct: Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Result<[[UInt8]], CryptoError> {
        let validator = CertificateChainValidator(roots: roots, allowsPartialChains: partial)
        let whole = try Certificate(der: leafDER)
        let deferred = try Certificate(deferringKeyDER: leafDER)
        #expect(deferred.keyDeferred && !whole.keyDeferred, sourceLocation: sourceLocation)
        let expected = outcome {
            try validator.validate(
                leaf: whole, intermediates: intermediates, at: time, requiredExtendedKeyUsage: requiredEKU)
        }
        let actual = outcome {
            try validator.validate(
                leaf: deferred, intermediates: intermediates, at: time, requiredExtendedKeyUsage: requiredEKU)
        }
        switch (expected, actual) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "the chains differ", sourceLocation: sourceLocation)
        case (.failure(let a), .failure(let b)):
            #expect(
                a.code == b.code && a.reason == b.reason, "\(a.reason) / \(b.reason)", sourceLocation: sourceLocation)
        default:
            Issue.record("X509_verify_cert: \(expected); deferred key: \(actual)", sourceLocation: sourceLocation)
        }
        let shortcut = validator.directlyIssuedChain(leaf: deferred, intermediates: intermediates, at: time)
        #expect(
            (shortcut != nil) == direct, "direct-issue check taken: \(shortcut != nil)", sourceLocation: sourceLocation)
        return expected
    }

    static let cases: [DeferredCase] = [
        DeferredCase(
            testDescription: "leaf under its intermediate", leaf: "leaf.pem", roots: ["intermediate.pem"], direct: true),
        DeferredCase(
            testDescription: "leaf under its intermediate, codeSigning required", leaf: "leaf.pem",
            roots: ["intermediate.pem"], requiredEKU: Certificate.codeSigningEKU, direct: true),
        DeferredCase(
            testDescription: "serverAuth leaf, codeSigning required", leaf: "server-leaf.pem",
            roots: ["intermediate.pem"], requiredEKU: Certificate.codeSigningEKU, direct: true),
        DeferredCase(
            testDescription: "2025 leaf at notBefore", leaf: "leaf-2025.pem", roots: ["intermediate.pem"],
            time: 1_735_689_600, direct: true),
        DeferredCase(
            testDescription: "2025 leaf a second before notBefore", leaf: "leaf-2025.pem", roots: ["intermediate.pem"],
            time: 1_735_689_599),
        DeferredCase(
            testDescription: "2025 leaf a second before notAfter", leaf: "leaf-2025.pem", roots: ["intermediate.pem"],
            time: 1_767_225_598, direct: true),
        DeferredCase(
            testDescription: "2025 leaf at notAfter", leaf: "leaf-2025.pem", roots: ["intermediate.pem"],
            time: 1_767_225_599),
        DeferredCase(
            testDescription: "anchor expired", leaf: "leaf.pem", roots: ["intermediate.pem"], time: TestTime.after2030),
        DeferredCase(testDescription: "leaf under the root it is not issued by", leaf: "leaf.pem", roots: ["root.pem"]),
        DeferredCase(testDescription: "unrelated anchor", leaf: "leaf.pem", roots: ["unrelated-root.pem"]),
        DeferredCase(
            testDescription: "partial chains not allowed", leaf: "leaf.pem", roots: ["intermediate.pem"], partial: false
        ),
        DeferredCase(
            testDescription: "full chain through an intermediate", leaf: "leaf.pem", roots: ["root.pem"],
            intermediates: ["intermediate.pem"], partial: false),
        DeferredCase(
            testDescription: "issuer that is not a CA", leaf: "nonca-leaf.pem", roots: ["nonca-intermediate.pem"]),
        DeferredCase(
            testDescription: "CA certificate as the leaf", leaf: "intermediate.pem", roots: ["root.pem"], direct: true),
        DeferredCase(testDescription: "self-signed root as the leaf", leaf: "root.pem", roots: ["root.pem"]),
        DeferredCase(testDescription: "Ed25519 leaf", leaf: "ed25519-leaf.pem", roots: ["ed25519-root.pem"]),
        DeferredCase(
            testDescription: "RSA leaf", leaf: "rsa-leaf.pem", roots: ["rsa-root.pem"],
            intermediates: ["rsa-intermediate.pem"], partial: false),
        DeferredCase(
            testDescription: "RSA leaf under its intermediate", leaf: "rsa-leaf.pem", roots: ["rsa-intermediate.pem"]),
    ]

    /// Cases from a review of the check, each reproduced against `openssl verify -partial_chain` first
    /// (Fixtures/make_direct_issue_fixtures.py): OpenSSL refuses every one but the first and the last, so the
    /// check must not take them.
    static let reviewCases: [DeferredCase] = [
        DeferredCase(
            testDescription: "direct-issue: plain leaf", leaf: "direct-issue/leaf.pem",
            roots: ["direct-issue/ca.pem"], requiredEKU: Certificate.codeSigningEKU, direct: true),
        DeferredCase(
            testDescription: "direct-issue: anchor with an unknown critical extension (error 34 at 1)",
            leaf: "direct-issue/leaf.pem", roots: ["direct-issue/ca-critical.pem"]),
        DeferredCase(
            testDescription: "direct-issue: anchor that is a proxy certificate (error 40 at 1)",
            leaf: "direct-issue/leaf.pem", roots: ["direct-issue/ca-proxy.pem"]),
        DeferredCase(
            testDescription: "direct-issue: leaf with RFC 3779 IP blocks (error 46)", leaf: "direct-issue/leaf-ip.pem",
            roots: ["direct-issue/ca.pem"]),
        DeferredCase(
            testDescription: "direct-issue: leaf with RFC 3779 AS numbers (error 46)", leaf: "direct-issue/leaf-as.pem",
            roots: ["direct-issue/ca.pem"]),
        DeferredCase(
            testDescription: "direct-issue: a same-name anchor that may not sign comes first (error 32 at 1)",
            leaf: "direct-issue/leaf.pem", roots: ["direct-issue/ca-nosign.pem", "direct-issue/ca.pem"]),
        DeferredCase(
            testDescription: "direct-issue: the same two anchors the other way round", leaf: "direct-issue/leaf.pem",
            roots: ["direct-issue/ca.pem", "direct-issue/ca-nosign.pem"]),
        DeferredCase(
            testDescription: "direct-issue: leaf notBefore with fractional seconds (error 13 at 0)",
            leaf: "direct-issue/leaf-fractional.pem", roots: ["direct-issue/ca.pem"]),
        DeferredCase(
            testDescription: "direct-issue: anchor notBefore with a +0000 offset (error 13 at 1)",
            leaf: "direct-issue/leaf.pem", roots: ["direct-issue/ca-offset.pem"]),
        DeferredCase(
            testDescription: "direct-issue: the leaf is itself an anchor", leaf: "direct-issue/leaf.pem",
            roots: ["direct-issue/ca.pem", "direct-issue/leaf.pem"]),
    ]

    @Test(arguments: reviewCases)
    func reviewFindingsValidateLikeOpenSSL(_ test: DeferredCase) throws {
        _ = try Self.compare(
            leafDER: try TestFixtures.certificate(test.leaf).der, roots: try test.roots.map(TestFixtures.certificate),
            intermediates: [], partial: true, time: 1_748_736_000, requiredEKU: test.requiredEKU, direct: test.direct)
    }

    @Test(arguments: cases)
    func deferredKeyValidatesLikeOpenSSL(_ test: DeferredCase) throws {
        _ = try Self.compare(
            leafDER: try TestFixtures.certificate(test.leaf).der, roots: try test.roots.map(TestFixtures.certificate),
            intermediates: try test.intermediates.map(TestFixtures.certificate), partial: test.partial,
            time: test.time, requiredEKU: test.requiredEKU, direct: test.direct)
    }

    @Test(arguments: CertificateTests.fixtureFiles)
    func deferredKeyParsesTheSameCertificate(_ file: String) throws {
        let whole = try TestFixtures.certificate(file)
        let deferred = try Certificate(deferringKeyDER: whole.der)
        #expect(deferred.der == whole.der && deferred.sha256Fingerprint == whole.sha256Fingerprint)
        #expect(deferred.subject == whole.subject && deferred.issuer == whole.issuer)
        #expect(deferred.notValidBefore == whole.notValidBefore && deferred.notValidAfter == whole.notValidAfter)
        #expect(deferred.extensions == whole.extensions)
        #expect(deferred.subjectAlternativeNames == whole.subjectAlternativeNames)
        #expect(try deferred.publicKey.spkiDER == whole.publicKey.spkiDER)
        #expect(try deferred.publicKey.type == whole.publicKey.type)
        // A certificate with a deferred key can still be an issuer for isSignedBy.
        #expect(deferred.isSignedBy(deferred) == whole.isSignedBy(whole))
    }

    @Test(arguments: try CertificateTests.badDER())
    func deferredKeyRefusesWhatAWholeParseRefuses(_ name: String, _ der: [UInt8]) {
        let error = #expect(throws: CryptoError.self, "\(name)") { try Certificate(deferringKeyDER: der) }
        #expect(error?.code == .invalidCertificate)
    }

    /// A signing certificate in a BER form OpenSSL reads but the DER walker does not: the deferred key must come
    /// from OpenSSL's own encoding of the key structure. (It once recursed between `publicKey` and
    /// `subjectPublicKeyInfoDER` until the stack overflowed: a crash from any bundle, before any trust check.)
    @Test(arguments: BEREncodings.Form.allCases)
    func berCertificateKeysAreReadWithoutRecursion(_ form: BEREncodings.Form) throws {
        let der = try TestFixtures.certificate("direct-issue/leaf.pem").der
        let ber = try #require(BEREncodings.certificate(der, validityIn: form))
        let whole = try Certificate(der: ber)
        let deferred = try Certificate(deferringKeyDER: ber)
        #expect(DERWalker.subjectPublicKeyInfo(ber) == nil)
        #expect(deferred.subjectPublicKeyInfoDER == DERWalker.subjectPublicKeyInfo(der))
        #expect(try deferred.publicKey.spkiDER == whole.publicKey.spkiDER)
        #expect(deferred.isSignedBy(deferred) == whole.isSignedBy(whole))
        _ = try Self.compare(
            leafDER: ber, roots: [try TestFixtures.certificate("direct-issue/ca.pem")], intermediates: [],
            partial: true, time: 1_748_736_000, requiredEKU: nil, direct: false)
    }

    /// The encodings a certificate's key holder can make without the CA (another outer length; the ECDSA
    /// signature's s as n − s) verify under the CA and hash differently, and each one's equivalents include the
    /// certificate as issued: what a revocation by certificate hash is matched against.
    @Test func equivalentEncodingsCoverWhatVerifiesWithoutTheCA() throws {
        let ca = try TestFixtures.certificate("direct-issue/ca.pem")
        let der = try TestFixtures.certificate("direct-issue/leaf.pem").der
        let variants = [
            der, try #require(BEREncodings.certificateWithLongOuterLength(der)),
            try #require(BEREncodings.certificateWithNegatedS(der)),
        ]
        #expect(Set(variants.map(Digest.sha256)).count == 3)
        for variant in variants {
            let certificate = try Certificate(der: variant)
            #expect(certificate.isSignedBy(ca), "a variant no longer verifies: the test shows nothing")
            let equivalents = try Certificate(deferringKeyDER: variant).equivalentEncodingSHA256
            #expect(equivalents.first == Digest.sha256(variant))
            // Every variant leads back to the certificate as the CA issued it (DER), whose hash an operator revokes.
            #expect(equivalents.contains(Digest.sha256(der)))
        }
        // And the issued certificate's equivalents include the other valid signature.
        #expect(try Certificate(der: der).equivalentEncodingSHA256.contains(Digest.sha256(variants[2])))
        #expect(Certificate.subtract([0x01, 0x00], [0x01]) == [0xFF])
        #expect(Certificate.subtract([0x05], [0x05]) == nil && Certificate.subtract([0x05], [0x06]) == nil)
        #expect(Certificate.derInteger([0x80, 0x01]) == [0x00, 0x80, 0x01])
    }

    @Test func deferredParseLeavesNoOpenSSLError() throws {
        let leaf = try Certificate(deferringKeyDER: try TestFixtures.certificate("leaf.pem").der)
        _ = try leaf.publicKey
        _ = try CertificateChainValidator(
            roots: [TestFixtures.certificate("intermediate.pem")], allowsPartialChains: true
        )
        .validate(leaf: leaf, intermediates: [], at: TestTime.inside)
        #expect(OpenSSLErrors.drain() == nil)
    }

    /// Certificates the fixtures do not cover, made with the `openssl` command line: each must get the same
    /// verdict and error both ways, and none but the plain one may take the direct-issue check.
    @Test func openSSLMadeEdgeCasesValidateLikeOpenSSL() throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.certificateAuthority("ca", subject: "/O=wsc test/CN=Direct CA")
        try tool.p256("constrained")
        try tool.run([
            "req", "-x509", "-new", "-key", "constrained.key", "-subj", "/O=wsc test/CN=Constrained CA", "-days",
            "3650",
            "-out", "constrained.pem", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign", "-addext",
            "nameConstraints=critical,permitted;email:.example.com",
        ])
        try tool.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key"])
        try tool.run([
            "req", "-x509", "-new", "-key", "other.key", "-subj", "/O=wsc test/CN=Direct CA", "-days", "3650",
            "-out", "impostor.pem", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign", "-addext", "subjectKeyIdentifier=none",
        ])
        let codeSigning = ["keyUsage=critical,digitalSignature", "extendedKeyUsage=codeSigning"]
        try tool.leaf("plain", ca: "ca", subject: "/CN=plain", days: 30, extensions: codeSigning)
        try tool.leaf(
            "critical", ca: "ca", subject: "/CN=critical", days: 30,
            extensions: codeSigning + ["1.2.3.4=critical,ASN1:NULL"])
        try tool.leaf(
            "evil", ca: "constrained", subject: "/CN=evil", days: 30,
            extensions: codeSigning + ["subjectAltName=email:someone@evil.test"])
        try tool.leaf("selfissued", ca: "ca", subject: "/O=wsc test/CN=Direct CA", days: 30, extensions: codeSigning)
        // An explicit-parameters EC key: OpenSSL refuses it in a chain, and it never matches the named-curve form.
        try tool.run(["ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey", "-out", "explicit.key"])
        try tool.run(["req", "-new", "-key", "explicit.key", "-subj", "/CN=explicit", "-out", "explicit.csr"])
        try tool.write("explicit.ext", Array(codeSigning.joined(separator: "\n").utf8) + [0x0A])
        try tool.run([
            "x509", "-req", "-in", "explicit.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days",
            "30",
            "-extfile", "explicit.ext", "-out", "explicit.pem",
        ])
        // An anchor whose EC key carries explicit curve parameters: refused in any chain of two (error 94 at 1).
        try tool.run(["ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey", "-out", "excurve.key"])
        try tool.run([
            "req", "-x509", "-new", "-key", "excurve.key", "-subj", "/O=wsc test/CN=Explicit CA", "-days", "3650",
            "-out", "excurve.pem", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign",
        ])
        try tool.leaf("underexplicit", ca: "excurve", subject: "/CN=under explicit", days: 30, extensions: codeSigning)
        let now = Int64(Date().timeIntervalSince1970)
        let ca = try Certificate(der: tool.der(certificate: "ca"))
        func check(_ leaf: [UInt8], _ roots: [Certificate], direct: Bool, accepted: Bool, _ comment: Comment) throws {
            let result = try Self.compare(
                leafDER: leaf, roots: roots, intermediates: [], partial: true, time: now,
                requiredEKU: Certificate.codeSigningEKU, direct: direct)
            if case .success = result {
                #expect(accepted, comment)
            } else {
                #expect(!accepted, comment)
            }
        }
        let plain = try tool.der(certificate: "plain")
        try check(plain, [ca], direct: true, accepted: true, "plain leaf")
        try check(try tool.der(certificate: "critical"), [ca], direct: false, accepted: false, "unknown critical")
        try check(
            try tool.der(certificate: "evil"), [try Certificate(der: tool.der(certificate: "constrained"))],
            direct: false,
            accepted: false, "outside the name constraints")
        try check(
            plain, [try Certificate(der: tool.der(certificate: "impostor"))], direct: false, accepted: false,
            "same issuer name, other key")
        try check(
            try tool.der(certificate: "selfissued"), [ca], direct: false, accepted: true,
            "self-issued leaf (OpenSSL accepts it too)")
        try check(try tool.der(certificate: "explicit"), [ca], direct: false, accepted: false, "explicit EC parameters")
        try check(
            try tool.der(certificate: "underexplicit"), [try Certificate(der: tool.der(certificate: "excurve"))],
            direct: false, accepted: false, "anchor with explicit EC parameters")
        var tampered = plain
        tampered[tampered.count - 8] ^= 0x01
        try check(tampered, [ca], direct: false, accepted: false, "signature bit flipped")
    }
}
