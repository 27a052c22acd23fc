import WSCCrypto
import WSCJSON

/// Builds a trust bundle payload from its parts, for `wscctl bundle create` and tests. The result is checked by
/// the same strict parser that reads bundles.
public struct TrustBundleBuilder: Sendable {
    /// A publisher to include.
    public struct Publisher: Sendable {
        public var name: String
        public var publicKey: PublicKey
        public var notBefore: Int64?
        public var notAfter: Int64?

        /// Creates a publisher entry.
        public init(name: String, publicKey: PublicKey, notBefore: Int64? = nil, notAfter: Int64? = nil) {
            self.name = name
            self.publicKey = publicKey
            self.notBefore = notBefore
            self.notAfter = notAfter
        }
    }

    /// A private certificate authority to include.
    public struct CertificateAuthority: Sendable {
        public var name: String
        /// Roots (self-signed) and intermediates.
        public var certificates: [Certificate]
        public var requireCodeSigning: Bool = true
        public var subjectPattern: String?
        public var sanPattern: String?

        /// Creates an authority entry.
        public init(name: String, certificates: [Certificate]) {
            self.name = name
            self.certificates = certificates
        }
    }

    public var version: UInt64
    public var issuedAt: Int64
    public var notBefore: Int64
    public var expires: Int64
    public var gracePeriod: Int64 = 0
    public var publishers: [Publisher] = []
    public var sigstoreTrustedRoot: JSONValue?
    public var certificateAuthorities: [CertificateAuthority] = []
    public var identities: [TrustBundle.Identity] = []
    public var revokedKeyIDs: [String] = []
    public var revokedCertificateSHA256: [String] = []
    public var bundleKeys: [PublicKey]
    public var threshold: Int = 1
    public var tuf: TrustBundle.TUFSettings?
    /// The policy document (`bundle.policy`): rules by module name, authorities, thresholds.
    public var policy: JSONValue?

    /// Starts a bundle with its version, validity window and bundle keys.
    public init(version: UInt64, issuedAt: Int64, notBefore: Int64, expires: Int64, bundleKeys: [PublicKey]) {
        self.version = version
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expires = expires
        self.bundleKeys = bundleKeys
    }

    /// The payload JSON value.
    public func json() throws -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("version", .integer(Int64(clamping: version))),
            ("issuedAt", .string(RFC3339.format(issuedAt))),
            ("notBefore", .string(RFC3339.format(notBefore))),
            ("expires", .string(RFC3339.format(expires))),
            ("gracePeriodSeconds", .integer(gracePeriod)),
            ("bundleKeys", .array(bundleKeys.map { .string($0.pem) })),
            ("threshold", .integer(Int64(threshold))),
        ]
        if !publishers.isEmpty {
            members.append(
                (
                    "publishers",
                    .array(
                        try publishers.map { p in
                            var fields: [(String, JSONValue)] = [
                                ("name", .string(p.name)), ("publicKey", .string(p.publicKey.pem)),
                            ]
                            if let nb = p.notBefore { fields.append(("notBefore", .string(RFC3339.format(nb)))) }
                            if let na = p.notAfter { fields.append(("notAfter", .string(RFC3339.format(na)))) }
                            return .object(try JSONObject(fields))
                        })
                ))
        }
        if let sigstoreTrustedRoot { members.append(("sigstore", sigstoreTrustedRoot)) }
        if !certificateAuthorities.isEmpty {
            members.append(
                (
                    "certificateAuthorities",
                    .array(
                        try certificateAuthorities.map { ca in
                            var fields: [(String, JSONValue)] = [
                                ("name", .string(ca.name)),
                                ("certificates", .array(ca.certificates.map { .string($0.pem) })),
                            ]
                            if !ca.requireCodeSigning { fields.append(("requireCodeSigning", .bool(false))) }
                            if let p = ca.subjectPattern { fields.append(("subjectPattern", .string(p))) }
                            if let p = ca.sanPattern { fields.append(("sanPattern", .string(p))) }
                            return .object(try JSONObject(fields))
                        })
                ))
        }
        if !identities.isEmpty {
            members.append(
                (
                    "identities",
                    .array(
                        try identities.map { id in
                            var fields: [(String, JSONValue)] = []
                            if id.name != (id.subject ?? id.subjectPattern) {
                                fields.append(("name", .string(id.name)))
                            }
                            fields.append(("issuer", .string(id.issuer)))
                            if let s = id.subject { fields.append(("subject", .string(s))) }
                            if let p = id.subjectPattern { fields.append(("subjectPattern", .string(p))) }
                            return .object(try JSONObject(fields))
                        })
                ))
        }
        if !revokedKeyIDs.isEmpty || !revokedCertificateSHA256.isEmpty {
            members.append(
                (
                    "revocations",
                    .object(
                        try JSONObject([
                            ("keyIds", .array(revokedKeyIDs.map { .string($0) })),
                            ("certificateSha256", .array(revokedCertificateSHA256.map { .string($0) })),
                        ]))
                ))
        }
        if let policy { members.append(("policy", policy)) }
        if let tuf {
            var fields: [(String, JSONValue)] = [
                ("repositoryUrl", .string(tuf.repositoryURL)), ("root", tuf.root),
                ("targets", .array(tuf.targets.map { .string($0) })),
            ]
            if let target = tuf.sigstoreRootTarget { fields.append(("sigstoreRootTarget", .string(target))) }
            members.append(("tuf", .object(try JSONObject(fields))))
        }
        return .object(try JSONObject(members))
    }

    /// The payload bytes (pretty JSON), after checking they parse as a valid bundle.
    public func payload() throws -> [UInt8] {
        let bytes = JSONWriter.encode(try json(), pretty: true) + [0x0A]
        _ = try TrustBundle(payload: bytes)
        return bytes
    }

    /// An unsigned envelope holding the payload; sign it with ``sign(_:with:)``.
    public func envelope() throws -> DSSEEnvelope {
        DSSEEnvelope(payloadType: TrustBundle.payloadType, payload: try payload())
    }
}

extension DSSEEnvelope {
    /// Adds a signature by `key` (Ed25519, or ECDSA P-256 in DER) over the pre-authentication encoding.
    /// Refuses to add a second signature by the same key.
    public mutating func sign(with key: PrivateKey) throws {
        let bundleKey = try BundleKey(key.publicKey)
        guard !signatures.contains(where: { $0.keyID == bundleKey.keyID }) else {
            throw TrustStoreError(.malformedEnvelope, "this key (\(bundleKey.keyID)) has already signed the envelope")
        }
        let signature = try key.sign(preAuthenticationEncoding)
        signatures.append(Signature(keyID: bundleKey.keyID, signature: signature))
    }
}
