import KeylessWasm
import Sigstore
import WSCCrypto

/// A trust bundle that passed the seal check: the only form of trust the verifier reads. Immutable; safe to
/// share between threads and to keep while a newer bundle is installed.
public final class SealedTrustBundle: Sendable {
    /// SHA-256 of ``envelope``: the identity the anti-rollback state records.
    public let digest: [UInt8]
    /// The parsed content.
    public let bundle: TrustBundle
    /// Key ids (hex SHA-256 of SPKI) of the keys whose signatures sealed it.
    public let signerKeyIDs: [String]
    /// The keyless verifier for the bundle's Sigstore trust root, made once when the bundle is sealed.
    public let keylessVerifier: KeylessVerifier?
    /// The Sigstore verifier for key-signed and private-CA bundles: the bundle's trust root, or an empty one
    /// (no logs, no time-stamping authorities) when it has none, so such bundles verify fully offline.
    let sigstoreVerifier: SigstoreVerifier

    /// The Sigstore trust root fetched through TUF, when the bundle's `tuf.sigstoreRootTarget` opts in and a
    /// refresh verified one; it replaces the embedded `sigstore` root and nothing else.
    public let fetchedSigstoreRoot: FetchedSigstoreRoot?

    init(digest: [UInt8], bundle: TrustBundle, signerKeyIDs: [String], fetched: FetchedSigstoreRoot? = nil) {
        self.digest = digest
        self.bundle = bundle
        self.signerKeyIDs = signerKeyIDs
        self.fetchedSigstoreRoot = fetched
        let root = fetched?.root ?? bundle.sigstoreRoot
        self.keylessVerifier = root.map { KeylessVerifier(trustedRoot: $0) }
        self.sigstoreVerifier = SigstoreVerifier(trustedRoot: root ?? .empty)
    }

    /// The same sealed bundle with `fetched` as its Sigstore trust root.
    func with(_ fetched: FetchedSigstoreRoot?) -> SealedTrustBundle {
        SealedTrustBundle(digest: digest, bundle: bundle, signerKeyIDs: signerKeyIDs, fetched: fetched)
    }

    /// The bundle's version.
    public var version: UInt64 { bundle.version }

    /// ``digest`` as lowercase hex.
    public var digestHex: String { Hex.encode(digest) }
}

/// A Sigstore `trusted_root.json` that came through the TUF repository a sealed bundle pins, as the target its
/// `tuf.sigstoreRootTarget` names.
public struct FetchedSigstoreRoot: Sendable {
    /// The target name.
    public let target: String
    /// Hex SHA-256 of the target's bytes.
    public let sha256: String
    /// ``TrustBundle/TUFSettings/pinDigest`` of the pin it was fetched under.
    public let pinDigest: String
    /// The parsed root.
    let root: TrustedRoot
}

/// Where a time falls in a bundle's validity window.
public enum BundleValidity: Sendable, Hashable {
    /// Valid; `secondsLeft` until `expires`.
    case valid(secondsLeft: Int64)
    /// Past `expires` but within the grace period: accepted, with a warning.
    case inGracePeriod(expiredSecondsAgo: Int64, graceSecondsLeft: Int64)
    /// Past the grace period.
    case expired(expiredSecondsAgo: Int64)
    /// Before `notBefore`.
    case notYetValid(secondsUntilValid: Int64)

    /// Whether the bundle may be used.
    public var isUsable: Bool {
        switch self {
        case .valid, .inGracePeriod: true
        case .expired, .notYetValid: false
        }
    }

    /// A sentence for people.
    public var summary: String {
        func days(_ s: Int64) -> String {
            let d = s / 86400
            return d == 1 ? "1 day" : "\(d) days"
        }
        switch self {
        case .valid(let left): return "valid, \(days(left)) left"
        case .inGracePeriod(let ago, let left):
            return
                "EXPIRED \(days(ago)) ago, accepted within its grace period for \(days(left)) more; install a newer bundle"
        case .expired(let ago): return "EXPIRED \(days(ago)) ago (grace period over); install a newer bundle"
        case .notYetValid(let until):
            return "not valid yet (valid in \(days(until))); check the clock or the bundle's notBefore"
        }
    }
}

extension TrustBundle {
    /// The validity at `time` (Unix seconds): `notBefore ≤ t ≤ expires` is valid; up to `expires + gracePeriod`
    /// is the grace period.
    public func validity(at time: Int64) -> BundleValidity {
        if time < notBefore { return .notYetValid(secondsUntilValid: notBefore - time) }
        if time <= expires { return .valid(secondsLeft: expires - time) }
        if time <= expires + gracePeriod {
            return .inGracePeriod(expiredSecondsAgo: time - expires, graceSecondsLeft: expires + gracePeriod - time)
        }
        return .expired(expiredSecondsAgo: time - expires)
    }
}
