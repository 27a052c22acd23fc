import Synchronization
import WSCCrypto

/// The node's trust: the state directory, the keys pinned in configuration, and the active sealed bundle.
/// Installs are serialized; readers take an immutable snapshot (``active``) that stays valid after a rotate.
public final class TrustStore: Sendable {
    /// The state directory.
    public let directory: StateDirectory
    /// The keys that must sign the very first bundle (from the node's configuration), if configured.
    public let pinned: KeyThreshold?

    private struct Current: Sendable {
        var state: PersistedState?
        var active: SealedTrustBundle?
    }

    private let current: Mutex<Current>
    /// The newest verified log integration or RFC 3161 time seen since start (not persisted: only a sealed
    /// bundle's issue time raises the persisted floor).
    private let evidence = Mutex<Int64>(0)

    /// Opens the store and re-checks the installed bundle with the seal check. An installed bundle that expired
    /// is kept (its keys authorize the next one) but ``active`` reports it unusable through its validity.
    public init(directory: StateDirectory, pinned: KeyThreshold?) throws {
        self.directory = directory
        self.pinned = pinned
        var current = Current()
        if let (state, envelope) = try directory.load() {
            let time = TrustedTime.current(floor: state.timeFloor)
            // Counter 0: the version is compared with the state's counter below, with a message naming both files.
            let context = SealCheck.Context(
                authorizing: nil, counter: 0, activeDigest: state.bundleDigest, time: time)
            let sealed = try SealCheck.seal(envelope, context: context)
            try StateConsistency.check(state, sealed, directory: directory)
            current.active = sealed
            current.state = state
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
        evidence.withLock { $0 = max($0, evidenceTime) }
    }

    /// Seal-checks `envelope` against the active bundle (or the pinned keys for the first one), persists it
    /// atomically, raises the counter and the time floor, and makes it active. On any failure nothing changes.
    @discardableResult
    public func install(_ envelope: [UInt8], time: TrustedTime? = nil) throws -> SealedTrustBundle {
        try current.withLock { current in
            let persisted = current.state?.timeFloor ?? TrustedTime.buildFloor
            let now = time ?? TrustedTime.current(floor: max(persisted, evidence.withLock { $0 }))
            guard let authorizing = current.active?.bundle.bundleKeys ?? pinned else {
                throw TrustStoreError(
                    .thresholdNotMet,
                    "no bundle is installed and no keys are pinned for the first one: configure the pinned bundle keys")
            }
            let context = SealCheck.Context(
                authorizing: authorizing, counter: current.state?.counter ?? 0,
                activeDigest: current.state?.bundleDigest, time: now)
            let sealed = try SealCheck.check(envelope, context: context)
            if let active = current.active, sealed.version == active.version { return active }
            // The first state records when it was made: without a hardware counter, that is all that tells a
            // first boot from a deleted state directory. The floor rises to the sealed bundle's issue time: signed
            // evidence, now that its signatures verified.
            let state = PersistedState(
                counter: sealed.version, bundleDigest: sealed.digest,
                timeFloor: max(current.state?.timeFloor ?? 0, sealed.bundle.issuedAt, TrustedTime.buildFloor),
                firstBootAt: current.state == nil
                    ? now.raised(to: sealed.bundle.issuedAt).now : current.state?.firstBootAt)
            try directory.commit(envelope: envelope, state: state, replacing: current.state)
            current.state = state
            current.active = sealed
            return sealed
        }
    }
}
