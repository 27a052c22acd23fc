/// Upper bounds applied while parsing, before anything is allocated. The defaults fit any real module;
/// a daemon may lower them.
public struct ParseLimits: Sendable, Hashable {
    /// Largest module or component accepted, in bytes.
    public var maximumModuleSize: Int = 1 << 30
    /// Largest single section payload, in bytes.
    public var maximumSectionSize: Int = 1 << 30
    /// Most sections in one module.
    public var maximumSectionCount: Int = 100_000
    /// Largest signature data (the `signature` section payload or a detached file), in bytes.
    public var maximumSignatureDataSize: Int = 1 << 20
    /// Most signed-hash records in the signature data.
    public var maximumSignedHashesRecords: Int = 64
    /// Most hashes in one record (one per module part).
    public var maximumHashesPerRecord: Int = 64
    /// Most signatures in one record.
    public var maximumSignaturesPerRecord: Int = 256
    /// Most signatures in all records together (each may cost a public-key operation).
    public var maximumTotalSignatures: Int = 1024
    /// Longest key identifier, in bytes.
    public var maximumKeyIDLength: Int = 255
    /// Longest signature, in bytes.
    public var maximumSignatureLength: Int = 4096

    /// The default limits.
    public init() {}

    /// The default limits.
    public static let `default` = ParseLimits()
}
