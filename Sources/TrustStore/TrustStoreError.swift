/// An error from the trust store: a stable ``Code`` and a reason that says what happened and what to do.
///
/// Equality compares the code only.
public struct TrustStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let value: String
        private init(_ value: String) { self.value = value }

        /// The envelope is not a well-formed DSSE envelope.
        public static let malformedEnvelope = Code("malformedEnvelope")
        /// The envelope's payloadType is not the trust bundle's.
        public static let wrongPayloadType = Code("wrongPayloadType")
        /// The payload is not a valid trust bundle (syntax, unknown field, bad value).
        public static let malformedBundle = Code("malformedBundle")
        /// A key or certificate in the bundle does not parse.
        public static let invalidKeyMaterial = Code("invalidKeyMaterial")
        /// The signatures do not meet a required threshold.
        public static let thresholdNotMet = Code("thresholdNotMet")
        /// The version is below the anti-rollback counter: a rollback attempt.
        public static let rollback = Code("rollback")
        /// The version equals the counter but the bundle differs from the active one: an attack.
        public static let versionReuse = Code("versionReuse")
        /// The bundle is not valid yet at the trusted time.
        public static let notYetValid = Code("notYetValid")
        /// The bundle expired (beyond its grace period) at the trusted time.
        public static let expired = Code("expired")
        /// The state file fails its MAC or is inconsistent with the bundle on disk.
        public static let stateTampered = Code("stateTampered")
        /// The state file or the state directory is unreadable, truncated or from a newer wsc.
        public static let stateUnreadable = Code("stateUnreadable")
        /// Another process holds the state directory's writer lock, or committed since the state was loaded.
        public static let stateLocked = Code("stateLocked")
        /// No anti-rollback state exists and the configuration requires one (`[state] require_existing`).
        public static let stateMissing = Code("stateMissing")
        /// The state is older than the hardware anti-rollback counter (a restored or copied state directory), or
        /// missing although the counter was used (a deleted one).
        public static let stateStale = Code("stateStale")
        /// The hardware anti-rollback counter cannot be used: TPM absent or busy, NV index missing or not a counter,
        /// or a value the state cannot follow.
        public static let counterUnavailable = Code("counterUnavailable")
        /// The new bundle drops the TUF pin of the active one, and dropping it was not explicitly allowed.
        public static let tufPinDropped = Code("tufPinDropped")
        /// A fetched Sigstore trusted root is not the target the active bundle's TUF pin names, or does not parse.
        public static let sigstoreRootRefused = Code("sigstoreRootRefused")
        /// A file system operation failed.
        public static let io = Code("io")
        /// A size or count is above its limit.
        public static let limitExceeded = Code("limitExceeded")
        /// No trust bundle is installed.
        public static let noBundle = Code("noBundle")
        /// A module did not verify under the bundle and policy.
        public static let verificationFailed = Code("verificationFailed")

        public var description: String { value }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and what to do about it.
    public let reason: String

    /// Creates an error with a code and a reason.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    public static func == (lhs: TrustStoreError, rhs: TrustStoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
