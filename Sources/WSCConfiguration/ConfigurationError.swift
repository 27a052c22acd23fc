/// An error in wscd's configuration file: a stable ``Code``, the file, the line when one is known, and a
/// reason that names the table and key, what is wrong, and what is allowed.
///
/// ``description`` is `file:line: reason` (or `file: reason` when no line applies), the form editors and
/// `grep -n` understand. Equality compares the code only, like the project's other errors, so callers can
/// write `error.code == .unknownKey` and new codes can be added without breaking them.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let value: String
        private init(_ value: String) { self.value = value }

        /// The file cannot be opened or read, is not a regular file, or is not UTF-8.
        public static let unreadable = Code("unreadable")
        /// The file is larger than ``DaemonConfiguration/maximumFileSize``.
        public static let tooLarge = Code("tooLarge")
        /// The text is not valid TOML.
        public static let syntax = Code("syntax")
        /// A table or key that wscd does not know (a typo, or an option from a newer wscd).
        public static let unknownKey = Code("unknownKey")
        /// A value has the wrong TOML type (for example an integer where a string is expected).
        public static let wrongType = Code("wrongType")
        /// A number is outside its allowed range.
        public static let outOfRange = Code("outOfRange")
        /// A value has the right type but is not allowed (relative path, bad mode, unknown level, ...).
        public static let invalidValue = Code("invalidValue")
        /// Two settings contradict each other (for example a threshold above the number of keys).
        public static let inconsistent = Code("inconsistent")

        public var description: String { value }
    }

    /// What kind of failure this is.
    public let code: Code
    /// The configuration file's path, as given to ``DaemonConfiguration/load(path:)`` or
    /// ``DaemonConfiguration/parse(text:file:)``.
    public let file: String
    /// The 1-based line the problem is on, or `nil` when it concerns the whole file.
    public let line: Int?
    /// What is wrong and what is allowed instead.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, file: String, line: Int?, reason: String) {
        self.code = code
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `file:line: reason`, or `file: reason` when ``line`` is `nil`.
    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }

    public static func == (lhs: ConfigurationError, rhs: ConfigurationError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
