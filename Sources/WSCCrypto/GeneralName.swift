/// One entry of a certificate's subject alternative name extension (RFC 5280 section 4.2.1.6).
///
/// Values are exactly as encoded in the certificate: no normalisation, no case folding.
public enum GeneralName: Hashable, Sendable {
    /// An `rfc822Name` (email address).
    case email(String)
    /// A `dNSName`.
    case dns(String)
    /// A `uniformResourceIdentifier`.
    case uri(String)
    /// An `iPAddress`: 4 bytes for IPv4, 16 for IPv6.
    case ipAddress([UInt8])
    /// Any other form (`otherName`, `directoryName`, ...), identified by its context tag number.
    case other(type: Int)
}
