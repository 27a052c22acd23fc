import Foundation
import KeylessWasm
import Testing
import WSCCrypto
import WSCJSON
import WSCTestSupport
import WasmSignatures

@testable import TrustStore

/// Authorities of every kind, one evidence pass, rules and request narrowing, typed verdicts: against real
/// Sigstore bundles (the private Sigstore fixtures), bundles built by hand from `openssl` signatures, and a
/// private CA made with the `openssl` CLI.
@Suite struct PolicyTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KeylessWasmTests/Fixtures")
    static let issuer = "https://token.actions.githubusercontent.com"
    static let subject = "https://github.com/wsc-test/app/.github/workflows/release.yml@refs/heads/main"
    static let module: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00]
    static let now = Int64(Date().timeIntervalSince1970)
    static let day: Int64 = 86400

    let f: BundleFixtures
    init() throws { f = try BundleFixtures() }

    static func file(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    /// A bundle around the real clock (certificates made by the tests are valid from now on).
    func builder(version: UInt64 = 4) -> TrustBundleBuilder {
        var b = TrustBundleBuilder(
            version: version, issuedAt: Self.now - Self.day, notBefore: Self.now - Self.day,
            expires: Self.now + 400 * Self.day, bundleKeys: [f.rootA.publicKey])
        b.publishers = [
            .init(name: "alice", publicKey: f.alice.publicKey), .init(name: "bob", publicKey: f.bob.publicKey),
        ]
        return b
    }

    func seal(_ b: TrustBundleBuilder) throws -> SealedTrustBundle {
        try SealCheck.check(
            try f.signed(b, by: [f.rootA]),
            context: .init(
                authorizing: try f.pinned(), counter: 0, activeDigest: nil,
                time: TrustedTime(systemClock: Self.now, floor: 0)))
    }

    func keylessBuilder(identities: [TrustBundle.Identity]? = nil) throws -> TrustBundleBuilder {
        var b = builder()
        b.sigstoreTrustedRoot = try JSONParser.parse(Self.file("trusted_root.json"))
        b.identities =
            identities ?? [.init(name: "release", issuer: Self.issuer, subject: Self.subject, subjectPattern: nil)]
        return b
    }

    func verify(
        _ bytes: [UInt8], _ trust: SealedTrustBundle, _ request: RequestPolicy = .bundleRule,
        sigstore: [UInt8]? = nil, at t: Int64 = now
    ) -> TrustVerdict {
        BundleVerifier.verify(
            moduleBytes: bytes, sigstoreBundle: sigstore, trust: trust, request: request,
            time: TrustedTime(systemClock: t, floor: 0))
    }

    func wasmsigSigned(_ bytes: [UInt8], by keys: [PrivateKey]) throws -> [UInt8] {
        var out = bytes
        for key in keys { out = try WasmSigner.sign(module: WasmModule(bytes: out), key: key).module }
        return out
    }

    // MARK: - Caller narrowing applies to keyless evidence too (the bypass)

    @Test func keylessEvidenceCannotBypassTheCallersNarrowing() throws {
        let trust = try seal(keylessBuilder())
        let module = try Self.file("module.keyless.wasm")
        let open = verify(module, trust)
        #expect(open.valid, "\(open)")
        #expect(open.signers == ["release"])
        #expect(open.authorities.first?.kind == .identity)
        #expect(open.keyless?.identity == Self.subject)

        let alice = verify(module, trust, .anyOf(["alice"]))
        #expect(!alice.valid)
        #expect(alice.code == .authorityNotAllowed)
        #expect(alice.reason?.contains("release") == true)
        let both = verify(module, trust, .threshold(2, of: ["alice", "bob"]))
        #expect(!both.valid)
        #expect(both.code == .authorityNotAllowed)
        #expect(verify(module, trust, .anyOf(["release"])).valid)
        #expect(verify(module, trust, .threshold(2, of: ["alice", "release"])).code == .thresholdNotMet)
        #expect(verify(module, trust, RequestPolicy(evidence: .wasmsig)).code == .noSignature)
    }

    @Test func oneKeylessCheckWhateverTheNumberOfIdentities() throws {
        var identities: [TrustBundle.Identity] = (0..<255).map {
            .init(name: "wf-\($0)", issuer: Self.issuer, subject: Self.subject + "-\($0)", subjectPattern: nil)
        }
        identities.append(
            .init(name: "pattern", issuer: Self.issuer, subject: nil, subjectPattern: ".*/release\\.yml@.*"))
        let trust = try seal(keylessBuilder(identities: identities))
        let verdict = verify(try Self.file("module.keyless.wasm"), trust)
        #expect(verdict.valid, "\(verdict)")
        #expect(verdict.signers == ["pattern"])

        let other = try seal(
            keylessBuilder(identities: [
                .init(name: "other", issuer: Self.issuer, subject: "https://github.com/x/y", subjectPattern: nil)
            ]))
        let refused = verify(try Self.file("module.keyless.wasm"), other)
        #expect(refused.code == .identityMismatch)
        #expect(refused.reason?.contains(Self.subject) == true)
    }

    // MARK: - Key-signed Sigstore bundles without a transparency log

    @Test func keySignedBundleWithoutLogFromOpenSSL() throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.p256("carol")
        try tool.p256("mallory")
        try tool.write("m.wasm", Self.module)
        let signature = try tool.sign(file: "m.wasm", key: "carol")
        let digest = Digest.sha256(Self.module)
        let hint = try tool.hint("carol")
        var b = builder()
        b.publishers.append(.init(name: "carol-ci", publicKey: try PublicKey(pem: tool.text("carol.pub"))))
        let trust = try seal(b)

        let bundle = HandBuiltBundle.keySigned(digest: digest, signature: signature, hint: hint)
        let detached = verify(Self.module, trust, sigstore: bundle)
        #expect(detached.valid, "\(detached)")
        #expect(detached.signers == ["carol-ci"])
        #expect(detached.authorities.first?.form == .sigstoreDetached)
        #expect(detached.authorities.first?.logIndex == nil)

        // No hint at all: the signature decides.
        #expect(
            verify(
                Self.module, trust, sigstore: HandBuiltBundle.keySigned(digest: digest, signature: signature, hint: nil)
            ).valid)

        // Embedded: the same bundle in the module's sigstore.bundle section.
        let embedded = try KeylessWasm.attach(bundle: bundle, to: WasmModule(bytes: Self.module))
        let inside = verify(embedded, trust)
        #expect(inside.valid, "\(inside)")
        #expect(inside.authorities.first?.form == .sigstoreEmbedded)

        // Other bytes: the named key signed other content.
        var tampered = Self.module
        tampered[tampered.count - 1] ^= 1
        let modified = verify(tampered, trust, sigstore: bundle)
        #expect(modified.code == .contentModified)

        // A log entry is demanded: none here.
        let logged = verify(Self.module, trust, RequestPolicy(requireTlog: true), sigstore: bundle)
        #expect(logged.code == .tlogRequired)

        // A key the bundle does not hold.
        let strangerSignature = try tool.sign(file: "m.wasm", key: "mallory")
        let stranger = verify(
            Self.module, trust,
            sigstore: HandBuiltBundle.keySigned(
                digest: digest, signature: strangerSignature, hint: try tool.hint("mallory")))
        #expect(stranger.code == .unknownSigner)

        // Revoked by its SPKI SHA-256.
        var revoked = b
        revoked.revokedKeyIDs = [Hex.encode(Digest.sha256(try PublicKey(pem: tool.text("carol.pub")).spkiDER))]
        #expect(verify(Self.module, try seal(revoked), sigstore: bundle).code == .keyRevoked)
    }

    // MARK: - Rules: thresholds across evidence kinds, by module name

    @Test func rulesCountDistinctAuthoritiesAcrossEvidenceKinds() throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.p256("carol")
        var b = builder()
        b.publishers.append(.init(name: "carol-ci", publicKey: try PublicKey(pem: tool.text("carol.pub"))))
        b.policy = try JSONParser.parse(
            Array(
                """
                {"rules":[{"name":"payments","modules":["payments-*"],"authorities":["alice","carol-ci"],"threshold":2}],
                 "default":{"threshold":1}}
                """.utf8))
        let trust = try seal(b)
        let signed = try wasmsigSigned(Self.module, by: [f.alice])
        try tool.write("m.wasm", signed)
        let sigstore = HandBuiltBundle.keySigned(
            digest: Digest.sha256(signed), signature: try tool.sign(file: "m.wasm", key: "carol"),
            hint: try tool.hint("carol"))

        let both = verify(signed, trust, RequestPolicy(moduleName: "payments-api"), sigstore: sigstore)
        #expect(both.valid, "\(both)")
        #expect(both.rule == "payments")
        #expect(Set(both.signers) == ["alice", "carol-ci"])
        #expect(Set(both.authorities.map(\.form)) == [.wasmsigEmbedded, .sigstoreDetached])

        let one = verify(signed, trust, RequestPolicy(moduleName: "payments-api"))
        #expect(one.code == .thresholdNotMet)
        #expect(one.failedCheck == "policy.threshold")
        #expect(verify(signed, trust, RequestPolicy(moduleName: "weather")).valid)
        #expect(verify(signed, trust, RequestPolicy(moduleName: "weather")).rule == "default")
        // A request may raise the threshold, never lower it.
        #expect(verify(signed, trust, RequestPolicy(require: 2, moduleName: "weather")).code == .thresholdNotMet)
        #expect(verify(signed, trust, RequestPolicy(require: 1, moduleName: "payments-api")).code == .thresholdNotMet)
        // bob is outside the payments rule: a request naming him cannot widen it.
        let bobSigned = try wasmsigSigned(Self.module, by: [f.bob])
        #expect(verify(bobSigned, trust, RequestPolicy(authorities: ["bob"], moduleName: "payments-x")).valid == false)
        #expect(verify(bobSigned, trust, RequestPolicy(authorities: ["nobody"])).code == .requestInvalid)
    }

    // MARK: - Private CAs (openssl CLI)

    enum CACase: String, CaseIterable, Sendable {
        case valid, wrongCA, expiredLeaf, missingEKU, sanMismatch
    }

    @Test(arguments: CACase.allCases)
    func privateCertificateAuthority(_ c: CACase) throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.certificateAuthority("root", subject: "/CN=Acme Code Signing Root")
        try tool.certificateAuthority("other", subject: "/CN=Someone Else")
        var extensions = [
            "basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature",
            "subjectAltName=email:builder@acme.example",
        ]
        if c != .missingEKU { extensions.append("extendedKeyUsage=codeSigning") }
        try tool.leaf("leaf", ca: "root", subject: "/CN=acme builder", days: 2, extensions: extensions)
        try tool.write("m.wasm", Self.module)
        let signature = try tool.sign(file: "m.wasm", key: "leaf")
        let bundle = HandBuiltBundle.certificateSigned(
            digest: Digest.sha256(Self.module), signature: signature, leafDER: try tool.der(certificate: "leaf"))

        var b = builder()
        var ca = TrustBundleBuilder.CertificateAuthority(
            name: "acme-ca", certificates: [try Certificate(pem: tool.text(c == .wrongCA ? "other.pem" : "root.pem"))])
        if c == .sanMismatch { ca.sanPattern = ".*@other\\.example" }
        b.certificateAuthorities = [ca]
        let trust = try seal(b)
        // The leaf was made seconds ago: check at the clock now (its notBefore), or well past its two days.
        let clock = Int64(Date().timeIntervalSince1970)
        let at = c == .expiredLeaf ? clock + 10 * Self.day : clock
        let verdict = verify(Self.module, trust, sigstore: bundle, at: at)
        switch c {
        case .valid:
            #expect(verdict.valid, "\(verdict)")
            #expect(verdict.authorities.first?.kind == .certificateAuthority)
            #expect(verdict.authorities.first?.signer.contains("acme builder") == true)
            #expect(verdict.warnings.contains { $0.contains("trusted time") })
            let narrowed = verify(Self.module, trust, RequestPolicy(authorities: ["alice"]), sigstore: bundle, at: at)
            #expect(narrowed.code == .authorityNotAllowed)
        case .wrongCA, .expiredLeaf:
            #expect(verdict.code == .chainInvalid, "\(verdict)")
        case .missingEKU:
            #expect(verdict.code == .chainInvalid, "\(verdict)")
            #expect(verdict.reason?.contains("1.3.6.1.5.5.7.3.3") == true)
        case .sanMismatch:
            #expect(verdict.code == .identityMismatch, "\(verdict)")
        }
    }

    /// A private-CA certificate revoked by its SHA-256 or by its key (the SubjectPublicKeyInfo SHA-256 in
    /// `keyIds`) is refused in every encoding its holder can make without the CA (a four-byte outer length, the
    /// ECDSA signature's s as n − s), each of which changes the certificate's SHA-256 but not the signed part.
    @Test func privateCACertificateRevokedIsRefusedInEveryEncoding() throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.certificateAuthority("root", subject: "/CN=Acme Code Signing Root")
        try tool.leaf(
            "leaf", ca: "root", subject: "/CN=acme builder", days: 2,
            extensions: ["keyUsage=critical,digitalSignature", "extendedKeyUsage=codeSigning"])
        try tool.write("m.wasm", Self.module)
        let signature = try tool.sign(file: "m.wasm", key: "leaf")
        let der = try tool.der(certificate: "leaf")
        let reencoded = try #require(BEREncodings.certificateWithLongOuterLength(der))
        #expect(reencoded != der && Digest.sha256(reencoded) != Digest.sha256(der))
        func bundle(_ leaf: [UInt8]) -> [UInt8] {
            HandBuiltBundle.certificateSigned(digest: Digest.sha256(Self.module), signature: signature, leafDER: leaf)
        }
        var b = builder()
        b.certificateAuthorities = [.init(name: "acme-ca", certificates: [try Certificate(pem: tool.text("root.pem"))])]
        let clock = Int64(Date().timeIntervalSince1970)
        let open = try seal(b)
        #expect(verify(Self.module, open, sigstore: bundle(der), at: clock).valid)
        #expect(verify(Self.module, open, sigstore: bundle(reencoded), at: clock).valid)

        // Revoked by the hash of the certificate as issued: refused in that encoding and in the ones its key
        // holder could make (another outer length; the ECDSA signature's s as n − s), which verify as well.
        var byCertificate = b
        byCertificate.revokedCertificateSHA256 = [Hex.encode(Digest.sha256(der))]
        let certificateRevoked = try seal(byCertificate)
        let negated = try #require(BEREncodings.certificateWithNegatedS(der))
        #expect(verify(Self.module, open, sigstore: bundle(negated), at: clock).valid)
        for leaf in [der, reencoded, negated] {
            let verdict = verify(Self.module, certificateRevoked, sigstore: bundle(leaf), at: clock)
            #expect(verdict.code == .certificateRevoked, "\(verdict)")
        }

        var byKey = b
        byKey.revokedKeyIDs = [Hex.encode(Digest.sha256(try Certificate(der: der).subjectPublicKeyInfoDER))]
        let keyRevoked = try seal(byKey)
        for leaf in [der, reencoded] {
            let verdict = verify(Self.module, keyRevoked, sigstore: bundle(leaf), at: clock)
            #expect(verdict.code == .keyRevoked, "\(verdict)")
            #expect(verdict.reason?.contains("SubjectPublicKeyInfo SHA-256") == true)
        }
    }

    /// The same for a private CA on a curve wsc's own keys never use (secp256k1, which OpenSSL verifies chains
    /// with): the negated signature uses that curve's order, which the revocation takes from the validated
    /// issuer.
    @Test func revokedCertificateFromASecp256k1CAIsRefusedInEveryEncoding() throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.run(["ecparam", "-name", "secp256k1", "-genkey", "-out", "k1.key"])
        try tool.run([
            "req", "-x509", "-new", "-key", "k1.key", "-subj", "/CN=Acme k1 Root", "-days", "3650", "-out", "k1.pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        ])
        try tool.leaf(
            "leaf", ca: "k1", subject: "/CN=acme builder", days: 2,
            extensions: ["keyUsage=critical,digitalSignature", "extendedKeyUsage=codeSigning"])
        try tool.write("m.wasm", Self.module)
        let signature = try tool.sign(file: "m.wasm", key: "leaf")
        let der = try tool.der(certificate: "leaf")
        let negated = try #require(BEREncodings.certificateWithNegatedS(der, curveOrder: BEREncodings.secp256k1Order))
        func bundle(_ leaf: [UInt8]) -> [UInt8] {
            HandBuiltBundle.certificateSigned(digest: Digest.sha256(Self.module), signature: signature, leafDER: leaf)
        }
        var b = builder()
        b.certificateAuthorities = [.init(name: "k1-ca", certificates: [try Certificate(pem: tool.text("k1.pem"))])]
        let clock = Int64(Date().timeIntervalSince1970)
        #expect(verify(Self.module, try seal(b), sigstore: bundle(negated), at: clock).valid)
        b.revokedCertificateSHA256 = [Hex.encode(Digest.sha256(der))]
        let revoked = try seal(b)
        for leaf in [der, negated] {
            let verdict = verify(Self.module, revoked, sigstore: bundle(leaf), at: clock)
            #expect(verdict.code == .certificateRevoked, "\(verdict)")
        }
    }

    /// A bundle with a Sigstore root, keyless identities and a private CA: each certificate goes to its own
    /// authority (a private-CA bundle without a log entry is not judged by Fulcio's rules, and the reverse).
    @Test func keylessAndPrivateCATogether() throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.certificateAuthority("root", subject: "/CN=Acme Code Signing Root")
        try tool.leaf(
            "leaf", ca: "root", subject: "/CN=acme builder", days: 2,
            extensions: ["basicConstraints=CA:FALSE", "extendedKeyUsage=codeSigning"])
        try tool.write("m.wasm", Self.module)
        let caBundle = HandBuiltBundle.certificateSigned(
            digest: Digest.sha256(Self.module), signature: try tool.sign(file: "m.wasm", key: "leaf"),
            leafDER: try tool.der(certificate: "leaf"))
        var b = try keylessBuilder()
        b.certificateAuthorities = [.init(name: "acme-ca", certificates: [try Certificate(pem: tool.text("root.pem"))])]
        let trust = try seal(b)
        let clock = Int64(Date().timeIntervalSince1970)
        let ca = verify(Self.module, trust, sigstore: caBundle, at: clock)
        #expect(ca.valid, "\(ca)")
        #expect(ca.signers == ["acme-ca"])
        let keyless = verify(try Self.file("module.keyless.wasm"), trust, at: clock)
        #expect(keyless.valid, "\(keyless)")
        #expect(keyless.signers == ["release"])
        // A request for the CA only: the keyless signature does not count.
        #expect(
            verify(try Self.file("module.keyless.wasm"), trust, .anyOf(["acme-ca"]), at: clock).code
                == .authorityNotAllowed)
    }

    /// One key behind two authorities (a publisher, and a private CA's leaf) is one signer: it cannot meet a
    /// threshold of two alone.
    @Test func oneKeyCountsOnceWhateverItsAuthorities() throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.certificateAuthority("root", subject: "/CN=Acme Code Signing Root")
        try tool.leaf(
            "carol", ca: "root", subject: "/CN=carol", days: 2,
            extensions: ["basicConstraints=CA:FALSE", "extendedKeyUsage=codeSigning"])
        try tool.write("m.wasm", Self.module)
        let caBundle = HandBuiltBundle.certificateSigned(
            digest: Digest.sha256(Self.module), signature: try tool.sign(file: "m.wasm", key: "carol"),
            leafDER: try tool.der(certificate: "carol"))
        let module = try KeylessWasm.attach(bundle: caBundle, to: WasmModule(bytes: Self.module))
        try tool.write("full.wasm", module)
        let keyBundle = HandBuiltBundle.keySigned(
            digest: Digest.sha256(module), signature: try tool.sign(file: "full.wasm", key: "carol"),
            hint: try tool.hint("carol"))
        var b = builder()
        b.publishers.append(.init(name: "carol-key", publicKey: try PublicKey(pem: tool.text("carol.pub"))))
        b.certificateAuthorities = [.init(name: "acme-ca", certificates: [try Certificate(pem: tool.text("root.pem"))])]
        b.policy = try JSONParser.parse(
            Array(
                #"{"rules":[{"name":"two","modules":["*"],"authorities":["carol-key","acme-ca"],"threshold":2}]}"#.utf8)
        )
        let trust = try seal(b)
        let clock = Int64(Date().timeIntervalSince1970)
        let verdict = verify(module, trust, RequestPolicy(moduleName: "m"), sigstore: keyBundle, at: clock)
        #expect(verdict.code == .thresholdNotMet, "\(verdict)")
        #expect(verdict.evidence.flatMap(\.proved).sorted() == ["acme-ca", "carol-key"])
        #expect(verify(module, trust, sigstore: keyBundle, at: clock).valid)
    }

    // MARK: - Bad bundles fail the seal check

    static let badPolicies: [(String, String)] = [
        (#"{"rules":[{"name":"r","modules":["x"],"authorities":["ghost"]}]}"#, "ghost"),
        (#"{"rules":[{"name":"r","modules":["x"],"threshold":3}]}"#, "threshold"),
        (#"{"rules":[{"name":"r","modules":[]}]}"#, "modules"),
        (#"{"rules":[{"name":"r","modules":["x"],"surprise":1}]}"#, "surprise"),
        (#"{"default":{"name":"d"}}"#, "default"),
        (#"{"rules":[{"name":"r","modules":["x"]},{"name":"r","modules":["y"]}]}"#, "twice"),
    ]

    @Test(arguments: badPolicies)
    func badPolicyFailsTheSealCheck(_ policy: String, _ mentions: String) throws {
        var b = builder()
        b.policy = try JSONParser.parse(Array(policy.utf8))
        do {
            _ = try b.payload()
            Issue.record("accepted \(policy)")
        } catch let error as TrustStoreError {
            #expect(error.reason.contains(mentions), "\(error.reason)")
        }
    }

    @Test func authorityNamesShareOneNamespaceAndPatternsMustCompile() throws {
        var b = builder()
        b.identities = [.init(name: "alice", issuer: Self.issuer, subject: Self.subject, subjectPattern: nil)]
        #expect(throws: TrustStoreError.self) { try b.payload() }
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.certificateAuthority("root", subject: "/CN=Root")
        var c = builder()
        var ca = TrustBundleBuilder.CertificateAuthority(
            name: "ca", certificates: [try Certificate(pem: tool.text("root.pem"))])
        ca.subjectPattern = "("
        c.certificateAuthorities = [ca]
        do {
            _ = try c.payload()
            Issue.record("a pattern that does not compile was sealed")
        } catch let error as TrustStoreError {
            #expect(error.reason.contains("subjectPattern"), "\(error.reason)")
        }
    }

    @Test func publishersOfEveryKeyTypeAndTheRawWasmsign2Form() throws {
        let tool = try OpenSSLTool()
        defer { tool.cleanUp() }
        try tool.p256("p256")
        try tool.run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key"])
        try tool.run(["pkey", "-in", "rsa.key", "-pubout", "-out", "rsa.pub"])
        let raw = Hex.encode(f.alice.publicKey.wasmsignRaw!)
        func quoted(_ text: String) -> String { String(decoding: JSONWriter.encode(.string(text)), as: UTF8.self) }
        let payload = """
            {"version":1,"issuedAt":"2026-11-21T00:00:00Z","notBefore":"2026-11-21T00:00:00Z","expires":"2027-11-21T00:00:00Z",
             "publishers":[{"name":"raw","publicKey":"\(raw)"},
                           {"name":"ec","publicKey":\(quoted(try tool.text("p256.pub")))},
                           {"name":"rsa","publicKey":\(quoted(try tool.text("rsa.pub")))}],
             "bundleKeys":[\(quoted(f.rootA.publicKey.pem))],"threshold":1}
            """
        let bundle = try TrustBundle(payload: Array(payload.utf8))
        #expect(bundle.publishers.map(\.name) == ["raw", "ec", "rsa"])
        #expect(bundle.publishers[0].keyID == Hex.encode(f.alice.publicKey.wasmsigKeyID!))
        #expect(bundle.publishers[1].publicKey.type == .ecdsaP256)
    }

    // MARK: - Work bounded whatever the module or bundle hold

    @Test func wasmsigTrialsAreBoundedAndLabelledSignaturesAreMatchedDirectly() throws {
        var b = builder()
        let many = try (0..<2048).map { i in
            [UInt8](repeating: 0, count: 28) + withUnsafeBytes(of: UInt32(i + 100).bigEndian, Array.init)
        }.map { seed in try seed.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) } }
        b.publishers += many.enumerated().map { .init(name: "p\($0.offset)", publicKey: $0.element.publicKey) }
        let trust = try seal(b)
        // One signature without a key id: every publisher can be tried (2050 ≤ the budget).
        let last = try wasmsigSigned(Self.module, by: [many[2047]])
        let one = verify(last, trust)
        #expect(one.valid, "\(one)")
        #expect(one.signers == ["p2047"])
        // Three signatures without key ids: 4096 / 3 publishers are tried, not all 2050, and the verdict says so.
        let three = try wasmsigSigned(Self.module, by: [f.alice, f.bob, many[2047]])
        let bounded = verify(three, trust, RequestPolicy(authorities: ["p2047"]))
        #expect(!bounded.valid)
        #expect(bounded.warnings.contains { $0.contains("without a key id") }, "\(bounded.warnings)")
    }

    @Test func brokenEvidenceBesideValidEvidenceIsReported() throws {
        let signed = try wasmsigSigned(Self.module, by: [f.alice])
        let trust = try seal(builder())
        let verdict = verify(signed, trust, sigstore: Array(#"{"mediaType": "nonsense"}"#.utf8))
        #expect(verdict.valid)
        #expect(verdict.warnings.contains { $0.contains("sigstore-detached evidence not counted [malformedEvidence]") })
        #expect(verdict.evidence.count == 2)
        // Alone, the same broken bundle is the reason.
        let alone = verify(Self.module, trust, sigstore: Array(#"{"mediaType": "nonsense"}"#.utf8))
        #expect(alone.code == .malformedEvidence)
    }

    @Test func sigstoreBundleWithTooManyLogEntriesIsRefusedBeforeDecodingThem() throws {
        let entry =
            #"{"logIndex":"1","logId":{"keyId":"AA=="},"kindVersion":{"kind":"x","version":"y"},"canonicalizedBody":"AA=="}"#
        let entries = Array(repeating: entry, count: 33).joined(separator: ",")
        let json = """
            {"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
             "verificationMaterial":{"publicKey":{"hint":"x"},"tlogEntries":[\(entries)]},
             "messageSignature":{"signature":"AAAA"}}
            """
        let verdict = verify(Self.module, try seal(builder()), sigstore: Array(json.utf8))
        #expect(verdict.code == .malformedEvidence)
        #expect(verdict.reason?.contains("33 transparency log entries") == true, "\(verdict.reason ?? "")")
    }
}
