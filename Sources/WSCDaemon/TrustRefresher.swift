@preconcurrency import Dispatch
import Synchronization
import TUF
import TrustStore
import WSCConfiguration
import WSCCrypto
import WSCFiles
import WSCJSON
import WSCPlatform

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Refreshes trust over TUF when online: on a timer (interval plus jitter, exponential backoff after failures),
/// never two at once, and on request. The TUF root is the one the active sealed bundle pins; the targets it names
/// are downloaded with every TUF check, and a trust bundle among them is installed through the same seal check as
/// `rotate`. Runs on its own queue: verification never waits on the network.
final class TrustRefresher: @unchecked Sendable {
    struct Report: Sendable {
        var lastAttempt: Int64?
        var lastSuccess: Int64?
        var lastError: String?
        var nextAttempt: Int64?
        var consecutiveFailures = 0
        var running = false
        var lastStatistics: String?
    }

    let config: DaemonConfiguration.TUF
    let core: DaemonCore
    let queue = DispatchQueue(label: "wscd.refresh")
    private let report = Mutex(Report())
    private var timer: DispatchSourceTimer?
    private var client: TUFClient?  // confined to `queue`
    private var clientRootDigest: String?

    var metadataDirectory: String { core.current.config.state.directory + "/tuf" }
    var targetsDirectory: String { core.current.config.state.directory + "/tuf-targets" }

    init(config: DaemonConfiguration.TUF, core: DaemonCore) {
        self.config = config
        self.core = core
    }

    var snapshot: Report { report.withLock { $0 } }

    /// Starts the schedule: a first refresh soon after start-up, then every interval.
    func start() {
        queue.async { [self] in schedule(after: 2) }
    }

    /// Runs a refresh now unless one is running; returns whether one was started.
    func trigger() -> Bool {
        let started = report.withLock { r -> Bool in
            guard !r.running else { return false }
            r.running = true
            return true
        }
        if started { queue.async { [self] in run() } }
        return started
    }

    private func schedule(after seconds: Double) {
        timer?.cancel()
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + seconds)
        t.setEventHandler { [self] in
            let go = report.withLock { r -> Bool in
                guard !r.running else { return false }
                r.running = true
                return true
            }
            if go { run() }
        }
        t.activate()
        timer = t
        report.withLock { $0.nextAttempt = Monotonic.wallSeconds() + Int64(seconds) }
    }

    /// One refresh, on `queue`.
    private func run() {
        let now = core.trust.trustedTime().now
        report.withLock { $0.lastAttempt = now }
        do {
            let statistics = try refreshOnce(now: now)
            report.withLock {
                $0.lastSuccess = now
                $0.lastError = nil
                $0.consecutiveFailures = 0
                $0.running = false
                $0.lastStatistics = statistics
            }
            let jitter = config.jitterSeconds > 0 ? Double.random(in: 0...Double(config.jitterSeconds)) : 0
            schedule(after: Double(config.intervalSeconds) + jitter)
        } catch {
            let failures = report.withLock { r -> Int in
                r.lastError = "\(error)"
                r.consecutiveFailures += 1
                r.running = false
                return r.consecutiveFailures
            }
            core.log.warning("trust refresh failed (offline is fine; verification goes on): \(error)")
            // Exponential backoff from 30 s, never longer than the interval; jitter spreads a fleet's retries.
            let backoff = min(Double(config.intervalSeconds), 30 * pow(2, Double(min(failures - 1, 16))))
            schedule(after: backoff * Double.random(in: 0.8...1.2))
        }
    }

    private func refreshOnce(now: Int64) throws -> String {
        guard let active = core.trust.active, let tuf = active.bundle.tuf else {
            throw DaemonError("the active trust bundle pins no TUF repository (its \"tuf\" field); nothing to refresh")
        }
        guard let metadataURL = config.metadataURL, let targetsURL = config.targetsURL else {
            throw DaemonError("[tuf] metadata_url and targets_url are not set")
        }
        let pinned = JSONWriter.encode(tuf.root)
        let pinnedDigest = Hex.encode(Digest.sha256(pinned))
        if client == nil || clientRootDigest != pinnedDigest {
            // A new pin (first start, or a bundle that pins another root) starts the TUF state over from it.
            try? removeTree(metadataDirectory)
            try makeDirectory(metadataDirectory)
            try TUFClient.initialize(metadataDirectory: metadataDirectory, trustedRoot: pinned)
            let fetcher: any Fetcher =
                metadataURL.hasPrefix("file://") || metadataURL.hasPrefix("/")
                ? FileFetcher()
                : CurlFetcher(
                    connectTimeout: min(10, config.timeoutSeconds), totalTimeout: config.timeoutSeconds,
                    pinnedPublicKey: config.pinnedPublicKey, proxy: config.proxy)
            client = try TUFClient(
                metadataDirectory: metadataDirectory, metadataBaseURL: metadataURL, fetcher: fetcher,
                logger: core.logSettings.logger(label: "wscd.tuf"))
            clientRootDigest = pinnedDigest
        }
        guard let client else { throw DaemonError("the TUF client could not start") }
        let statistics = try client.refresh(now: now)
        try makeDirectory(targetsDirectory)
        var notes: [String] = []
        for name in tuf.targets {
            let path = try client.downloadTarget(
                name: name, targetBaseURL: targetsURL, directory: targetsDirectory, now: now)
            guard let bytes = try AtomicFile.read(path, limit: SealCheck.maximumEnvelopeSize) else { continue }
            if name == tuf.sigstoreRootTarget {
                // The bundle opted in: this target is its Sigstore trust root. A bundle installed by this same
                // refresh may pin another repository; its own root comes with the next refresh.
                guard core.trust.active?.bundle.tuf?.pinDigest == tuf.pinDigest else {
                    notes.append("\(name): not applied, the trust bundle changed during this refresh")
                    continue
                }
                if try core.trust.applyFetchedSigstoreRoot(bytes, target: name, pinDigest: tuf.pinDigest) {
                    notes.append("applied \(name) as the Sigstore trust root")
                    core.log.notice(
                        "Sigstore trust root applied from TUF",
                        metadata: ["tuf_target": .string(name), "bundle_version": "\(active.version)"])
                }
            } else if let envelope = try? DSSEEnvelope(parsing: bytes, maximumSize: SealCheck.maximumEnvelopeSize),
                envelope.payloadType == TrustBundle.payloadType
            {
                // The same seal check as `rotate`: a bundle equal to the active one is a no-op.
                let before = core.trust.active?.version
                let sealed = try core.trust.install(bytes)
                if sealed.version != before {
                    notes.append("installed trust bundle version \(sealed.version) from \(name)")
                    core.log.notice(
                        "trust bundle rotated by TUF refresh", metadata: ["bundle_version": "\(sealed.version)"])
                    SystemdStatus.update(core)
                }
            } else {
                notes.append("\(name): verified, not a trust bundle (kept in \(targetsDirectory))")
            }
        }
        return "\(statistics)" + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
    }

    private func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw DaemonError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func removeTree(_ path: String) throws {
        guard let dir = opendir(path) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            unlink(path + "/" + name)
        }
        rmdir(path)
    }
}
