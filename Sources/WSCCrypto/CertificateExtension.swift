/// One X.509 v3 extension as it appears in a certificate.
public struct CertificateExtension: Sendable, Hashable {
    /// The extension's object identifier in dotted form, e.g. `2.5.29.17`.
    public let oid: String
    /// Whether the extension is marked critical.
    public let isCritical: Bool
    /// The contents of the `extnValue` OCTET STRING: the DER encoding of the extension's value.
    public let value: [UInt8]

    /// Creates an extension description.
    public init(oid: String, isCritical: Bool, value: [UInt8]) {
        self.oid = oid
        self.isCritical = isCritical
        self.value = value
    }
}
