public import Logging
import Sigstore
import Synchronization
import WSCCrypto
import WSCJSON

/// The node's trust: the state directory, the keys pinned in configuration, and the active sealed bundle.
/// Installs are serialized; readers take an immutable snapshot (``active``) that stays valid after a rotate.
public final class TrustStore: Sendable {
    /// The state directory.
    public let directory: StateDirectory
    /// The keys that must sign the very first bundle (from the node's configuration), if configured.
    public let pinned: KeyThreshold?
    /// Where the store reports what it loaded and installed (`notice` for a new bundle or Sigstore root, `info`
    /// at load, `debug` for evidence time). Refusals are thrown, not logged: the caller knows who asked.
    public let logger: Logger

    private struct Current: Sendable {
        var state: PersistedState?
        var active: SealedTrustBundle?
    }

    /// What readers share: held only to copy or swap the two references, never for work.
    private let current: Mutex<Current>
    /// The newest verified log integration or RFC 3161 time seen since start (not persisted: only a sealed
    /// bundle's issue time raises the persisted floor).
    private let evidence = Mutex<Int64>(0)
    /// Serializes installs (rotate, TUF refresh) among themselves: held through the seal check and the commit.
    /// Readers never take it.
    private let installing = Mutex<Int>(0)

    /// Opens the store and re-checks the installed bundle with the seal check. An installed bundle that expired
    /// is kept (its keys authorize the next one) but ``active`` reports it unusable through its validity.
    public init(
        directory: StateDirectory, pinned: KeyThreshold?,
        logger: Logger = Logger(label: "wsc.trust", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.directory = directory
        self.pinned = pinned
        self.logger = logger
        var current = Current()
        if let (state, envelope) = try directory.load() {
            let time = TrustedTime.current(floor: state.timeFloor)
            // Counter 0: the version is compared with the state's counter below, with a message naming both files.
            let context = SealCheck.Context(
                authorizing: nil, counter: 0, activeDigest: state.bundleDigest, time: time)
            let sealed = try SealCheck.seal(envelope, context: context)
            try StateConsistency.check(state, sealed, directory: directory)
            current.active = sealed
            // The Sigstore root the last refresh applied, if the bundle still opts in under the same pin.
            if let tuf = sealed.bundle.tuf, let target = tuf.sigstoreRootTarget,
                let bytes = directory.loadFetchedRoot(pinDigest: tuf.pinDigest, target: target),
                let (_, root) = try? Self.parseSigstoreRoot(bytes, target: target)
            {
                current.active = sealed.with(
                    FetchedSigstoreRoot(
                        target: target, sha256: Hex.encode(Digest.sha256(bytes)), pinDigest: tuf.pinDigest, root: root))
            }
            current.state = state
            logger.info(
                "trust bundle version \(sealed.version) loaded from \(directory.path)",
                metadata: [
                    "bundle_version": "\(sealed.version)", "bundle_digest": "\(sealed.digestHex)",
                    "sigstore_root": "\(current.active?.fetchedSigstoreRoot?.target ?? "bundle")",
                ])
        }
        self.current = Mutex(current)
    }

    /// The active bundle, if one is installed (check its validity before use).
    public var active: SealedTrustBundle? { current.withLock { $0.active } }

    /// The anti-rollback state, if a bundle was ever installed.
    public var state: PersistedState? { current.withLock { $0.state } }

    /// The trusted time now: the greatest of the plausible system clock, the persisted floor and the newest
    /// verified evidence seen since start.
    public func trustedTime() -> TrustedTime {
        let persisted = current.withLock { $0.state?.timeFloor } ?? TrustedTime.buildFloor
        return TrustedTime.current(floor: max(persisted, evidence.withLock { $0 }))
    }

    /// Records signed evidence of the time (a transparency-log integration time or RFC 3161 time that verified
    /// against the active bundle's trust root): the trusted time is never below it from now on, in this process.
    public func observe(evidenceTime: Int64) {
        let raised = evidence.withLock {
            guard evidenceTime > $0 else { return false }
            $0 = evidenceTime
            return true
        }
        if raised {
            logger.debug(
                "signed evidence raised the trusted time to \(RFC3339.format(evidenceTime))",
                metadata: ["evidence_time": "\(evidenceTime)"])
        }
    }

    /// Seal-checks `envelope` against the active bundle (or the pinned keys for the first one), persists it
    /// atomically, raises the counter and the time floor, and makes it active. On any failure nothing changes.
    /// A bundle without a TUF pin replacing one with a pin is refused unless `allowDroppingTUF` (the operator's
    /// explicit `--drop-tuf`).
    ///
    /// The check, parsing and the fsyncs run without the lock readers take: installs are serialized among
    /// themselves by ``installing``, and only the swap of the new state and bundle is shared with readers, so a
    /// verify never waits for a rotate or a refresh.
    @discardableResult
    public func install(
        _ envelope: [UInt8], time: TrustedTime? = nil, allowDroppingTUF: Bool = false
    ) throws -> SealedTrustBundle {
        try installing.withLock { installs in
            let (state, active) = current.withLock { ($0.state, $0.active) }
            let persisted = state?.timeFloor ?? TrustedTime.buildFloor
            let now = time ?? TrustedTime.current(floor: max(persisted, evidence.withLock { $0 }))
            guard let authorizing = active?.bundle.bundleKeys ?? pinned else {
                throw TrustStoreError(
                    .thresholdNotMet,
                    "no bundle is installed and no keys are pinned for the first one: configure the pinned bundle keys")
            }
            let context = SealCheck.Context(
                authorizing: authorizing, counter: state?.counter ?? 0,
                activeDigest: state?.bundleDigest, time: now,
                requireTUFPin: active?.bundle.tuf != nil && !allowDroppingTUF)
            var sealed = try SealCheck.check(envelope, context: context)
            if let active, sealed.version == active.version {
                logger.debug("trust bundle version \(active.version) is already installed")
                return active
            }
            // A Sigstore root fetched under the same pin stays in force; under another pin (or none) it is gone.
            if let fetched = active?.fetchedSigstoreRoot, sealed.bundle.tuf?.pinDigest == fetched.pinDigest {
                sealed = sealed.with(fetched)
            }
            // The first state records when it was made: without a hardware counter, that is all that tells a
            // first boot from a deleted state directory. The floor rises to the sealed bundle's issue time: signed
            // evidence, now that its signatures verified.
            let next = PersistedState(
                counter: sealed.version, bundleDigest: sealed.digest,
                timeFloor: max(state?.timeFloor ?? 0, sealed.bundle.issuedAt, TrustedTime.buildFloor),
                firstBootAt: state == nil ? now.raised(to: sealed.bundle.issuedAt).now : state?.firstBootAt)
            let committed = try directory.commit(envelope: envelope, state: next, replacing: state)
            current.withLock {
                $0.state = committed
                $0.active = sealed
            }
            installs += 1
            let previous = active.map { "was version \($0.version)" } ?? "the node's first"
            logger.notice(
                "trust bundle version \(sealed.version) installed (\(previous))",
                metadata: [
                    "bundle_version": "\(sealed.version)", "bundle_digest": "\(sealed.digestHex)",
                    "previous_version": "\(active.map { "\($0.version)" } ?? "-")",
                ])
            return sealed
        }
    }

    /// Applies `bytes`, the TUF target `target` fetched under the pin `pinDigest`, as the Sigstore trust root of
    /// the active bundle's keyless and Sigstore verification. Only when the active bundle opted in: its
    /// `tuf.sigstoreRootTarget` names `target` and its pin is still `pinDigest` (a rotate in between wins). The
    /// identities, publishers, private CAs and rules stay the sealed bundle's. Returns whether the root changed.
    @discardableResult
    public func applyFetchedSigstoreRoot(_ bytes: [UInt8], target: String, pinDigest: String) throws -> Bool {
        let (_, root) = try Self.parseSigstoreRoot(bytes, target: target)
        // Serialized with installs: an install swapping in a bundle meanwhile would drop this root, or keep it
        // for a bundle whose pin it no longer matches.
        return try installing.withLock { _ in try applyFetched(bytes, root: root, target: target, pinDigest: pinDigest)
        }
    }

    /// Runs under ``installing`` only: the active bundle cannot change meanwhile (installs hold the same lock), so
    /// the readers' lock is taken just to read it and to swap in the result, never across the file write.
    private func applyFetched(_ bytes: [UInt8], root: TrustedRoot, target: String, pinDigest: String) throws -> Bool {
        guard let active = current.withLock({ $0.active }), let tuf = active.bundle.tuf,
            tuf.sigstoreRootTarget == target, tuf.pinDigest == pinDigest
        else {
            throw TrustStoreError(
                .sigstoreRootRefused,
                "the active trust bundle does not take its Sigstore root from the TUF target \(target) (bundle.tuf.sigstoreRootTarget), or was rotated meanwhile; nothing applied: to opt in, create the bundle with --tuf-sigstore-root \(target)"
            )
        }
        let sha256 = Hex.encode(Digest.sha256(bytes))
        if active.fetchedSigstoreRoot?.sha256 == sha256 { return false }
        // Kept for the next start-up (before its first refresh, or offline); bound to the pin, sealed with the
        // state's key.
        try directory.saveFetchedRoot(pinDigest: pinDigest, target: target, bytes: bytes)
        let applied = active.with(FetchedSigstoreRoot(target: target, sha256: sha256, pinDigest: pinDigest, root: root))
        current.withLock { $0.active = applied }
        logger.notice(
            "Sigstore trust root from TUF target \(target) applied to trust bundle version \(active.version)",
            metadata: ["tuf_target": "\(target)", "sha256": "\(sha256)", "bundle_version": "\(active.version)"])
        return true
    }

    /// Checks that `bytes` are a usable Sigstore `trusted_root.json`, as a bundle's embedded one is checked.
    public static func parseSigstoreRoot(_ bytes: [UInt8], target: String) throws -> (JSONValue, TrustedRoot) {
        do {
            var limits = JSONLimits()
            limits.maximumBytes = TrustBundle.maximumPayloadSize
            return try TrustBundle.sigstoreRoot(JSONParser.parse(bytes, limits: limits), "TUF target \(target)")
        } catch let error as JSONError {
            throw TrustStoreError(
                .sigstoreRootRefused,
                "TUF target \(target) is not JSON (\(error.reason)); the Sigstore root in use is kept: ask the repository's maintainers to fix the target"
            )
        } catch let error as TrustStoreError {
            throw TrustStoreError(
                .sigstoreRootRefused,
                "\(error.reason); the Sigstore root in use is kept: ask the repository's maintainers to fix the target")
        }
    }
}
