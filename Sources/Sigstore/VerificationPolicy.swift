import WSCCrypto

/// What a bundle must prove beyond being validly signed and logged: who signed it.
public struct VerificationPolicy: Sendable {
    /// How the signer is identified.
    public enum Signer: Sendable {
        /// A Fulcio certificate whose subject alternative name (email or URI) equals `subject` exactly and
        /// whose OIDC issuer extension equals `issuer` exactly.
        case identity(subject: String, issuer: String)
        /// A Fulcio certificate with a subject alternative name that the regular expression
        /// `subjectPattern` matches in full (an implicit `^...$`), and OIDC issuer equal to `issuer`.
        case identityPattern(subjectPattern: String, issuer: String)
        /// A Fulcio certificate with any identity: every check but the identity match is made, and the verdict
        /// reports the issuer and every subject alternative name, for the caller to look up in the identities
        /// it accepts (one verification, whatever their number).
        case anyIdentity
        /// A managed (non-Fulcio) key: the bundle must carry a `publicKey` hint and the log entry must name
        /// exactly this key.
        case managedKey(PublicKey)
        /// A certificate issued by the caller's own (private) certificate authority instead of Fulcio; no
        /// SCT is required.
        case certificateAuthority(PrivateAuthority)
    }

    /// A private certificate authority: its trust anchors, helpers, and what the leaf must carry.
    public struct PrivateAuthority: Sendable {
        /// Validates leaves against the authority's roots.
        public let validator: CertificateChainValidator
        /// Intermediate certificates the authority publishes (untrusted helpers, like the bundle's own chain).
        public let intermediates: [Certificate]
        /// The extended key usage the leaf must list (`nil`: none required).
        public let requiredExtendedKeyUsage: String?

        /// Creates an authority.
        public init(
            validator: CertificateChainValidator, intermediates: [Certificate], requiredExtendedKeyUsage: String?
        ) {
            self.validator = validator
            self.intermediates = intermediates
            self.requiredExtendedKeyUsage = requiredExtendedKeyUsage
        }
    }

    /// The signer the bundle must prove.
    public var signer: Signer
    /// For ``Signer/managedKey(_:)`` and ``Signer/certificateAuthority(_:)`` only: accept a bundle with no
    /// verified transparency log entry (a log entry from a log the trusted root does not know is then skipped
    /// with a note, not trusted). Off by default; never applies to Fulcio identities.
    public var allowManagedKeyWithoutLog: Bool
    /// For ``Signer/certificateAuthority(_:)`` only: when the bundle proves no time (no verified log entry or
    /// timestamp), the leaf must be valid at this time (the node's trusted time). `nil`: a verified time is
    /// required.
    public var fallbackTime: Int64?

    /// Creates a policy. `allowManagedKeyWithoutLog` has an effect only with a managed key or a private CA.
    public init(signer: Signer, allowManagedKeyWithoutLog: Bool = false, fallbackTime: Int64? = nil) {
        self.signer = signer
        self.allowManagedKeyWithoutLog = allowManagedKeyWithoutLog
        self.fallbackTime = fallbackTime
    }

    /// A policy requiring the certificate identity `subject` issued through the OIDC issuer `issuer`.
    public static func identity(_ subject: String, issuer: String) -> VerificationPolicy {
        VerificationPolicy(signer: .identity(subject: subject, issuer: issuer))
    }

    /// A policy requiring a signature by the managed key `key`, logged in a trusted transparency log.
    public static func managedKey(_ key: PublicKey) -> VerificationPolicy {
        VerificationPolicy(signer: .managedKey(key))
    }

    /// Whether a bundle without a verified log entry may pass.
    var logOptional: Bool {
        switch signer {
        case .managedKey, .certificateAuthority: allowManagedKeyWithoutLog
        case .identity, .identityPattern, .anyIdentity: false
        }
    }
}
