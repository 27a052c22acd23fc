import Foundation
import Testing

@testable import WSCCrypto

/// Expected values from Fixtures/certificates.json, computed by the fixture script.
struct CertificateMetadata: Decodable, Sendable {
    let sha256Fingerprint: String
    let serialNumberHex: String
    let notValidBefore: Int64
    let notValidAfter: Int64

    static func all() throws -> [String: CertificateMetadata] {
        try JSONDecoder().decode([String: CertificateMetadata].self, from: TestFixtures.data("certificates.json"))
    }
}

/// A chain validation that must fail.
struct FailingChain: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let leaf: String
    let intermediates: [String]
    let roots: [String]
    let time: Int64
    let requiredEKU: String?
    /// Text the error reason must contain.
    let reasonContains: String
}

@Suite struct CertificateTests {
    static let fixtureFiles = [
        "root.pem", "intermediate.pem", "leaf.pem", "nonca-intermediate.pem", "nonca-leaf.pem", "server-leaf.pem",
        "leaf-2025.pem", "unrelated-root.pem", "ed25519-root.pem", "ed25519-leaf.pem", "rsa-root.pem",
        "rsa-intermediate.pem", "rsa-leaf.pem",
    ]
    static let githubIssuer = "https://token.actions.githubusercontent.com"
    static let workflowURI = "https://github.com/example/repo/.github/workflows/release.yml@refs/heads/main"

    func validator(_ roots: [String] = ["root.pem"]) throws -> CertificateChainValidator {
        CertificateChainValidator(roots: try roots.map(TestFixtures.certificate))
    }

    // MARK: Parsing

    @Test(arguments: fixtureFiles)
    func metadataMatchesTheFixtureScript(_ file: String) throws {
        let certificate = try TestFixtures.certificate(file)
        let expected = try #require(try CertificateMetadata.all()[file])
        #expect(certificate.sha256Fingerprint.hex == expected.sha256Fingerprint)
        #expect(certificate.sha256Fingerprint == Digest.sha256(certificate.der))
        #expect(certificate.serialNumberHex == expected.serialNumberHex)
        #expect(certificate.notValidBefore == expected.notValidBefore)
        #expect(certificate.notValidAfter == expected.notValidAfter)
        // DER and PEM round trips give an equal certificate.
        #expect(try Certificate(der: certificate.der) == certificate)
        #expect(try Certificate(pem: certificate.pem) == certificate)
    }

    @Test func parseChainKeepsOrder() throws {
        let chain = try Certificate.parseChain(pem: TestFixtures.text("chain.pem"))
        #expect(chain.count == 3)
        #expect(
            chain.map(\.subject) == [
                "CN=wsc Test Leaf,O=wsc test fixtures",
                "CN=wsc Test Intermediate CA,O=wsc test fixtures", "CN=wsc Test Root CA,O=wsc test fixtures",
            ])
        #expect(chain[0].issuer == chain[1].subject)
        #expect(chain[1].issuer == chain[2].subject)
        #expect(chain[2].issuer == chain[2].subject)
    }

    @Test func parseChainIgnoresOtherBlocksAndNeedsOneCertificate() throws {
        let leaf = try TestFixtures.certificate("leaf.pem")
        let key = try leaf.publicKey
        let mixed = key.pem + "some text\n" + leaf.pem
        #expect(try Certificate.parseChain(pem: mixed) == [leaf])
        let error = #expect(throws: CryptoError.self) { try Certificate.parseChain(pem: key.pem) }
        #expect(error?.code == .invalidEncoding)
        #expect(error?.reason.contains("CERTIFICATE") == true)
    }

    @Test func parseChainIsBounded() throws {
        let leaf = try TestFixtures.certificate("leaf.pem")
        #expect(try Certificate.parseChain(pem: String(repeating: leaf.pem, count: 32)).count == 32)
        let error = #expect(throws: CryptoError.self) {
            try Certificate.parseChain(pem: String(repeating: leaf.pem, count: 33))
        }
        #expect(error?.code == .invalidCertificate)
    }

    @Test func leafFields() throws {
        let leaf = try TestFixtures.certificate("leaf.pem")
        #expect(leaf.subject == "CN=wsc Test Leaf,O=wsc test fixtures")
        #expect(leaf.issuer == "CN=wsc Test Intermediate CA,O=wsc test fixtures")
        #expect(leaf.serialNumberHex == "3001")
        #expect(leaf.notValidBefore == 1_717_200_000)  // 2024-06-01T00:00:00Z
        #expect(leaf.notValidAfter == 1_861_920_000)  // 2029-01-01T00:00:00Z
        #expect(leaf.subjectAlternativeNames == [.uri(Self.workflowURI), .email("signer@example.com")])
        #expect(leaf.extendedKeyUsages == [Certificate.codeSigningEKU])
        #expect(!leaf.isCA)
        #expect(leaf.pathLengthConstraint == nil)
        #expect(try leaf.publicKey.type == .ecdsaP256)
        #expect(leaf.description.contains("wsc Test Leaf"))
    }

    @Test func customExtensionReadsBack() throws {
        let leaf = try TestFixtures.certificate("leaf.pem")
        let issuerExtension = try #require(leaf.extensionValue(oid: "1.3.6.1.4.1.57264.1.1"))
        #expect(!issuerExtension.isCritical)
        let utf8 = Array(Self.githubIssuer.utf8)
        #expect(issuerExtension.value == [0x0C, UInt8(utf8.count)] + utf8)
        #expect(leaf.extensionValue(oid: "1.2.3.4") == nil)

        let oids = leaf.extensions.map(\.oid)
        #expect(
            oids == [
                "2.5.29.19", "2.5.29.14", "2.5.29.35", "2.5.29.15", "2.5.29.37", "2.5.29.17",
                "1.3.6.1.4.1.57264.1.1",
            ])
        let basicConstraints = try #require(leaf.extensionValue(oid: "2.5.29.19"))
        #expect(basicConstraints.isCritical)
        #expect(basicConstraints.value == [0x30, 0x00])  // SEQUENCE {} : cA FALSE by default
        let eku = try #require(leaf.extensionValue(oid: "2.5.29.37"))
        #expect(eku.value == [0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03])
    }

    @Test func serverLeafNames() throws {
        let leaf = try TestFixtures.certificate("server-leaf.pem")
        #expect(leaf.subjectAlternativeNames == [.dns("server.example.com"), .ipAddress([192, 0, 2, 7])])
        #expect(leaf.extendedKeyUsages == ["1.3.6.1.5.5.7.3.1"])
    }

    @Test func caFields() throws {
        let root = try TestFixtures.certificate("root.pem")
        #expect(root.isCA)
        #expect(root.pathLengthConstraint == nil)
        #expect(root.extendedKeyUsages == nil)
        #expect(root.subjectAlternativeNames.isEmpty)
        #expect(try root.publicKey.type == .ecdsaP384)
        let intermediate = try TestFixtures.certificate("intermediate.pem")
        #expect(intermediate.isCA)
        #expect(intermediate.pathLengthConstraint == 0)
        let nonCA = try TestFixtures.certificate("nonca-intermediate.pem")
        #expect(!nonCA.isCA)
    }

    @Test(arguments: [
        ("ed25519-leaf.pem", KeyType.ed25519), ("ed25519-root.pem", .ed25519), ("rsa-leaf.pem", .rsa(bits: 2048)),
        ("leaf.pem", .ecdsaP256), ("root.pem", .ecdsaP384),
    ])
    func publicKeyTypes(_ file: String, _ type: KeyType) throws {
        #expect(try TestFixtures.certificate(file).publicKey.type == type)
    }

    @Test func isSignedBy() throws {
        let root = try TestFixtures.certificate("root.pem")
        let intermediate = try TestFixtures.certificate("intermediate.pem")
        let leaf = try TestFixtures.certificate("leaf.pem")
        #expect(leaf.isSignedBy(intermediate))
        #expect(intermediate.isSignedBy(root))
        #expect(root.isSignedBy(root))
        #expect(!leaf.isSignedBy(root))
        #expect(!intermediate.isSignedBy(try TestFixtures.certificate("unrelated-root.pem")))
        let edRoot = try TestFixtures.certificate("ed25519-root.pem")
        #expect(try TestFixtures.certificate("ed25519-leaf.pem").isSignedBy(edRoot))
    }

    // MARK: Bad input

    static func badDER() throws -> [(String, [UInt8])] {
        let der = try TestFixtures.certificate("leaf.pem").der
        return [
            ("empty", []),
            ("garbage", Array("this is not a certificate".utf8)),
            ("single byte", [0x30]),
            ("truncated", Array(der.prefix(der.count / 2))),
            ("last byte missing", Array(der.dropLast())),
            ("trailing byte", der + [0x00]),
            ("trailing certificate", der + der),
            ("too large", [UInt8](repeating: 0x30, count: Certificate.maximumDERLength + 1)),
        ]
    }

    @Test(arguments: try badDER())
    func badDERIsRejected(_ name: String, _ der: [UInt8]) throws {
        let error = #expect(throws: CryptoError.self, "\(name)") { try Certificate(der: der) }
        #expect(error?.code == .invalidCertificate)
        #expect(error?.reason.isEmpty == false)
    }

    @Test func trailingBytesAreNamedInTheError() throws {
        let der = try TestFixtures.certificate("leaf.pem").der
        let error = #expect(throws: CryptoError.self) { try Certificate(der: der + [1, 2, 3]) }
        #expect(error?.reason.contains("3 unexpected bytes") == true)
    }

    static func badPEM() throws -> [(String, String)] {
        let leaf = try TestFixtures.certificate("leaf.pem")
        return [
            ("wrong label", PEM.encode(leaf.der, label: "PUBLIC KEY")),
            ("two certificates", leaf.pem + leaf.pem),
            ("no block", "hello"),
            ("no END line", "-----BEGIN CERTIFICATE-----\nMAA=\n"),
            ("bad Base64", "-----BEGIN CERTIFICATE-----\nMA!A\n-----END CERTIFICATE-----\n"),
        ]
    }

    @Test(arguments: try badPEM())
    func badPEMIsRejected(_ name: String, _ pem: String) throws {
        let error = #expect(throws: CryptoError.self, "\(name)") { try Certificate(pem: pem) }
        #expect(error?.code == .invalidEncoding)
    }

    @Test func wrongLabelErrorSaysWhatWasExpected() throws {
        let leaf = try TestFixtures.certificate("leaf.pem")
        let error = #expect(throws: CryptoError.self) {
            try Certificate(pem: PEM.encode(leaf.der, label: "PUBLIC KEY"))
        }
        #expect(error?.reason.contains("PUBLIC KEY") == true)
        #expect(error?.reason.contains("CERTIFICATE") == true)
    }

    @Test func garbageInsideAValidPEMBlockIsACertificateError() {
        let error = #expect(throws: CryptoError.self) {
            try Certificate(pem: PEM.encode([0x30, 0x03, 0x02, 0x01, 0x01], label: "CERTIFICATE"))
        }
        #expect(error?.code == .invalidCertificate)
    }

    // MARK: Chain validation

    @Test func threeLevelChainValidates() throws {
        let leaf = try TestFixtures.certificate("leaf.pem")
        let intermediate = try TestFixtures.certificate("intermediate.pem")
        let validator = try validator()
        let chain = try validator.validate(
            leaf: leaf, intermediates: [intermediate], at: TestTime.inside,
            requiredExtendedKeyUsage: Certificate.codeSigningEKU)
        #expect(chain.count == 3)
        #expect(chain[0] === leaf)
        #expect(chain[1] === intermediate)
        #expect(chain[2] === validator.roots[0])
    }

    @Test func chainFromParsedPEMValidates() throws {
        let pem = try Certificate.parseChain(pem: TestFixtures.text("chain.pem"))
        let chain = try validator().validate(leaf: pem[0], intermediates: Array(pem[1...]), at: TestTime.inside)
        #expect(chain == pem)
    }

    @Test(arguments: [TestTime.december2024, TestTime.inside, TestTime.february2026, 1_861_919_999])
    func validatesAtAnyTimeInsideEveryWindow(_ time: Int64) throws {
        let chain = try validator().validate(
            leaf: TestFixtures.certificate("leaf.pem"), intermediates: [TestFixtures.certificate("intermediate.pem")],
            at: time)
        #expect(chain.count == 3)
    }

    @Test func ed25519ChainValidates() throws {
        let chain = try validator(["ed25519-root.pem"]).validate(
            leaf: TestFixtures.certificate("ed25519-leaf.pem"), intermediates: [], at: TestTime.inside,
            requiredExtendedKeyUsage: Certificate.codeSigningEKU)
        #expect(
            chain.map(\.subject) == [
                "CN=wsc Test Ed25519 Leaf,O=wsc test fixtures",
                "CN=wsc Test Ed25519 Root CA,O=wsc test fixtures",
            ])
    }

    @Test func rsaChainValidates() throws {
        let chain = try validator(["rsa-root.pem"]).validate(
            leaf: TestFixtures.certificate("rsa-leaf.pem"),
            intermediates: [TestFixtures.certificate("rsa-intermediate.pem")], at: TestTime.inside,
            requiredExtendedKeyUsage: Certificate.codeSigningEKU)
        #expect(chain.count == 3)
        #expect(try chain[0].publicKey.type == .rsa(bits: 2048))
    }

    @Test func leafValidIn2025() throws {
        let leaf = try TestFixtures.certificate("leaf-2025.pem")
        let intermediate = try TestFixtures.certificate("intermediate.pem")
        let validator = try validator()
        #expect(try validator.validate(leaf: leaf, intermediates: [intermediate], at: TestTime.inside).count == 3)
        #expect(throws: CryptoError.self) {
            try validator.validate(leaf: leaf, intermediates: [intermediate], at: TestTime.december2024)
        }
        #expect(throws: CryptoError.self) {
            try validator.validate(leaf: leaf, intermediates: [intermediate], at: TestTime.february2026)
        }
        // OpenSSL's window: notBefore <= time < notAfter.
        #expect(try validator.validate(leaf: leaf, intermediates: [intermediate], at: leaf.notValidBefore).count == 3)
        #expect(throws: CryptoError.self) {
            try validator.validate(leaf: leaf, intermediates: [intermediate], at: leaf.notValidBefore - 1)
        }
        #expect(
            try validator.validate(leaf: leaf, intermediates: [intermediate], at: leaf.notValidAfter - 1).count == 3)
        #expect(throws: CryptoError.self) {
            try validator.validate(leaf: leaf, intermediates: [intermediate], at: leaf.notValidAfter)
        }
    }

    static let failingChains: [FailingChain] = [
        FailingChain(
            testDescription: "before notBefore", leaf: "leaf.pem", intermediates: ["intermediate.pem"],
            roots: ["root.pem"], time: TestTime.before2024, requiredEKU: nil, reasonContains: "not yet valid"),
        FailingChain(
            testDescription: "after notAfter", leaf: "leaf.pem", intermediates: ["intermediate.pem"],
            roots: ["root.pem"], time: TestTime.after2030, requiredEKU: nil, reasonContains: "expired"),
        FailingChain(
            testDescription: "2025 leaf before its window", leaf: "leaf-2025.pem", intermediates: ["intermediate.pem"],
            roots: ["root.pem"], time: TestTime.december2024, requiredEKU: nil,
            reasonContains: "not yet valid at depth 0"),
        FailingChain(
            testDescription: "2025 leaf after its window", leaf: "leaf-2025.pem", intermediates: ["intermediate.pem"],
            roots: ["root.pem"], time: TestTime.february2026, requiredEKU: nil,
            reasonContains: "expired at depth 0"),
        FailingChain(
            testDescription: "missing intermediate", leaf: "leaf.pem", intermediates: [], roots: ["root.pem"],
            time: TestTime.inside, requiredEKU: nil, reasonContains: "unable to get local issuer certificate"),
        FailingChain(
            testDescription: "intermediate as the only root (no partial chains)", leaf: "leaf.pem", intermediates: [],
            roots: ["intermediate.pem"], time: TestTime.inside, requiredEKU: nil, reasonContains: "depth"),
        FailingChain(
            testDescription: "non-CA intermediate", leaf: "nonca-leaf.pem", intermediates: ["nonca-intermediate.pem"],
            roots: ["root.pem"], time: TestTime.inside, requiredEKU: nil, reasonContains: "invalid CA certificate"),
        FailingChain(
            testDescription: "unrelated root", leaf: "leaf.pem", intermediates: ["intermediate.pem"],
            roots: ["unrelated-root.pem"], time: TestTime.inside, requiredEKU: nil, reasonContains: "issuer"),
        FailingChain(
            testDescription: "Ed25519 leaf under the wrong root", leaf: "ed25519-leaf.pem", intermediates: [],
            roots: ["root.pem", "rsa-root.pem"], time: TestTime.inside, requiredEKU: nil, reasonContains: "issuer"),
        FailingChain(
            testDescription: "serverAuth leaf when codeSigning is required", leaf: "server-leaf.pem",
            intermediates: ["intermediate.pem"], roots: ["root.pem"], time: TestTime.inside,
            requiredEKU: Certificate.codeSigningEKU, reasonContains: Certificate.codeSigningEKU),
        FailingChain(
            testDescription: "root without EKU when timeStamping is required", leaf: "root.pem", intermediates: [],
            roots: ["root.pem"], time: TestTime.inside, requiredEKU: Certificate.timeStampingEKU,
            reasonContains: "no extended key usage"),
    ]

    @Test(arguments: failingChains)
    func chainFails(_ failing: FailingChain) throws {
        let leaf = try TestFixtures.certificate(failing.leaf)
        let intermediates = try failing.intermediates.map(TestFixtures.certificate)
        let validator = try validator(failing.roots)
        let error = #expect(throws: CryptoError.self) {
            try validator.validate(
                leaf: leaf, intermediates: intermediates, at: failing.time,
                requiredExtendedKeyUsage: failing.requiredEKU)
        }
        #expect(error?.code == .certificateVerificationFailed)
        let reason = error?.reason ?? ""
        #expect(reason.contains(failing.reasonContains), "\(reason)")
        if failing.requiredEKU == nil {
            #expect(reason.contains("checked at \(UnixTime.iso8601(failing.time))"), "\(reason)")
            #expect(reason.contains("CN="), "\(reason)")
        }
    }

    @Test func noRootsFails() throws {
        let error = #expect(throws: CryptoError.self) {
            try CertificateChainValidator(roots: []).validate(
                leaf: TestFixtures.certificate("leaf.pem"), intermediates: [], at: TestTime.inside)
        }
        #expect(error?.code == .certificateVerificationFailed)
    }

    @Test func tooManyIntermediatesFails() throws {
        let intermediate = try TestFixtures.certificate("intermediate.pem")
        let error = #expect(throws: CryptoError.self) {
            try validator().validate(
                leaf: TestFixtures.certificate("leaf.pem"),
                intermediates: Array(
                    repeating: intermediate, count: CertificateChainValidator.maximumIntermediates + 1),
                at: TestTime.inside)
        }
        #expect(error?.code == .certificateVerificationFailed)
    }

    @Test func failedValidationLeavesNoOpenSSLError() throws {
        _ = try? validator().validate(
            leaf: TestFixtures.certificate("leaf.pem"), intermediates: [], at: TestTime.inside)
        #expect(OpenSSLErrors.drain() == nil)
    }

    // MARK: Time formatting

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (-1, "1969-12-31T23:59:59Z"), (1_748_736_000, "2025-06-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"), (4_107_542_399, "2100-02-28T23:59:59Z"),
    ])
    func iso8601(_ seconds: Int64, _ text: String) {
        #expect(UnixTime.iso8601(seconds) == text)
        let date = UnixTime.civil(days: seconds >= 0 ? seconds / 86_400 : -1)
        #expect(
            UnixTime.days(year: date.year, month: date.month, day: date.day) == (seconds >= 0 ? seconds / 86_400 : -1))
    }
}

@Suite struct PrecertificateTests {
    /// The DER-level cut must equal OpenSSL's re-encoding, for every fixture certificate and extension.
    @Test func derCutMatchesOpenSSL() throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pem") }
        var compared = 0
        for file in files {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            guard text.contains("CERTIFICATE"), let certificates = try? Certificate.parseChain(pem: text) else {
                continue
            }
            for certificate in certificates {
                for ext in certificate.extensions + [
                    CertificateExtension(oid: "1.3.6.1.4.1.11129.2.4.2", isCritical: false, value: [])
                ] {
                    let fast = try certificate.tbsCertificateDER(removingExtension: ext.oid)
                    let slow = try certificate.tbsCertificateDERThroughOpenSSL(removingExtension: ext.oid)
                    #expect(fast == slow, "\(file) without \(ext.oid)")
                    compared += 1
                }
            }
        }
        #expect(compared > 10)
    }

    @Test func subjectPublicKeyInfoCutMatchesTheKey() throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        var checked = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".pem") {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            guard text.contains("CERTIFICATE"), let certificates = try? Certificate.parseChain(pem: text) else {
                continue
            }
            for certificate in certificates {
                #expect(certificate.subjectPublicKeyInfoDER == (try certificate.publicKey.spkiDER))
                checked += 1
            }
        }
        #expect(checked > 3)
    }

    /// The dotted OID read from its content bytes is what the DER encoder started from, for every first arc
    /// and for multi-byte arcs; malformed contents are left to OpenSSL.
    @Test(arguments: [
        "0.9.2342", "1.2.840.10045.4.3.3", "2.5.29.37", "1.3.6.1.4.1.57264.1.8", "1.3.6.1.4.1.11129.2.4.2",
        "2.999.1", "1.39.18446744073709551", "2.100000000000000000",
    ])
    func dottedOIDFromContent(dotted: String) throws {
        let content = try #require(DERWalker.encodeOID(dotted))
        #expect(content.withUnsafeBufferPointer { Certificate.dottedOID(content: $0) } == dotted)
    }

    @Test func dottedOIDRefusesMalformedContent() {
        for content: [UInt8] in [[], [0x2B, 0x86], [0x80, 0x01], [0x2B, 0x80, 0x01]] {
            #expect(content.withUnsafeBufferPointer { Certificate.dottedOID(content: $0) } == nil)
        }
    }

    @Test(arguments: [
        ("1.3.6.1.4.1.11129.2.4.2", "2b06010401d679020402"), ("2.5.29.17", "551d11"),
        ("1.2.840.10045.2.1", "2a8648ce3d0201"),
    ])
    func oidEncoding(dotted: String, hex: String) {
        let encoded = DERWalker.encodeOID(dotted)
        #expect(encoded?.map { String(format: "%02x", $0) }.joined() == hex)
    }
}
