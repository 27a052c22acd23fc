/// The answer to "was this module signed by someone this node trusts, under the trust it holds now?".
public struct TrustVerdict: Sendable, Hashable {
    /// Whether the module is accepted.
    public let valid: Bool
    /// The names of the authorities that counted toward the rule, in the order they were found.
    public let signers: [String]
    /// The version of the trust bundle the answer was given under.
    public let bundleVersion: UInt64?
    /// Why the module was refused (empty when valid).
    public let reason: String?
    /// Things the operator should know even when valid (grace period, skipped entries, revoked keys seen).
    public let warnings: [String]
    /// SHA-256 of the module's content: every section after the signature section, in order (what a wasmsig
    /// signature covers when the module has no delimiters). Identifies a module whatever signatures it carries.
    public let contentDigest: [UInt8]?
    /// For a keyless signature that counted: who signed, per the certificate and the transparency log.
    public let keyless: KeylessSigner?
    /// For a refusal: the stable code.
    public var code: VerdictCode? = nil
    /// For a refusal: the check that failed (e.g. `policy.threshold`, `wasmsig.signature`, `sigstore.tlog`).
    public var failedCheck: String? = nil
    /// The bundle rule applied (`default` when no rule matched the module name).
    public var rule: String? = nil
    /// Each authority that counted, with what proved it.
    public var authorities: [SatisfiedAuthority] = []
    /// What each piece of evidence the module carried came to.
    public var evidence: [EvidenceReport] = []

    /// Creates a verdict.
    public init(
        valid: Bool, signers: [String], bundleVersion: UInt64?, reason: String?, warnings: [String],
        contentDigest: [UInt8]? = nil, keyless: KeylessSigner? = nil
    ) {
        self.valid = valid
        self.signers = signers
        self.bundleVersion = bundleVersion
        self.reason = reason
        self.warnings = warnings
        self.contentDigest = contentDigest
        self.keyless = keyless
    }
}

/// The signer of a verified keyless (Sigstore) signature.
public struct KeylessSigner: Sendable, Hashable {
    /// The certificate identity (subject alternative name).
    public let identity: String
    /// The OIDC issuer from the certificate.
    public let issuer: String
    /// The transparency log index, if the bundle had a log entry.
    public let logIndex: Int64?
    /// The log's integration time (Unix seconds), when proven.
    public let integratedTime: Int64?
    /// `embedded` (the module's `sigstore.bundle` section) or `detached`.
    public let form: String
}

/// Where a piece of evidence came from.
public enum EvidenceForm: String, Sendable, Hashable {
    /// The module's wasmsig `signature` section.
    case wasmsigEmbedded = "wasmsig-embedded"
    /// A detached wasmsig signature.
    case wasmsigDetached = "wasmsig-detached"
    /// The module's `sigstore.bundle` section.
    case sigstoreEmbedded = "sigstore-embedded"
    /// A detached Sigstore bundle over the module file.
    case sigstoreDetached = "sigstore-detached"

    /// Whether this is a Sigstore bundle.
    public var isSigstore: Bool { self == .sigstoreEmbedded || self == .sigstoreDetached }
}

/// An authority a piece of evidence proved.
public struct SatisfiedAuthority: Sendable, Hashable {
    /// The authority's name in the bundle.
    public let name: String
    /// Its kind.
    public let kind: AuthorityKind
    /// What identifies the signer: the key id (publishers), `identity (issuer)` (keyless), or the leaf's subject
    /// (private CA).
    public let signer: String
    /// The evidence that proved it.
    public let form: EvidenceForm
    /// The verified transparency log index, if any.
    public let logIndex: Int64?
    /// The verified integration time (Unix seconds), if any.
    public let integratedTime: Int64?
    /// Whether a trusted RFC 3161 timestamp verified.
    public let timestamped: Bool
    /// Hex SHA-256 of the signing key's SubjectPublicKeyInfo: one key counts for one authority at most, however
    /// many authorities (a publisher, a private CA's leaf) it appears under.
    public let signingKey: String
}

/// What one piece of evidence came to.
public struct EvidenceReport: Sendable, Hashable {
    /// Where it came from.
    public let form: EvidenceForm
    /// The authorities it proved (before the rule and the request were applied).
    public let proved: [String]
    /// Why it proved nothing, or less than it claimed: the code, the check and a sentence.
    public let problems: [EvidenceProblem]
}

/// A failed check on one piece of evidence.
public struct EvidenceProblem: Sendable, Hashable {
    /// The stable code.
    public let code: VerdictCode
    /// The check that failed.
    public let check: String
    /// A sentence a person can act on.
    public let reason: String
}
