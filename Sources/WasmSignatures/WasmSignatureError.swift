/// An error from module parsing, signing or verification: a stable ``Code`` and a reason a person can act on.
///
/// Equality compares the code only.
public struct WasmSignatureError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let value: String
        private init(_ value: String) { self.value = value }

        /// The input is not a well-formed WebAssembly module or component.
        public static let malformedModule = Code("malformedModule")
        /// The preamble names a module kind or version this tool does not read.
        public static let unsupportedModule = Code("unsupportedModule")
        /// A size or count is above a configured limit.
        public static let limitExceeded = Code("limitExceeded")
        /// The signature data (section or detached file) is malformed.
        public static let malformedSignature = Code("malformedSignature")
        /// The signature data uses a spec version, content type or hash function other than 0x01.
        public static let unsupportedSignatureFormat = Code("unsupportedSignatureFormat")
        /// The module carries no signature.
        public static let noSignatures = Code("noSignatures")
        /// No signature verifies for the given key(s), or the module differs from what was signed.
        public static let verificationFailed = Code("verificationFailed")
        /// The module already embeds a signature where none may be.
        public static let signatureAlreadyAttached = Code("signatureAlreadyAttached")
        /// The same key already signed the same content.
        public static let duplicateSignature = Code("duplicateSignature")
        /// A detached signature was given for a module that also embeds one.
        public static let ambiguousSignature = Code("ambiguousSignature")
        /// A signing or key operation failed.
        public static let keyError = Code("keyError")
        /// An argument is invalid (for example a section pattern).
        public static let invalidArgument = Code("invalidArgument")

        public var description: String { value }
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

    public static func == (lhs: WasmSignatureError, rhs: WasmSignatureError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
