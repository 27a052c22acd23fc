/// A protocol-level error: a stable ``Code`` (sent on the wire as its string) and a message a person can act on.
///
/// Equality compares the code only.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable code; new codes may be added, clients must treat unknown codes as failures.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The wire form, e.g. `"notAuthorized"`.
        public let rawValue: String
        /// Wraps a wire code.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        /// The frame or header is malformed; the connection is closed after this answer.
        public static let badFrame = Code("badFrame")
        /// The frame is longer than the server's maximum.
        public static let frameTooLarge = Code("frameTooLarge")
        /// The request is well framed but invalid (missing or wrong field).
        public static let badRequest = Code("badRequest")
        /// No protocol version in common.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// The operation is not known.
        public static let unknownOperation = Code("unknownOperation")
        /// The peer's uid/gid is not allowed this operation; at accept (request id null), not allowed any operation,
        /// and the connection is closed after this answer.
        public static let notAuthorized = Code("notAuthorized")
        /// Too many requests of this kind from this peer; retry later.
        public static let rateLimited = Code("rateLimited")
        /// The connection was refused at accept: the server, or the peer's uid, has all the connections it may
        /// have (the message says which limit); the connection is closed after this answer.
        public static let tooManyConnections = Code("tooManyConnections")
        /// Client side: the connection ended before the answer came (no answer frame said why).
        public static let connectionClosed = Code("connectionClosed")
        /// The peer already runs as much work of this kind as it may (large verifies per uid); retry later.
        public static let busy = Code("busy")
        /// No usable trust bundle is installed.
        public static let noTrust = Code("noTrust")
        /// A rotate was refused (the reason says which seal rule failed).
        public static let rotateRefused = Code("rotateRefused")
        /// The daemon has no signing key, or the requested signing mode is not available.
        public static let signingUnavailable = Code("signingUnavailable")
        /// The module could not be read (bad descriptor, too large, malformed).
        public static let badModule = Code("badModule")
        /// The daemon is shutting down.
        public static let shuttingDown = Code("shuttingDown")
        /// A frame began but did not complete within the server's read timeout; the connection is closed after
        /// this answer (sent only if nothing else is waiting to be written on the connection).
        public static let timeout = Code("timeout")
        /// An unexpected failure inside the daemon.
        public static let internalError = Code("internal")

        public var description: String { rawValue }
    }

    /// The code.
    public let code: Code
    /// The message.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: ProtocolError, rhs: ProtocolError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
