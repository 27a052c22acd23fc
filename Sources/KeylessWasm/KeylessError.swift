import Sigstore

/// An error from attaching, detaching or verifying a keyless (Sigstore) signature on a module: a stable
/// ``Code``, a reason a person can act on, and, when a Sigstore check failed, that check's error.
///
/// Equality compares the code and the Sigstore error's code only.
public struct KeylessError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let value: String
        private init(_ value: String) { self.value = value }

        /// The module is not a well-formed WebAssembly module or component.
        public static let malformedModule = Code("malformedModule")
        /// The module embeds no `sigstore.bundle` section.
        public static let noEmbeddedBundle = Code("noEmbeddedBundle")
        /// The module embeds more than one `sigstore.bundle` section.
        public static let duplicateBundle = Code("duplicateBundle")
        /// `attach` was asked to embed a bundle into a module that already has one.
        public static let bundleAlreadyAttached = Code("bundleAlreadyAttached")
        /// The bundle to attach is not a Sigstore bundle (it does not parse as one).
        public static let malformedBundle = Code("malformedBundle")
        /// A Sigstore check failed; ``KeylessError/sigstoreError`` names it.
        public static let verificationFailed = Code("verificationFailed")

        public var description: String { value }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong.
    public let reason: String
    /// The failed Sigstore check, for ``Code/verificationFailed`` and ``Code/malformedBundle``.
    public let sigstoreError: SigstoreError?

    /// Creates an error.
    public init(_ code: Code, _ reason: String, sigstoreError: SigstoreError? = nil) {
        self.code = code
        self.reason = reason
        self.sigstoreError = sigstoreError
    }

    /// The name of the check that failed: the Sigstore error code when there is one, else this code.
    public var failedCheck: String { sigstoreError.map { $0.code.description } ?? code.description }

    public var description: String { "\(failedCheck): \(reason)" }

    public static func == (lhs: KeylessError, rhs: KeylessError) -> Bool {
        lhs.code == rhs.code && lhs.sigstoreError?.code == rhs.sigstoreError?.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(sigstoreError?.code)
    }
}
