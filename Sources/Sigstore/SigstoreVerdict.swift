/// What a successful verification established. Every field was checked; nothing here is a mere hint.
public struct SigstoreVerdict: Sendable, Hashable {
    /// The signer identity: the matched subject alternative name, or `nil` for a managed key.
    public let identity: String?
    /// The OIDC issuer from the certificate, or `nil` for a managed key.
    public let issuer: String?
    /// The global log index of the verified transparency log entry, or `nil` if there was none (managed key
    /// allowed without a log).
    public let logIndex: Int64?
    /// The log's integration time (Unix seconds), only when a verified signed entry timestamp covers it.
    public let integratedTime: Int64?
    /// Every verified time (Unix seconds): the SET-covered integration time and each trusted RFC 3161
    /// timestamp. The certificate chain was valid at each of them.
    public let verifiedTimes: [Int64]
    /// SHA-256 of the signing certificate's DER (for revocation lists), or `nil` for a managed key.
    public let leafCertificateSHA256: [UInt8]?
}
