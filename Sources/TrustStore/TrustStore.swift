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

    /// What readers share: held only to copy or swap the two references, never for work.
    private let current: Mutex<Current>
    /// Serializes installs (rotate, TUF refresh) among themselves: held through the seal check and the commit.
    /// Readers never take it.
    private let installing = Mutex<Int>(0)

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

    /// The trusted time now.
    public func trustedTime() -> TrustedTime {
        TrustedTime.current(floor: current.withLock { $0.state?.timeFloor } ?? TrustedTime.buildFloor)
    }

    /// Seal-checks `envelope` against the active bundle (or the pinned keys for the first one), persists it
    /// atomically, raises the counter and the time floor, and makes it active. On any failure nothing changes.
    ///
    /// The check, parsing and the fsyncs run without the lock readers take: installs are serialized among
    /// themselves by ``installing``, and only the swap of the new state and bundle is shared with readers, so a
    /// verify never waits for a rotate or a refresh.
    @discardableResult
    public func install(_ envelope: [UInt8], time: TrustedTime? = nil) throws -> SealedTrustBundle {
        try installing.withLock { installs in
            let (state, active) = current.withLock { ($0.state, $0.active) }
            let now = time ?? TrustedTime.current(floor: state?.timeFloor ?? TrustedTime.buildFloor)
            guard let authorizing = active?.bundle.bundleKeys ?? pinned else {
                throw TrustStoreError(
                    .thresholdNotMet,
                    "no bundle is installed and no keys are pinned for the first one: configure the pinned bundle keys")
            }
            let context = SealCheck.Context(
                authorizing: authorizing, counter: state?.counter ?? 0,
                activeDigest: state?.bundleDigest, time: now)
            let sealed = try SealCheck.check(envelope, context: context)
            if let active, sealed.version == active.version { return active }
            // The first state records when it was made: without a hardware counter, that is all that tells a
            // first boot from a deleted state directory.
            let next = PersistedState(
                counter: sealed.version, bundleDigest: sealed.digest,
                timeFloor: max(state?.timeFloor ?? 0, sealed.bundle.issuedAt, TrustedTime.buildFloor),
                firstBootAt: state == nil ? now.now : state?.firstBootAt)
            try directory.commit(envelope: envelope, state: next, replacing: state)
            current.withLock {
                $0.state = next
                $0.active = sealed
            }
            installs += 1
            return sealed
        }
    }
}
