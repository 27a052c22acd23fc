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
    private let sealKey: SecretBytes?
    /// Called after each step of a commit with the step's name; tests use it to stop at every point.
    var afterStep: ((String) throws -> Void)?

    /// Largest state file read.
    static let maximumStateSize = 64 * 1024

    var statePath: String { path + "/state.json" }
    var bundlePath: String { path + "/bundle.dsse.json" }
    var pendingPath: String { path + "/pending.dsse.json" }

    /// Opens (and creates with mode 0700 if missing) a state directory. `sealKey`, when given, authenticates the
    /// state file with HMAC-SHA-256.
    public init(path: String, sealKey: SecretBytes?) throws {
        self.path = path
        self.sealKey = sealKey
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

    /// Loads the committed state and the active envelope, finishing or discarding an interrupted install.
    /// Returns `nil` when nothing was ever installed.
    public func load() throws -> (state: PersistedState, envelope: [UInt8])? {
        let stateBytes = try read(statePath, limit: StateDirectory.maximumStateSize)
        let pending = try read(pendingPath, limit: SealCheck.maximumEnvelopeSize)
        guard let stateBytes else {
            if pending != nil { try remove(pendingPath) }  // an install that never reached its commit point
            if try read(bundlePath, limit: SealCheck.maximumEnvelopeSize) != nil {
                throw TrustStoreError(
                    .stateTampered,
                    "\(bundlePath) exists but \(statePath) does not: the anti-rollback state was deleted. If this node's disk is trusted, move \(bundlePath) away and install a bundle signed by the pinned keys."
                )
            }
            return nil
        }
        let state = try PersistedState.decode(stateBytes, sealKey: sealKey, path: statePath)
        if let pending {
            if constantTimeEquals(Digest.sha256(pending), state.bundleDigest) {
                // The install committed its state but crashed before the rename: finish it.
                guard rename(pendingPath, bundlePath) == 0 else {
                    throw TrustStoreError(FileError.io("cannot finish the install"))
                }
                try syncDirectory()
            } else {
                try remove(pendingPath)
            }
        }
        guard let envelope = try read(bundlePath, limit: SealCheck.maximumEnvelopeSize) else {
            throw TrustStoreError(
                .stateTampered, "\(statePath) records bundle version \(state.counter) but \(bundlePath) is missing")
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

    /// Installs `envelope` as the active bundle with `state`: pending file, then the state file (the commit
    /// point), then the rename into place.
    public func commit(envelope: [UInt8], state: PersistedState) throws {
        try write(pendingPath, envelope)
        try afterStep?("pending written")
        try write(statePath, state.encoded(sealKey: sealKey))
        try afterStep?("state written")
        guard rename(pendingPath, bundlePath) == 0 else {
            throw TrustStoreError(FileError.io("cannot move the new bundle into place"))
        }
        try afterStep?("bundle renamed")
        try syncDirectory()
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
