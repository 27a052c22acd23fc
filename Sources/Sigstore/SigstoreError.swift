/// An error from Sigstore verification: a stable ``Code`` naming the check that failed, and a reason a
/// person can act on.
///
/// Equality compares the code only, so callers can write `error.code == .signatureInvalid` and new codes
/// can be added without breaking them.
public struct SigstoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, extensible error code: which check refused the input.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case malformedBundle, malformedTrustedRoot, untrustedLog, logEntryMismatch, inclusionProofInvalid
            case checkpointInvalid, setInvalid, timestampInvalid, certificateChainInvalid, sctInvalid
            case identityMismatch, signatureInvalid, digestMismatch, noVerifiedTime, unsupported, keyMismatch
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The bundle is not well-formed: bad JSON, bad base64, a missing or negative field, an unknown media type.
        public static let malformedBundle = Code(.malformedBundle)
        /// The trusted root is not well-formed (for example a validity range without a start).
        public static let malformedTrustedRoot = Code(.malformedTrustedRoot)
        /// The log entry names a transparency log the trusted root does not hold, or one not valid then.
        public static let untrustedLog = Code(.untrustedLog)
        /// The transparency log entry body does not describe this bundle's signature, key or digest.
        public static let logEntryMismatch = Code(.logEntryMismatch)
        /// The Merkle inclusion proof is missing or does not lead to the root hash.
        public static let inclusionProofInvalid = Code(.inclusionProofInvalid)
        /// The signed checkpoint is missing, malformed, unsigned by the log or for another tree.
        public static let checkpointInvalid = Code(.checkpointInvalid)
        /// The signed entry timestamp (inclusion promise) is missing where required or does not verify.
        public static let setInvalid = Code(.setInvalid)
        /// An RFC 3161 timestamp is malformed, untrusted or not over this signature.
        public static let timestampInvalid = Code(.timestampInvalid)
        /// The signing certificate does not chain to a trusted Fulcio CA at a verified time.
        public static let certificateChainInvalid = Code(.certificateChainInvalid)
        /// The signing certificate's signed certificate timestamp is missing or does not verify.
        public static let sctInvalid = Code(.sctInvalid)
        /// The certificate's identity or OIDC issuer is not the one the policy asks for.
        public static let identityMismatch = Code(.identityMismatch)
        /// The artifact signature (message or DSSE) does not verify.
        public static let signatureInvalid = Code(.signatureInvalid)
        /// The artifact's digest differs from the one the bundle or in-toto statement names.
        public static let digestMismatch = Code(.digestMismatch)
        /// No trusted source of time (log integration time under a SET, or a trusted timestamp) verified.
        public static let noVerifiedTime = Code(.noVerifiedTime)
        /// The input uses a format, kind or algorithm this verifier does not support.
        public static let unsupported = Code(.unsupported)
        /// The bundle's verification material does not fit the policy (a managed key where an identity is
        /// expected, or the wrong key).
        public static let keyMismatch = Code(.keyMismatch)

        public var description: String { value.rawValue }
    }

    /// Which check failed.
    public let code: Code
    /// What went wrong and, where possible, what to do about it.
    public let reason: String

    /// Creates an error with a code and a reason.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }

    public static func == (lhs: SigstoreError, rhs: SigstoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
