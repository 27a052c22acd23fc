import WSCJSON

/// The checks every load makes between the anti-rollback state and the bundle it records, sealed or not. The
/// digest binds the bundle to the state, but an unsealed state can be edited (its counter lowered, its floor
/// moved back) without touching the digest; the bundle's own version and issue time catch that, because the
/// state was committed with a counter equal to the bundle's version and a floor at or above its `issuedAt`.
enum StateConsistency {
    static func check(_ state: PersistedState, _ sealed: SealedTrustBundle, directory: StateDirectory) throws {
        let recover =
            "Restore \(directory.statePath) from a backup of this node, or if this node's disk is trusted, move \(directory.statePath) and \(directory.bundlePath) away and install the newest bundle signed by the pinned keys (wscctl bundle install)."
        if state.counter < sealed.version {
            throw TrustStoreError(
                .stateTampered,
                "the anti-rollback counter in \(directory.statePath) is \(state.counter), below the version of the installed bundle \(directory.bundlePath) (\(sealed.version)): the state was edited or rolled back. \(recover)"
            )
        }
        if state.counter > sealed.version {
            throw TrustStoreError(
                .stateTampered,
                "the anti-rollback counter in \(directory.statePath) is \(state.counter) but the installed bundle \(directory.bundlePath) is version \(sealed.version): every commit writes them together, so one of them was edited. \(recover)"
            )
        }
        if state.timeFloor < sealed.bundle.issuedAt {
            throw TrustStoreError(
                .stateTampered,
                "the time floor in \(directory.statePath) (\(RFC3339.format(state.timeFloor))) is below the issue time of the installed bundle (\(RFC3339.format(sealed.bundle.issuedAt))): the state was edited or rolled back. \(recover)"
            )
        }
    }
}
