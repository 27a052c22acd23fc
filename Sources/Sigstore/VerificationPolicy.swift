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
        /// A managed (non-Fulcio) key: the bundle must carry a `publicKey` hint and the log entry must name
        /// exactly this key.
        case managedKey(PublicKey)
    }

    /// The signer the bundle must prove.
    public var signer: Signer
    /// For ``Signer/managedKey(_:)`` only: accept a bundle with no transparency log entry and no trusted
    /// time (the signature alone is checked). Off by default; never applies to certificate identities.
    public var allowManagedKeyWithoutLog: Bool

    /// Creates a policy. `allowManagedKeyWithoutLog` has an effect only with a managed key.
    public init(signer: Signer, allowManagedKeyWithoutLog: Bool = false) {
        self.signer = signer
        self.allowManagedKeyWithoutLog = allowManagedKeyWithoutLog
    }

    /// A policy requiring the certificate identity `subject` issued through the OIDC issuer `issuer`.
    public static func identity(_ subject: String, issuer: String) -> VerificationPolicy {
        VerificationPolicy(signer: .identity(subject: subject, issuer: issuer))
    }

    /// A policy requiring a signature by the managed key `key`, logged in a trusted transparency log.
    public static func managedKey(_ key: PublicKey) -> VerificationPolicy {
        VerificationPolicy(signer: .managedKey(key))
    }
}
