#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file operation failed: a stable ``Code`` to branch on and a reason naming the file and, for a failed
/// system call, the system's explanation.
///
/// Equality compares the code only.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let value: String
        private init(_ value: String) { self.value = value }

        /// A system call failed (open, write, fsync, rename, ...): check the path, its permissions and the disk.
        public static let io = Code("io")
        /// The path names something other than a regular file (a directory, a device, a socket).
        public static let notRegularFile = Code("notRegularFile")
        /// A secret file (a key) may be read or written by others than its owner: run the `chmod` in the reason.
        public static let insecureMode = Code("insecureMode")
        /// The file is larger than the limit its reader set.
        public static let tooLarge = Code("tooLarge")

        public var description: String { value }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, naming the file.
    public let reason: String

    /// Creates an error with a code and a reason.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// An ``Code/io`` error: `what` failed, followed by the text for the current `errno` (read it before any
    /// other call can change it).
    public static func io(_ what: String) -> FileError {
        FileError(.io, "\(what): \(String(cString: strerror(errno)))")
    }

    public var description: String { reason }

    public static func == (lhs: FileError, rhs: FileError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
