import Sigstore
import WSCCrypto
import WSCJSON

/// The content of a trust bundle (the DSSE payload), parsed strictly. Immutable.
public struct TrustBundle: Sendable {
    /// The DSSE payload type of a version 1 trust bundle.
    public static let payloadType = "application/vnd.wsc.trust-bundle.v1+json"
    /// Largest payload accepted.
    public static let maximumPayloadSize = 8 << 20

    /// A publisher: a named key allowed to sign modules (wasmsig, Ed25519), with an optional validity window.
    public struct Publisher: Sendable {
        /// A unique name, e.g. `acme-release`.
        public let name: String
        /// The key.
        public let publicKey: PublicKey
        /// The wasmsig key id (hex), used in revocations and verdicts.
        public let keyID: String
        /// Hex SHA-256 of the key's SubjectPublicKeyInfo; revocations may name a key this way too.
        public let spkiSHA256: String
        /// Not valid before (Unix seconds), if set.
        public let notBefore: Int64?
        /// Not valid after (Unix seconds), if set.
        public let notAfter: Int64?
    }

    /// A private certificate authority.
    public struct CertificateAuthority: Sendable {
        /// A unique name.
        public let name: String
        /// The certificates, root last.
        public let certificates: [Certificate]
    }

    /// A keyless signer the node accepts: an OIDC issuer and a subject, exact or a pattern.
    public struct Identity: Sendable, Hashable {
        /// The OIDC issuer, matched exactly.
        public let issuer: String
        /// The subject (certificate SAN), matched exactly; `nil` when `subjectPattern` is used.
        public let subject: String?
        /// A regular expression the whole subject must match; `nil` when `subject` is used.
        public let subjectPattern: String?

        /// Creates an identity; give exactly one of `subject` and `subjectPattern`.
        public init(issuer: String, subject: String?, subjectPattern: String?) {
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
}
