/// Why a module was refused: a stable code for programs (the protocol, `--json`, logs), beside a sentence for
/// people. The list is documented in docs/trust-bundle.md; codes are never renamed, only added.
public enum VerdictCode: String, Sendable, Hashable, CaseIterable {
    /// The module does not parse as WebAssembly.
    case malformedModule
    /// The module carries no signature and no Sigstore bundle was given.
    case noSignature
    /// A signature by an authority the node trusts covers other content: the module was modified after signing.
    case contentModified
    /// The signatures are by keys or certificates the trust bundle does not name.
    case unknownSigner
    /// The signing key is revoked by the trust bundle.
    case keyRevoked
    /// The signing certificate is revoked by the trust bundle.
    case certificateRevoked
    /// The signing publisher key is outside its validity window at the trusted time.
    case keyNotValidNow
    /// The trust bundle itself is expired (past its grace period) or not valid yet.
    case bundleExpired
    /// Fewer distinct accepted authorities signed than the rule or request requires.
    case thresholdNotMet
    /// Valid signatures exist, but only by authorities the rule or request does not accept.
    case authorityNotAllowed
    /// The rule or request requires a verified transparency log entry, and the evidence has none.
    case tlogRequired
    /// The rule or request requires a verified RFC 3161 timestamp, and the evidence has none.
    case timestampRequired
    /// A keyless certificate's identity is none the trust bundle accepts.
    case identityMismatch
    /// A certificate does not chain to a trusted CA (Fulcio or private) at the time that counts.
    case chainInvalid
    /// A Sigstore bundle failed another check (log entry, timestamp, SCT, signature, digest).
    case evidenceInvalid
    /// Evidence (a signature section or a Sigstore bundle) does not parse.
    case malformedEvidence
    /// The evidence needs trust material the bundle lacks (e.g. keyless without a Sigstore trust root).
    case noTrustMaterial
    /// The request itself is invalid for this bundle (it names an authority the bundle lacks, or asks for more
    /// signers than it names). Through wscd this is a `badRequest` error, not a verdict.
    case requestInvalid
}
