public import Logging
import WSCFiles
import WSCJSON

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Size and count limits (endless-data and resource-exhaustion protection). Every download is cut off at its
/// limit while it is being received.
public struct TUFLimits: Sendable, Equatable {
    /// Largest `N.root.json`, in bytes (python-tuf: 512000).
    public var maximumRootLength = 512 * 1024
    /// Largest `timestamp.json`, in bytes.
    public var maximumTimestampLength = 16 * 1024
    /// Largest `snapshot.json` when the timestamp gives no length (and at most this in any case).
    public var maximumSnapshotLength = 5 << 20
    /// Largest targets or delegated targets file when the snapshot gives no length (and at most this).
    public var maximumTargetsLength = 5 << 20
    /// Most root versions fetched in one refresh (spec 5.3.3).
    public var maximumRootRotations = 256
    /// Most targets roles visited in one target search (spec 5.6.7.1).
    public var maximumDelegations = 32

    /// The defaults above.
    public init() {}
}

/// What an operation cost: requests, bytes received, signature verifications and files written.
public struct TUFStatistics: Sendable, Equatable, CustomStringConvertible {
    /// Fetches attempted, including ones answered 404.
    public var requests = 0
    /// Bytes received in successful fetches.
    public var bytesDownloaded = 0
    /// Signature verifications performed (each one costs a public-key operation).
    public var signatureVerifications = 0
    /// Files written (atomically) or removed in the metadata or target directory.
    public var filesWritten = 0

    /// All zero.
    public init() {}

    public var description: String {
        "\(requests) request(s), \(bytesDownloaded) byte(s), \(signatureVerifications) signature verification(s), "
            + "\(filesWritten) file write(s)"
    }
}

/// A TUF 1.0 client (specification section 5, "Detailed client workflow").
///
/// Trusted metadata lives in `metadataDirectory` as `root.json`, `timestamp.json`, `snapshot.json`,
/// `targets.json` and one `ROLE.json` (percent-encoded name) per delegated role, each holding the exact bytes
/// received and written atomically only after it was verified. Files found there at start are re-verified
/// before use. The instance keeps the verified metadata in memory, so a refresh where nothing changed verifies
/// no signature and writes nothing.
///
/// Not thread-safe: use one instance from one task or queue at a time.
public final class TUFClient {
    /// Where trusted metadata is kept.
    public let metadataDirectory: String
    /// The repository's metadata URL (or directory), ending in `/`.
    public let metadataBaseURL: String
    /// How files are downloaded.
    public let fetcher: any Fetcher
    /// Size and count limits.
    public let limits: TUFLimits
    /// Where the client reports what it fetched and trusted (new versions at `info`, root rotations at
    /// `notice`, each request at `debug`); failures are thrown, not logged.
    public let logger: Logger
    /// What the last ``refresh(now:)`` or ``downloadTarget(name:targetBaseURL:directory:now:)`` cost.
    public private(set) var statistics = TUFStatistics()

    var root: RootMetadata
    var timestamp: TimestampMetadata?
    var snapshot: SnapshotMetadata?
    /// Verified targets roles, with the keys they were verified against.
    var roles: [String: (metadata: TargetsMetadata, keys: RoleKeys)] = [:]
    /// Roles whose local file was already tried, so it is read from disk at most once.
    var localRolesTried = Set<String>()
    var refreshed = false

    /// Checks that `trustedRoot` is well-formed root metadata signed by a threshold of its own root keys (its
    /// expiry does not matter), and returns its version.
    @discardableResult
    public static func checkTrustedRoot(_ trustedRoot: [UInt8]) throws -> Int64 {
        let root = try RootMetadata(bytes: trustedRoot, name: "the trusted root")
        try root.envelope.verify(root.role("root"), name: "the trusted root (by its own root keys)")
        return root.version
    }

    /// Writes `trustedRoot` (the out-of-band root) as `root.json` in `metadataDirectory`, creating the
    /// directory. The root must be well formed and signed by a threshold of its own root keys; its expiry does
    /// not matter here.
    public static func initialize(metadataDirectory: String, trustedRoot: [UInt8]) throws {
        let root = try RootMetadata(bytes: trustedRoot, name: "the trusted root")
        try root.envelope.verify(root.role("root"), name: "the trusted root (by its own root keys)")
        if mkdir(metadataDirectory, 0o755) != 0, errno != EEXIST {
            throw TUFError(.io, "cannot create \(metadataDirectory): \(String(cString: strerror(errno)))")
        }
        try TUFError.mappingFileErrors { try AtomicFile.write(metadataDirectory + "/root.json", trustedRoot) }
    }

    /// Loads the trusted metadata from `metadataDirectory` (at least `root.json`, see
    /// ``initialize(metadataDirectory:trustedRoot:)``) and re-verifies it. Makes no request.
    public init(
        metadataDirectory: String, metadataBaseURL: String, fetcher: any Fetcher, limits: TUFLimits = TUFLimits(),
        logger: Logger = Logger(label: "wsc.tuf", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.logger = logger
        self.metadataDirectory = metadataDirectory
        self.metadataBaseURL = metadataBaseURL.hasSuffix("/") ? metadataBaseURL : metadataBaseURL + "/"
        self.fetcher = fetcher
        self.limits = limits
        guard
            let rootBytes = try TUFError.mappingFileErrors({
                try AtomicFile.read(metadataDirectory + "/root.json", limit: limits.maximumRootLength)
            })
        else {
            throw TUFError(.notFound, "\(metadataDirectory)/root.json does not exist; run `wscctl tuf init` first")
        }
        let root = try RootMetadata(bytes: rootBytes, name: "\(metadataDirectory)/root.json")
        statistics.signatureVerifications += try root.envelope.verify(
            root.role("root"), name: "\(metadataDirectory)/root.json (by its own root keys)")
        self.root = root
        // Local timestamp and snapshot: only rollback references, used if they verify (expiry ignored).
        if let bytes = try? AtomicFile.read(
            metadataDirectory + "/timestamp.json", limit: limits.maximumTimestampLength),
            let local = try? TimestampMetadata(bytes: bytes),
            let n = try? local.envelope.verify(root.role("timestamp"), name: "timestamp.json")
        {
            statistics.signatureVerifications += n
            timestamp = local
            if let bytes = try? AtomicFile.read(
                metadataDirectory + "/snapshot.json", limit: limits.maximumSnapshotLength),
                let local = try? SnapshotMetadata(bytes: bytes),
                let n = try? local.envelope.verify(root.role("snapshot"), name: "snapshot.json")
            {
                statistics.signatureVerifications += n
                snapshot = local
            }
        }
    }

    /// The trusted root's version.
    public var rootVersion: Int64 { root.version }
    /// The trusted timestamp's version, if any.
    public var timestampVersion: Int64? { timestamp?.version }
    /// The trusted snapshot's version, if any.
    public var snapshotVersion: Int64? { snapshot?.version }
    /// The trusted top-level targets version, if loaded.
    public var targetsVersion: Int64? { roles["targets"]?.metadata.version }

    // MARK: Refresh (spec 5.1 to 5.6.6)

    /// Updates root, timestamp, snapshot and top-level targets. `now` (Unix seconds) is the fixed update start
    /// time (spec 5.1) used for every expiry check. On failure, everything verified before the failing step
    /// stays trusted and persisted; nothing unverified is ever stored.
    @discardableResult
    public func refresh(now: Int64) throws -> TUFStatistics {
        statistics = TUFStatistics()
        refreshed = false
        try updateRoot(now: now)
        try updateTimestamp(now: now)
        try updateSnapshot(now: now)
        _ = try loadTargets(role: "targets", keys: root.role("targets"), now: now)
        refreshed = true
        return statistics
    }

    func updateRoot(now: Int64) throws {
        for _ in 0..<limits.maximumRootRotations {
            let next = root.version + 1
            let name = "\(next).root.json"
            let bytes: [UInt8]
            do {
                bytes = try fetch(name, maximumLength: limits.maximumRootLength)
            } catch let error as TUFError where error.code == .notFound {
                break
            }
            let new = try RootMetadata(bytes: bytes, name: name)
            statistics.signatureVerifications += try new.envelope.verify(
                root.role("root"), name: "\(name) (by the root keys of trusted root version \(root.version))")
            statistics.signatureVerifications += try new.envelope.verify(
                new.role("root"), name: "\(name) (by its own root keys)")
            guard new.version == next else {
                throw TUFError(.rollback, "\(name) holds root version \(new.version); expected exactly \(next)")
            }
            try persist("root.json", bytes)
            let old = root
            root = new
            logger.notice(
                "TUF root rotated to version \(new.version)",
                metadata: [
                    "tuf_role": "root", "tuf_version": "\(new.version)",
                    "tuf_repository": "\(Self.redacted(metadataBaseURL))",
                ])
            // 5.3.11 fast-forward recovery: new timestamp or snapshot keys void the old rollback references.
            if old.role("timestamp") != new.role("timestamp") || old.role("snapshot") != new.role("snapshot") {
                timestamp = nil
                snapshot = nil
                try remove("timestamp.json")
                try remove("snapshot.json")
            }
        }
        guard root.expires > now else {
            throw TUFError(
                .expired,
                "root version \(root.version) expired at \(RFC3339.format(root.expires)) (update time "
                    + "\(RFC3339.format(now))); the repository must publish a newer root")
        }
    }

    func updateTimestamp(now: Int64) throws {
        let bytes = try fetch("timestamp.json", maximumLength: limits.maximumTimestampLength)
        var current = timestamp
        if let trusted = timestamp, trusted.envelope.bytes == bytes {
            // Byte-identical to the verified file: nothing to verify or store.
        } else {
            let new = try TimestampMetadata(bytes: bytes)
            statistics.signatureVerifications += try new.envelope.verify(root.role("timestamp"), name: "timestamp.json")
            if let trusted = timestamp {
                guard new.version >= trusted.version else {
                    throw TUFError(
                        .rollback, "timestamp.json version \(new.version) is older than trusted \(trusted.version)")
                }
                if new.version > trusted.version {
                    guard new.snapshot.version >= trusted.snapshot.version else {
                        throw TUFError(
                            .rollback,
                            "timestamp.json version \(new.version) names snapshot \(new.snapshot.version), older than "
                                + "the trusted \(trusted.snapshot.version)")
                    }
                    current = new
                }
                // Same version: keep the trusted file (5.4.3.1), not an error.
            } else {
                current = new
            }
        }
        guard let current else { return }
        guard current.envelope.expires > now else {
            throw TUFError(
                .expired,
                "timestamp.json version \(current.version) expired at \(RFC3339.format(current.envelope.expires))"
                    + " (freeze attack or a stale mirror)")
        }
        if current.envelope.bytes != timestamp?.envelope.bytes {
            try persist("timestamp.json", current.envelope.bytes)
            timestamp = current
            logger.info(
                "TUF timestamp version \(current.version)",
                metadata: ["tuf_role": "timestamp", "tuf_version": "\(current.version)"])
        }
    }

    func updateSnapshot(now: Int64) throws {
        guard let meta = timestamp?.snapshot else { throw TUFError(.notFound, "no trusted timestamp") }
        if let trusted = snapshot, trusted.version == meta.version, trusted.envelope.expires > now { return }
        let name = root.consistentSnapshot ? "\(meta.version).snapshot.json" : "snapshot.json"
        let bytes = try fetch(name, maximumLength: min(meta.length ?? Int.max, limits.maximumSnapshotLength))
        try checkLengthAndHashes(bytes, length: meta.length, hashes: meta.hashes, name: name)
        let new = try SnapshotMetadata(bytes: bytes)
        statistics.signatureVerifications += try new.envelope.verify(root.role("snapshot"), name: name)
        guard new.version == meta.version else {
            throw TUFError(
                .mixAndMatch, "\(name) holds snapshot version \(new.version); the timestamp names \(meta.version)")
        }
        if let trusted = snapshot {
            for (file, old) in trusted.meta {
                guard let entry = new.meta[file] else {
                    throw TUFError(.rollback, "\(name) no longer lists \(file) (the trusted snapshot did)")
                }
                guard entry.version >= old.version else {
                    throw TUFError(
                        .rollback, "\(name) lists \(file) version \(entry.version), older than trusted \(old.version)")
                }
            }
        }
        guard new.envelope.expires > now else {
            throw TUFError(.expired, "\(name) expired at \(RFC3339.format(new.envelope.expires))")
        }
        try persist("snapshot.json", bytes)
        snapshot = new
        logger.info(
            "TUF snapshot version \(new.version)", metadata: ["tuf_role": "snapshot", "tuf_version": "\(new.version)"])
    }

    /// Loads a targets role pinned by the trusted snapshot (spec 5.6.1 to 5.6.6), verified with `keys`.
    func loadTargets(role: String, keys: RoleKeys, now: Int64) throws -> TargetsMetadata {
        guard let snapshot else { throw TUFError(.notFound, "no trusted snapshot") }
        let encoded = percentEncode(role)
        guard let meta = snapshot.meta["\(role).json"] else {
            throw TUFError(.notFound, "the snapshot does not list \(role).json, so it is not downloaded")
        }
        if let cached = roles[role], cached.metadata.version == meta.version, cached.metadata.envelope.expires > now {
            if cached.keys == keys { return cached.metadata }
            // Reached through another delegator: verify against this one's keys.
            if let n = try? cached.metadata.envelope.verify(keys, name: role) {
                statistics.signatureVerifications += n
                return cached.metadata
            }
        }
        if localRolesTried.insert(role).inserted,
            let bytes = try? AtomicFile.read(
                "\(metadataDirectory)/\(encoded).json", limit: min(meta.length ?? Int.max, limits.maximumTargetsLength)),
            let local = try? TargetsMetadata(bytes: bytes, name: role), local.version == meta.version,
            local.envelope.expires > now, let n = try? local.envelope.verify(keys, name: role)
        {
            statistics.signatureVerifications += n
            roles[role] = (local, keys)
            return local
        }
        let name = root.consistentSnapshot ? "\(meta.version).\(encoded).json" : "\(encoded).json"
        let bytes = try fetch(name, maximumLength: min(meta.length ?? Int.max, limits.maximumTargetsLength))
        try checkLengthAndHashes(bytes, length: meta.length, hashes: meta.hashes, name: name)
        let new = try TargetsMetadata(bytes: bytes, name: role)
        statistics.signatureVerifications += try new.envelope.verify(keys, name: name)
        guard new.version == meta.version else {
            throw TUFError(.mixAndMatch, "\(name) holds version \(new.version); the snapshot names \(meta.version)")
        }
        guard new.envelope.expires > now else {
            throw TUFError(.expired, "\(name) expired at \(RFC3339.format(new.envelope.expires))")
        }
        try persist("\(encoded).json", bytes)
        roles[role] = (new, keys)
        logger.info(
            "TUF targets role \(role) version \(new.version)",
            metadata: ["tuf_role": "\(role)", "tuf_version": "\(new.version)"])
        return new
    }

    // MARK: Targets (spec 5.6.7 and 5.7)

    /// Finds `name` by a pre-order depth-first search of the delegation graph. Refreshes first unless this
    /// instance has refreshed successfully.
    public func targetInfo(name: String, now: Int64) throws -> TargetFile {
        if !refreshed { try refresh(now: now) }
        var visited = Set<String>()
        var stack: [(role: String, keys: RoleKeys)] = [("targets", root.role("targets"))]
        while let (role, keys) = stack.popLast() {
            guard visited.count < limits.maximumDelegations else { break }
            guard visited.insert(role).inserted else { continue }
            let metadata = try loadTargets(role: role, keys: keys, now: now)
            if let target = metadata.targets[name] { return target }
            var children: [(String, RoleKeys)] = []
            for delegation in metadata.delegatedRoles(for: name) {
                children.append((delegation.name, delegation.keys))
                if delegation.terminating {
                    stack.removeAll()
                    break
                }
            }
            stack.append(contentsOf: children.reversed())
        }
        throw TUFError(.notFound, "no trusted targets metadata lists \(name)")
    }

    /// Downloads target `name` from `targetBaseURL` into `directory` (under its percent-encoded name) after
    /// checking its length and every hash. A local copy that already matches is not downloaded again; a file
    /// that fails the checks is never stored. Returns the path of the verified file.
    @discardableResult
    public func downloadTarget(name: String, targetBaseURL: String, directory: String, now: Int64) throws -> String {
        statistics = TUFStatistics()
        let info = try targetInfo(name: name, now: now)
        for algorithm in info.hashes.keys where !["sha256", "sha384", "sha512"].contains(algorithm) {
            throw TUFError(
                .lengthOrHashMismatch, "target \(name) lists hash algorithm \"\(algorithm)\", which is unsupported")
        }
        let local = "\(directory)/\(percentEncode(name))"
        if let existing = try? AtomicFile.read(local, limit: info.length),
            (try? checkLengthAndHashes(existing, length: info.length, hashes: info.hashes, name: name)) != nil
        {
            return local
        }
        var path = name
        if root.consistentSnapshot, let hash = info.hashes.sorted(by: { $0.key < $1.key }).first?.value {
            if let slash = name.lastIndex(of: "/") {
                path = "\(name[...slash])\(hash).\(name[name.index(after: slash)...])"
            } else {
                path = "\(hash).\(name)"
            }
        }
        let base = targetBaseURL.hasSuffix("/") ? targetBaseURL : targetBaseURL + "/"
        let bytes = try fetchCounted(base + path, maximumLength: info.length)
        try checkLengthAndHashes(bytes, length: info.length, hashes: info.hashes, name: "target \(name)")
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw TUFError(.io, "cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        try TUFError.mappingFileErrors { try AtomicFile.write(local, bytes) }
        statistics.filesWritten += 1
        logger.info(
            "TUF target \(name) downloaded (\(bytes.count) bytes, hashes verified)",
            metadata: ["tuf_target": "\(name)", "bytes": "\(bytes.count)"])
        return local
    }

    // MARK: I/O

    /// `url` as logs may show it: without user information (`user:token@`), query or fragment, which can carry
    /// credentials.
    static func redacted(_ url: String) -> String {
        let bytes = Array(url.utf8)
        let end = bytes.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        // The authority starts after "://" and ends at the next "/"; user information ends at its last "@".
        var start = 0
        for i in 0..<max(0, end - 2)
        where bytes[i] == UInt8(ascii: ":") && bytes[i + 1] == UInt8(ascii: "/") && bytes[i + 2] == UInt8(ascii: "/") {
            start = i + 3
            break
        }
        let authorityEnd = bytes[start..<end].firstIndex(of: UInt8(ascii: "/")) ?? end
        let at = start > 0 ? bytes[start..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) : nil
        let kept = at.map { Array(bytes[..<start]) + Array(bytes[($0 + 1)..<end]) } ?? Array(bytes[..<end])
        return String(decoding: kept, as: UTF8.self)
    }

    func fetch(_ name: String, maximumLength: Int) throws -> [UInt8] {
        try fetchCounted(metadataBaseURL + name, maximumLength: maximumLength)
    }

    func fetchCounted(_ url: String, maximumLength: Int) throws -> [UInt8] {
        statistics.requests += 1
        let bytes: [UInt8]
        do {
            bytes = try fetcher.fetch(url: url, maximumLength: maximumLength)
        } catch {
            logger.debug(
                "TUF fetch of \(Self.redacted(url)) failed: \(error)", metadata: ["url": "\(Self.redacted(url))"])
            throw error
        }
        logger.debug(
            "TUF fetched \(Self.redacted(url))", metadata: ["url": "\(Self.redacted(url))", "bytes": "\(bytes.count)"])
        statistics.bytesDownloaded += bytes.count
        return bytes
    }

    func persist(_ file: String, _ bytes: [UInt8]) throws {
        try TUFError.mappingFileErrors { try AtomicFile.write("\(metadataDirectory)/\(file)", bytes) }
        statistics.filesWritten += 1
    }

    func remove(_ file: String) throws {
        let path = "\(metadataDirectory)/\(file)"
        if unlink(path) == 0 {
            statistics.filesWritten += 1
            try TUFError.mappingFileErrors { try AtomicFile.syncDirectory(metadataDirectory) }
        } else if errno != ENOENT {
            throw TUFError(.io, "cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Percent-encodes everything but `A-Z a-z 0-9 _ . - ~` (Python's `quote(name, safe="")`), so a role or target
/// name can never leave its directory or add a query or fragment to a URL.
func percentEncode(_ name: String) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for b in name.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
            UInt8(ascii: "~"):
            out.append(b)
        default:
            out += [UInt8(ascii: "%"), digits[Int(b >> 4)], digits[Int(b & 15)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}
