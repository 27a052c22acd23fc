import Sigstore
import WSCCrypto
import WSCJSON

/// The content of a trust bundle (the DSSE payload), parsed strictly. Immutable.
public struct TrustBundle: Sendable {
    /// The DSSE payload type of a version 1 trust bundle.
    public static let payloadType = "application/vnd.wsc.trust-bundle.v1+json"
    /// Largest payload accepted.
    public static let maximumPayloadSize = 8 << 20

    /// A publisher: a named key allowed to sign modules, with an optional validity window. An Ed25519 key signs
    /// wasmsig signatures and Sigstore bundles; ECDSA P-256/P-384 and RSA keys sign Sigstore bundles.
    public struct Publisher: Sendable {
        /// A unique name, e.g. `acme-release`.
        public let name: String
        /// The key.
        public let publicKey: PublicKey
        /// The wasmsig key id (hex) for an Ed25519 key, else ``spkiSHA256``: used in revocations and verdicts.
        public let keyID: String
        /// Hex SHA-256 of the key's SubjectPublicKeyInfo; revocations may name a key this way too.
        public let spkiSHA256: String
        /// Not valid before (Unix seconds), if set.
        public let notBefore: Int64?
        /// Not valid after (Unix seconds), if set.
        public let notAfter: Int64?
        /// The public-key hint Sigstore clients write for this key: standard Base64 of the SHA-256 of its DER
        /// SubjectPublicKeyInfo.
        public var sigstoreHint: String { Base64.encode(Hex.decode(spkiSHA256) ?? []) }
    }

    /// A private certificate authority: code signing with an organisation's own PKI.
    public struct CertificateAuthority: Sendable {
        /// A unique name.
        public let name: String
        /// The certificates as given: self-signed ones are the roots (trust anchors), the others intermediates.
        public let certificates: [Certificate]
        /// Whether the leaf must list the code-signing extended key usage (default true).
        public let requireCodeSigning: Bool
        /// A regular expression the leaf's subject (RFC 2253) must match in full, if set.
        public let subjectPattern: String?
        /// A regular expression one of the leaf's email/URI/DNS names must match in full, if set.
        public let sanPattern: String?
        /// The authority as the Sigstore verifier takes it, built once when the bundle is sealed.
        public let authority: VerificationPolicy.PrivateAuthority
        /// ``subjectPattern`` and ``sanPattern``, compiled once when the bundle is sealed.
        let compiledSubject: CompiledPattern?
        let compiledSAN: CompiledPattern?

        /// The self-signed certificates: the trust anchors.
        public var roots: [Certificate] { authority.validator.roots }
    }

    /// A keyless signer the node accepts: an OIDC issuer and a subject, exact or a pattern.
    public struct Identity: Sendable, Hashable {
        /// The authority name used by policy rules and requests (default: the subject or the pattern).
        public let name: String
        /// The OIDC issuer, matched exactly.
        public let issuer: String
        /// The subject (certificate SAN), matched exactly; `nil` when `subjectPattern` is used.
        public let subject: String?
        /// A regular expression the whole subject must match; `nil` when `subject` is used.
        public let subjectPattern: String?

        /// Creates an identity; give exactly one of `subject` and `subjectPattern`. `name` defaults to the subject
        /// or the pattern.
        public init(name: String? = nil, issuer: String, subject: String?, subjectPattern: String?) {
            self.name = name ?? subject ?? subjectPattern ?? issuer
            self.issuer = issuer
            self.subject = subject
            self.subjectPattern = subjectPattern
        }
    }

    /// What the bundle revokes.
    public struct Revocations: Sendable, Hashable {
        /// Revoked publisher keys: wasmsig key ids or SubjectPublicKeyInfo SHA-256, lowercase hex.
        public let keyIDs: Set<String>
        /// Revoked certificates by SHA-256 of their DER, lowercase hex.
        public let certificateSHA256: Set<String>
    }

    /// Where to refresh trust material with TUF when online.
    public struct TUFSettings: Sendable {
        /// The repository's metadata URL.
        public let repositoryURL: String
        /// The pinned root metadata (a TUF `root.json` object).
        public let root: JSONValue
        /// The target names to fetch.
        public let targets: [String]

        /// Creates TUF settings.
        public init(repositoryURL: String, root: JSONValue, targets: [String]) {
            self.repositoryURL = repositoryURL
            self.root = root
            self.targets = targets
        }
    }

    /// The bundle's sequence number: each new bundle must have a higher one.
    public let version: UInt64
    /// When it was issued (Unix seconds): an authenticated time that raises the node's time floor.
    public let issuedAt: Int64
    /// Valid from (Unix seconds).
    public let notBefore: Int64
    /// Valid until (Unix seconds).
    public let expires: Int64
    /// After `expires`, how long the bundle is still accepted with a warning (seconds).
    public let gracePeriod: Int64
    /// The publishers.
    public let publishers: [Publisher]
    /// An embedded Sigstore `trusted_root.json`, if any.
    public let sigstoreTrustedRoot: JSONValue?
    /// That trusted root, parsed and checked by the Sigstore verifier (CA chains checked once here).
    public let sigstoreRoot: TrustedRoot?
    /// Private certificate authorities.
    public let certificateAuthorities: [CertificateAuthority]
    /// Accepted keyless identities.
    public let identities: [Identity]
    /// Revocations.
    public let revocations: Revocations
    /// Who may sign the next bundle, and how many of them must.
    public let bundleKeys: KeyThreshold
    /// TUF refresh settings, if any.
    public let tuf: TUFSettings?
    /// The verification rules.
    public let policy: TrustPolicy
    /// The identities, indexed for one lookup per keyless signature (exact ones by map, patterns compiled).
    let identityIndex: IdentityIndex

    /// Every authority name the bundle defines (publishers, identities, private CAs), with its kind.
    public var authorityKinds: [String: AuthorityKind] {
        var kinds: [String: AuthorityKind] = [:]
        for p in publishers { kinds[p.name] = .publisher }
        for i in identities { kinds[i.name] = .identity }
        for c in certificateAuthorities { kinds[c.name] = .certificateAuthority }
        return kinds
    }
}

/// The kinds of authority a trust bundle names.
public enum AuthorityKind: String, Sendable, Hashable {
    /// A publisher key (wasmsig or key-signed Sigstore bundle).
    case publisher
    /// A keyless (Fulcio) identity.
    case identity
    /// A private certificate authority.
    case certificateAuthority
}

/// Limits on the lists in a bundle.
enum BundleLimits {
    static let publishers = 4096
    static let certificateAuthorities = 64
    static let certificatesPerAuthority = 16
    static let identities = 4096
    static let revocations = 100_000
    static let bundleKeys = 32
    static let targets = 64
    static let nameLength = 256
    static let rules = 256
    static let globsPerRule = 64
    static let patternLength = 1024
    /// Key-signed Sigstore bundles whose hint names no publisher: how many publisher keys are tried at most.
    static let unhintedKeyCandidates = 16
    /// wasmsig signatures without a key id × publishers tried, at most, per module.
    static let wasmsigTrials = 4096
}
