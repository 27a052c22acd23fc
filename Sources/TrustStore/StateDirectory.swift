import Synchronization
import WSCCrypto
import WSCFiles

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The state directory: `state.json` (anti-rollback state, the commit point), `bundle.dsse.json` (the active
/// bundle) and, only during an install, `pending.dsse.json`. Writes are atomic and ordered so that a crash at any
/// instant leaves the previous state or the new one.
public final class StateDirectory: @unchecked Sendable {
    /// The directory.
    public let path: String
    let sealKey: SecretBytes?
    /// The hardware anti-rollback counter every commit moves, if configured.
    public let counter: (any RollbackCounter)?
    /// The writer lock, once ``lock(owner:)`` took it.
    private let lockFile = Mutex<LockFile?>(nil)
    /// Called after each step of a commit with the step's name; tests use it to stop at every point.
    var afterStep: ((String) throws -> Void)?

    /// Largest state file read.
    static let maximumStateSize = 64 * 1024

    var statePath: String { path + "/state.json" }
    var bundlePath: String { path + "/bundle.dsse.json" }
    var pendingPath: String { path + "/pending.dsse.json" }
    /// With a hardware counter only: the state a commit is about to write, written before the counter moves.
    var nextPath: String { path + "/state.next.json" }

    /// Opens (and creates with mode 0700 if missing) a state directory. `sealKey`, when given, authenticates the
    /// state file with HMAC-SHA-256. `counter`, when given, is a hardware counter that every commit moves and
    /// every load compares with the state (see ``RollbackCounter``).
    public init(path: String, sealKey: SecretBytes?, counter: (any RollbackCounter)? = nil) throws {
        self.path = path
        self.sealKey = sealKey
        self.counter = counter
        var st = stat()
        if stat(path, &st) != 0 {
            guard errno == ENOENT, mkdir(path, 0o700) == 0 else {
                throw TrustStoreError(FileError.io("cannot create the state directory \(path)"))
            }
        } else {
            guard st.st_mode & S_IFMT == S_IFDIR else { throw TrustStoreError(.io, "\(path) is not a directory") }
            guard st.st_mode & 0o022 == 0 else {
                throw TrustStoreError(
                    .io, "the state directory \(path) is writable by group or others; run `chmod 700 \(path)`")
            }
        }
    }

    /// Whether a seal key authenticates the state.
    public var isSealed: Bool { sealKey != nil }

    // MARK: The writer lock

    /// Takes the directory's writer lock (`lock`, an exclusive `flock`) and keeps it for the life of this value:
    /// wscd holds it while it runs, so no offline writer can commit behind its back. Then removes the temporary
    /// files crashed commits left (none can belong to a live writer while the lock is held).
    ///
    /// - Returns: the names of the leftover temporary files removed.
    /// - Throws: ``TrustStoreError/Code/stateLocked`` naming the holder and its pid when another process holds it.
    @discardableResult
    public func lock(owner: String) throws -> [String] {
        if isLocked { return [] }
        guard let file = try acquire(owner: owner) else { return [] }
        lockFile.withLock { $0 = file }
        return try TrustStoreError.mappingFileErrors { try TemporaryFiles.removeAll(in: path) }
    }

    /// Whether this value holds the writer lock taken with ``lock(owner:)``.
    public var isLocked: Bool { lockFile.withLock { $0 != nil } }

    var lockPath: String { path + "/lock" }

    /// The lock, or throws saying who holds it.
    private func acquire(owner: String) throws -> LockFile? {
        switch try TrustStoreError.mappingFileErrors({ try LockFile.acquire(lockPath, owner: owner) }) {
        case .acquired(let file): return file
        case .held(let holder): throw TrustStoreError(.stateLocked, Self.heldMessage(holder, path, owner: owner))
        }
    }

    static func heldMessage(_ holder: LockFile.Holder?, _ path: String, owner: String) -> String {
        guard let holder else {
            return
                "another process holds \(path) (its lock file \(path)/lock); if wscd runs, use `wscctl rotate`, otherwise retry in a moment"
        }
        guard holder.name == "wscd" else {
            return "\(holder) holds \(path): another install is in progress there; retry when it ends"
        }
        if owner == "wscd" {
            return
                "wscd (pid \(holder.pid)) already holds the state directory \(path): one wscd per state directory; stop it, or give this one its own [state] directory"
        }
        return "wscd (pid \(holder.pid)) holds \(path); use `wscctl rotate` to install a bundle through it"
    }

    /// Runs `body` under the writer lock: the one ``lock(owner:)`` took, or one held for the call only. With
    /// `ifFree`, returns `nil` instead of throwing when another process holds it.
    private func withWriterLock<T>(ifFree: Bool = false, _ body: () throws -> T) throws -> T? {
        if isLocked { return try body() }
        let file: LockFile?
        do {
            file = try acquire(owner: Self.programName)
        } catch let error as TrustStoreError where ifFree && error.code == .stateLocked {
            return nil
        }
        return try withExtendedLifetime(file) { try body() }
    }

    /// This process's name, recorded in the lock file for whoever is refused.
    static var programName: String {
        let name = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? ""
        return name.isEmpty || name.contains(" ") ? "process" : name
    }

    // MARK: Load and commit

    /// Loads the committed state and the active envelope, finishing or discarding an interrupted install when no
    /// other process holds the writer lock (a reader never waits for it and never writes under someone else's
    /// lock: it then reads what the interrupted install would become). Returns `nil` when nothing was ever
    /// installed.
    ///
    /// Consistency between the state and the bundle's own version and issue time is checked by ``TrustStore``,
    /// which parses the bundle.
    public func load() throws -> (state: PersistedState, envelope: [UInt8])? {
        if let counter { try reconcile(with: counter) }
        let stateBytes = try read(statePath, limit: StateDirectory.maximumStateSize)
        let pending = try read(pendingPath, limit: SealCheck.maximumEnvelopeSize)
        guard let stateBytes else {
            if try read(bundlePath, limit: SealCheck.maximumEnvelopeSize) != nil {
                throw TrustStoreError(
                    .stateTampered,
                    "\(bundlePath) exists but \(statePath) does not: the anti-rollback state was deleted. If this node's disk is trusted, move \(bundlePath) away and install a bundle signed by the pinned keys."
                )
            }
            // An install that never reached its commit point.
            if pending != nil { _ = try withWriterLock(ifFree: true) { try remove(pendingPath) } }
            return nil
        }
        let state = try PersistedState.decode(stateBytes, sealKey: sealKey, path: statePath)
        if let pending {
            if constantTimeEquals(Digest.sha256(pending), state.bundleDigest) {
                // The install committed its state but crashed before the rename: finish it.
                let finished: Void? = try withWriterLock(ifFree: true) {
                    guard rename(pendingPath, bundlePath) == 0 else {
                        throw TrustStoreError(FileError.io("cannot finish the install: rename \(pendingPath)"))
                    }
                    try syncDirectory()
                }
                if finished == nil { return (state, pending) }
            } else {
                try requireUncommitted(pending, state: state)
                _ = try withWriterLock(ifFree: true) { try remove(pendingPath) }
            }
        }
        guard let envelope = try read(bundlePath, limit: SealCheck.maximumEnvelopeSize) else {
            throw TrustStoreError(
                .stateTampered,
                "\(statePath) records bundle version \(state.counter) but \(bundlePath) is missing. Restore it from a backup of this node, or if this node's disk is trusted, move \(statePath) away and install the newest bundle signed by the pinned keys."
            )
        }
        guard constantTimeEquals(Digest.sha256(envelope), state.bundleDigest) else {
            let onDisk = (try? DSSEEnvelope(parsing: envelope, maximumSize: SealCheck.maximumEnvelopeSize))
                .flatMap { try? TrustBundle(payload: $0.payload) }?.version
            if let onDisk, onDisk > state.counter {
                throw TrustStoreError(
                    .stateTampered,
                    "the anti-rollback state (version \(state.counter)) is older than the bundle on disk (version \(onDisk)): the state file was rolled back. Restore the newer state, or if this node's disk is trusted, move \(statePath) and \(bundlePath) away and reinstall the newest bundle."
                )
            }
            throw TrustStoreError(
                .stateTampered,
                "\(bundlePath) is not the bundle the anti-rollback state records (version \(state.counter)): it was replaced. Restore it, or install a newer bundle signed by the current bundle keys."
            )
        }
        return (state, envelope)
    }

    /// A pending file the state does not record is legitimate only as an install that crashed before its commit
    /// point: a bundle newer than the counter. Anything else (an older bundle, garbage) was put there.
    private func requireUncommitted(_ pending: [UInt8], state: PersistedState) throws {
        let version = (try? DSSEEnvelope(parsing: pending, maximumSize: SealCheck.maximumEnvelopeSize))
            .flatMap { try? TrustBundle(payload: $0.payload) }?.version
        guard let version, version > state.counter else {
            throw TrustStoreError(
                .stateTampered,
                "\(pendingPath) \(version.map { "holds bundle version \($0)" } ?? "is not a trust bundle"), which the anti-rollback state (version \(state.counter)) neither records nor can follow: no install writes that. Move \(pendingPath) away and start again; install newer bundles with `wscctl rotate`."
            )
        }
    }

    /// Installs `envelope` as the active bundle with `state`: pending file, then the state file (the commit
    /// point), then the rename into place. Runs under the writer lock, and only if the disk still holds
    /// `previous`, the state the new one was checked against: a writer that loaded before another committed
    /// must not overwrite a higher counter.
    ///
    /// With a hardware counter, see ``commitCounted(_:envelope:state:previous:)``.
    ///
    /// - Returns: the state as committed (with the counter's value when there is one).
    @discardableResult
    public func commit(envelope: [UInt8], state: PersistedState, replacing previous: PersistedState?) throws
        -> PersistedState
    {
        try withWriterLock {
            let onDisk = try read(statePath, limit: StateDirectory.maximumStateSize).map {
                try PersistedState.decode($0, sealKey: sealKey, path: statePath)
            }
            guard onDisk == previous else {
                throw TrustStoreError(
                    .stateLocked,
                    "\(statePath) changed since it was loaded (now at version \(onDisk.map { "\($0.counter)" } ?? "none")): another writer committed; run the command again"
                )
            }
            if let counter {
                return try commitCounted(counter, envelope: envelope, state: state, previous: previous)
            }
            try write(pendingPath, envelope)
            try afterStep?("pending written")
            try write(statePath, state.encoded(sealKey: sealKey))
            try afterStep?("state written")
            guard rename(pendingPath, bundlePath) == 0 else {
                throw TrustStoreError(FileError.io("cannot move the new bundle into place"))
            }
            try afterStep?("bundle renamed")
            try syncDirectory()
            return state
        }!
    }

    // MARK: The hardware counter

    /// The commit with a hardware counter at value T (or never used). Each step is durable before the next:
    ///
    /// 1. `pending.dsse.json`: the new bundle;
    /// 2. `state.next.json`: the new state, recording T + 1 (0 when the counter was never used: its first value
    ///    is unknown until it moves);
    /// 3. the counter is incremented (T + 1): from here the old state is stale;
    /// 4. `state.json`: the new state with the counter's new value (the commit point on disk);
    /// 5. `state.next.json` removed, `pending.dsse.json` renamed to `bundle.dsse.json`.
    ///
    /// A kill between 3 and 4 leaves an old state one below the counter, with the intent recording exactly the
    /// counter's value: ``reconcile(with:)`` finishes that commit instead of calling the old state stale.
    private func commitCounted(
        _ counter: any RollbackCounter, envelope: [UInt8], state: PersistedState, previous: PersistedState?
    ) throws -> PersistedState {
        let value = try counter.read()
        if let value, previous?.tpmCounter != value {
            throw TrustStoreError(
                .stateStale,
                "\(counter.name) is at \(value) but the state being replaced records \(previous?.tpmCounter.map { "\($0)" } ?? "no counter value"): another writer moved the counter; restart wscd, and if that refuses, see docs/operations.md (stale state)"
            )
        }
        var intent = state
        intent.tpmCounter = value.map { $0 + 1 } ?? 0
        try write(pendingPath, envelope)
        try afterStep?("pending written")
        try write(nextPath, intent.encoded(sealKey: sealKey))
        try afterStep?("intent written")
        let reached = try counter.increment()
        try afterStep?("counter incremented")
        if let value, reached != value + 1 {
            throw TrustStoreError(
                .counterUnavailable,
                "\(counter.name) went from \(value) to \(reached) in one increment: another process uses this NV index; give wscd an index of its own ([state] tpm2_nv_index) and restart it"
            )
        }
        var committed = state
        committed.tpmCounter = reached
        try write(statePath, committed.encoded(sealKey: sealKey))
        try afterStep?("state written")
        try remove(nextPath)
        guard rename(pendingPath, bundlePath) == 0 else {
            throw TrustStoreError(FileError.io("cannot move the new bundle into place"))
        }
        try afterStep?("bundle renamed")
        try syncDirectory()
        return committed
    }

    /// Before every load with a hardware counter: finishes a commit killed between the counter's increment and
    /// the state's write, removes an intent that never reached the counter, then compares the state with the
    /// counter. A state below the counter (a restored or copied directory) or missing although the counter moved
    /// (a deleted one) is refused.
    private func reconcile(with counter: any RollbackCounter) throws {
        let value = try counter.read()
        var state = try read(statePath, limit: StateDirectory.maximumStateSize).map {
            try PersistedState.decode($0, sealKey: sealKey, path: statePath)
        }
        if let nextBytes = try read(nextPath, limit: StateDirectory.maximumStateSize) {
            let next = try? PersistedState.decode(nextBytes, sealKey: sealKey, path: nextPath)
            let recorded = state?.tpmCounter
            var finishes = false
            if let next, let value, let target = next.tpmCounter {
                let reachedCounter = (target == value && (recorded ?? 0) < value) || (target == 0 && recorded == nil)
                let pending = try read(pendingPath, limit: SealCheck.maximumEnvelopeSize)
                finishes =
                    reachedCounter && pending.map { constantTimeEquals(Digest.sha256($0), next.bundleDigest) } == true
            }
            if finishes, var finished = next, let value {
                // Killed after the increment, before the state: this commit happened, finish it.
                finished.tpmCounter = value
                _ = try withWriterLock {
                    try write(statePath, finished.encoded(sealKey: sealKey))
                    try remove(nextPath)
                }
                state = finished
            } else {
                // Killed before the increment (or a leftover after the state was written): not a commit.
                _ = try withWriterLock { try remove(nextPath) }
            }
        }
        try Self.compare(state, value, counter: counter, directory: path)
    }

    static func compare(_ state: PersistedState?, _ value: UInt64?, counter: any RollbackCounter, directory: String)
        throws
    {
        let recover =
            "If the TPM is right and this directory was restored, copied or deleted: stop wscd, move \(directory) away, re-provision the counter (`wscctl state tpm-init --replace`) and install a bundle at least as new as the newest one this node ever accepted (docs/operations.md, \"Stale state\")."
        switch (state, value) {
        case (nil, nil):
            return
        case (nil, .some(let value)):
            throw TrustStoreError(
                .stateStale,
                "\(directory) holds no anti-rollback state but \(counter.name) is at \(value): the state directory was deleted or replaced. \(recover)"
            )
        case (.some(let state), nil):
            if let recorded = state.tpmCounter {
                throw TrustStoreError(
                    .counterUnavailable,
                    "\(directory)/state.json was committed at \(counter.name) value \(recorded) but that counter was never incremented: the NV index was re-defined, or this is another TPM. Use the TPM and index this node was provisioned with; if the TPM was cleared on purpose, re-provision. \(recover)"
                )
            }
        // A state from before the counter was configured: the next commit records the counter.
        case (.some(let state), .some(let value)):
            guard let recorded = state.tpmCounter else {
                throw TrustStoreError(
                    .stateStale,
                    "\(directory)/state.json records no TPM counter value but \(counter.name) is at \(value): the state was written without the TPM (an offline install, or an older state). \(recover)"
                )
            }
            if recorded < value {
                throw TrustStoreError(
                    .stateStale,
                    "stale state: \(directory)/state.json was committed at \(counter.name) value \(recorded), but the TPM is at \(value): this state directory is older than the last commit (restored or copied). \(recover)"
                )
            }
            if recorded > value {
                throw TrustStoreError(
                    .counterUnavailable,
                    "\(directory)/state.json was committed at \(counter.name) value \(recorded), above the TPM's \(value): this is another TPM, or the NV index was re-defined. Use the TPM and index this node was provisioned with. \(recover)"
                )
            }
        }
    }

    private func remove(_ file: String) throws {
        guard unlink(file) == 0 || errno == ENOENT else { throw TrustStoreError(FileError.io("cannot remove \(file)")) }
        try syncDirectory()
    }

    // The files of the directory, through ``AtomicFile``, with its failures reported as ``TrustStoreError``.

    private func read(_ file: String, limit: Int) throws -> [UInt8]? {
        try TrustStoreError.mappingFileErrors { try AtomicFile.read(file, limit: limit) }
    }

    /// Writes with mode 0600: the state and the bundles are for wscd alone.
    private func write(_ file: String, _ bytes: [UInt8]) throws {
        try TrustStoreError.mappingFileErrors { try AtomicFile.write(file, bytes, mode: 0o600) }
    }

    private func syncDirectory() throws {
        try TrustStoreError.mappingFileErrors { try AtomicFile.syncDirectory(path) }
    }
}
