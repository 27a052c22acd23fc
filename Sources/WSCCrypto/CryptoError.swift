/// An error from the crypto layer: a stable ``Code`` to branch on, and a reason a person can act on.
///
/// Equality compares the code only, so callers can write `error.code == .invalidKey` and new codes
/// can be added without breaking them.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case invalidKey, unsupportedKeyType, invalidSignature, invalidCertificate
            case certificateVerificationFailed, invalidEncoding, libraryFailure, unsupportedAlgorithm
            case invalidKeyReference, tokenUnavailable, tokenLoginFailed, keyNotFound, notExportable
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Key bytes or a key file could not be parsed, or are inconsistent.
        public static let invalidKey = Code(.invalidKey)
        /// The key is of a type this operation does not accept.
        public static let unsupportedKeyType = Code(.unsupportedKeyType)
        /// A signature is malformed (not merely wrong: a wrong signature is a `false` verification).
        public static let invalidSignature = Code(.invalidSignature)
        /// A certificate could not be parsed.
        public static let invalidCertificate = Code(.invalidCertificate)
        /// A certificate chain did not validate.
        public static let certificateVerificationFailed = Code(.certificateVerificationFailed)
        /// PEM, DER or Base64 text is malformed.
        public static let invalidEncoding = Code(.invalidEncoding)
        /// OpenSSL failed for a reason unrelated to the input (for example, out of memory).
        public static let libraryFailure = Code(.libraryFailure)
        /// The algorithm or parameter combination is not supported.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)

        /// A key reference (`pkcs11:` URI, `tpm2:handle=`) is malformed.
        public static let invalidKeyReference = Code(.invalidKeyReference)
        /// The token (PKCS#11 module and token, or the TPM) cannot be reached, or went away.
        public static let tokenUnavailable = Code(.tokenUnavailable)
        /// The token refused the PIN (wrong, locked or expired).
        public static let tokenLoginFailed = Code(.tokenLoginFailed)
        /// The token holds no key matching the reference.
        public static let keyNotFound = Code(.keyNotFound)
        /// The key lives in a token and cannot be exported.
        public static let notExportable = Code(.notExportable)

        public var description: String { value.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and, where possible, what to do about it.
    public let reason: String

    /// Creates an error with a code and a reason.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
