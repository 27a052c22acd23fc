import WSCCrypto

/// What a successful verification established. Every field was checked; nothing here is a mere hint.
public struct SigstoreVerdict: Sendable, Hashable {
    /// The signer identity: the matched subject alternative name (the first one for ``VerificationPolicy/Signer/anyIdentity``
    /// and private CAs), or `nil` for a managed key.
    public let identity: String?
    /// The OIDC issuer from a Fulcio certificate, or `nil` for a managed key or a private CA.
    public let issuer: String?
    /// The global log index of the verified transparency log entry, or `nil` if none was verified.
    public let logIndex: Int64?
    /// The log's integration time (Unix seconds), only when a verified signed entry timestamp covers it.
    public let integratedTime: Int64?
    /// Every verified time (Unix seconds): the SET-covered integration time and each trusted RFC 3161
    /// timestamp. The certificate chain was valid at each of them.
    public let verifiedTimes: [Int64]
    /// SHA-256 of the signing certificate's DER (for revocation lists), or `nil` for a managed key.
    public let leafCertificateSHA256: [UInt8]?
    /// Every email, URI and DNS subject alternative name of the signing certificate, as encoded.
    public var subjectAlternativeNames: [String] = []
    /// The signing certificate's subject (RFC 2253), for certificates.
    public var certificateSubject: String? = nil
    /// The subject of the chain's anchor (Fulcio or private root) the certificate was validated to.
    public var anchorSubject: String? = nil
    /// The signing certificate, for certificates: what a revocation by certificate hash is matched against
    /// (``Certificate/equivalentEncodingSHA256``, computed only when a trust bundle revokes certificates).
    public var leafCertificate: Certificate? = nil
    /// The certificate that issued ``leafCertificate``, from the validated chain: its curve, when EC, is what
    /// the leaf's signature can be negated with (``Certificate/equivalentEncodingSHA256(issuerCurveOrder:)``).
    public var leafIssuer: Certificate? = nil
    /// SHA-256 of the signing key's DER SubjectPublicKeyInfo (the certificate's key, or the managed key).
    public var signingKeySHA256: [UInt8] = []
    /// How many RFC 3161 timestamps verified.
    public var verifiedTimestampCount: Int = 0
    /// Things skipped that the operator may want to know (e.g. a log entry from a log the node does not trust).
    public var notes: [String] = []

    init(
        identity: String?, issuer: String?, logIndex: Int64?, integratedTime: Int64?, verifiedTimes: [Int64],
        leafCertificateSHA256: [UInt8]?
    ) {
        self.identity = identity
        self.issuer = issuer
        self.logIndex = logIndex
        self.integratedTime = integratedTime
        self.verifiedTimes = verifiedTimes
        self.leafCertificateSHA256 = leafCertificateSHA256
    }
}
