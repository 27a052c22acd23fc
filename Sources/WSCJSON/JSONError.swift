/// An error from reading, checking or encoding JSON: a stable ``Code`` to branch on, a reason a person can act on,
/// and, for parse errors, the byte offset in the input where the problem was found.
///
/// Equality compares the code only, so callers can write `error.code == .duplicateKey` and new codes
/// can be added without breaking them.
public struct JSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case syntax, duplicateKey, limitExceeded, notAnInteger, invalidString, invalidUTF8
            case typeMismatch, missingKey, unknownKey
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The input does not follow the JSON grammar (RFC 8259), is empty, starts with a byte order mark,
        /// or has data after the value.
        public static let syntax = Code(.syntax)
        /// An object has two keys with the same UTF-8 bytes.
        public static let duplicateKey = Code(.duplicateKey)
        /// A ``JSONLimits`` bound was exceeded, or an integer does not fit in `Int64`.
        public static let limitExceeded = Code(.limitExceeded)
        /// A number has a fraction or an exponent where only integers are allowed.
        public static let notAnInteger = Code(.notAnInteger)
        /// A string has a raw control character, an unknown escape, or a lone surrogate escape.
        public static let invalidString = Code(.invalidString)
        /// The input is not well-formed UTF-8 (invalid, overlong, or surrogate sequences).
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// A value has a different JSON type than the format requires.
        public static let typeMismatch = Code(.typeMismatch)
        /// A required object member is absent.
        public static let missingKey = Code(.missingKey)
        /// An object has a member the format does not define.
        public static let unknownKey = Code(.unknownKey)

        public var description: String { value.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and, where possible, what was expected instead.
    public let reason: String
    /// The byte offset in the parsed input where the problem was found, when the error comes from parsing.
    public let offset: Int?

    /// Creates an error with a code, a reason and, for parse errors, the byte offset.
    public init(_ code: Code, _ reason: String, offset: Int? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        guard let offset else { return reason }
        return "\(reason) (at byte \(offset))"
    }

    public static func == (lhs: JSONError, rhs: JSONError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
