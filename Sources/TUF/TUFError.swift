/// Why a TUF operation failed. `code` says what kind of failure; `reason` says what happened and what to check.
public struct TUFError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a `default` case.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }

        /// Metadata expired at the update's start time (freeze attack, or a repository not re-signed in time).
        public static let expired = Code("expired")
        /// A version went backwards (rollback attack), or a root skipped a version.
        public static let rollback = Code("rollback")
        /// Fewer valid signatures than the role's threshold.
        public static let thresholdNotMet = Code("thresholdNotMet")
        /// The signatures array is malformed (for example a repeated keyid).
        public static let badSignatures = Code("badSignatures")
        /// A file's length or hashes differ from what the referring metadata says.
        public static let lengthOrHashMismatch = Code("lengthOrHashMismatch")
        /// A download failed (network, HTTP status other than 403/404, I/O).
        public static let fetchFailed = Code("fetchFailed")
        /// A file is larger than its limit (endless-data attack).
        public static let tooLarge = Code("tooLarge")
        /// The newest timestamp did not move (kept for callers that want to tell it apart).
        public static let freeze = Code("freeze")
        /// A file's version differs from the version its referring metadata pins (mix-and-match attack).
        public static let mixAndMatch = Code("mixAndMatch")
        /// A file or target does not exist (HTTP 403/404, missing file, target not delegated).
        public static let notFound = Code("notFound")
        /// Metadata does not follow the TUF format.
        public static let malformed = Code("malformed")
        /// The local metadata directory cannot be read or written.
        public static let io = Code("io")

        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, in words an operator can act on.
    public let reason: String

    /// Makes an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) [\(code)]" }

    public static func == (lhs: TUFError, rhs: TUFError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
