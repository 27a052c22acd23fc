import CWSCSys
@preconcurrency import Dispatch
import Logging
import Synchronization
import TrustStore
import WSCConfiguration
import WSCPlatform
import WSCProtocol

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The listening socket, the connections, signals, timers and the systemd protocol.
final class Server: @unchecked Sendable {
    struct Limits: Sendable {
        let maxConnections: Int
        let maxConnectionsPerUID: Int
        let reservedConnections: Int
        let maxFrameBytes: Int
        let maxRequestsInFlight: Int
        let idleTimeout: UInt64
        let readTimeout: UInt64
        let refusalLogInterval: UInt64
    }

    let core: DaemonCore
    let workers: WorkerPool
    let queue = DispatchQueue(label: "wscd.server")
    private let listenFD: Int32
    private let ownsSocketPath: String?
    private let connections = Mutex(ConnectionTable())
    private var refusals = RefusalLog()  // on `queue`
    private var sources: [any DispatchSourceProtocol] = []
    private var acceptSource: DispatchSourceRead?
    private var acceptSuspended = false
    private var draining = false
    /// The running configuration's limits: a reload (SIGHUP or the `reload` request) changes them for new work.
    var limits: Limits { core.limits }

    private let signalFD: Int32

    init(core: DaemonCore, listenFD: Int32, signalFD: Int32, ownsSocketPath: String?) {
        self.core = core
        self.signalFD = signalFD
        self.listenFD = listenFD
        self.ownsSocketPath = ownsSocketPath
        let config = core.current.config
        workers = WorkerPool(
            workers: config.server.workers == 0 ? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) : config.server.workers)
    }

    static func limits(_ config: DaemonConfiguration) -> Limits {
        Limits(
            maxConnections: config.server.maxConnections, maxConnectionsPerUID: config.server.maxConnectionsPerUID,
            reservedConnections: config.server.connectionsReserved, maxFrameBytes: config.server.maxFrameBytes,
            maxRequestsInFlight: config.server.maxRequestsInFlight,
            idleTimeout: UInt64(config.server.idleTimeoutSeconds) * 1_000_000_000,
            readTimeout: UInt64(config.server.readTimeoutSeconds) * 1_000_000_000,
            refusalLogInterval: UInt64(config.log.refusalIntervalSeconds) * 1_000_000_000)
    }

    var connectionCount: Int { connections.withLock { $0.count } }

    /// Starts accepting, installs signal handlers and timers, and tells systemd it is ready.
    func start() {
        queue.async { [self] in
            let accept = DispatchSource.makeReadSource(fileDescriptor: listenFD, queue: queue)
            accept.setEventHandler { [self] in acceptAll() }
            accept.activate()
            acceptSource = accept

            // Signals arrive through a signalfd (blocked in every thread since start-up), read like any descriptor:
            // no signal handlers run on arbitrary threads.
            let signals = DispatchSource.makeReadSource(fileDescriptor: signalFD, queue: queue)
            signals.setEventHandler { [self] in
                while true {
                    let sig = wsc_signalfd_next(signalFD)
                    guard sig > 0 else { break }
                    if sig == SIGHUP { reloadFromSignal() } else { beginDrain(sig == SIGTERM ? "SIGTERM" : "SIGINT") }
                }
            }
            signals.activate()
            sources.append(signals)

            let sweep = DispatchSource.makeTimerSource(queue: queue)
            sweep.schedule(deadline: .now() + 1, repeating: 1)
            sweep.setEventHandler { [self] in sweepConnections() }
            sweep.activate()
            sources.append(sweep)

            if let usec = SystemdActivation.watchdogMicroseconds() {
                // Ping at half the interval, from this queue, and only if a worker answers: a wedged pool stops the pings.
                let watchdog = DispatchSource.makeTimerSource(queue: queue)
                let interval = Double(usec) / 2_000_000
                watchdog.schedule(deadline: .now() + interval, repeating: interval)
                watchdog.setEventHandler { [self] in
                    workers.submit { SystemdNotifier.notify(["WATCHDOG": "1"]) }
                }
                watchdog.activate()
                sources.append(watchdog)
            }
            SystemdNotifier.notify(["READY": "1", "STATUS": SystemdStatus.text(core)])
            core.log.notice("ready", metadata: ["status": .string(SystemdStatus.text(core))])
        }
    }

    private func acceptAll() {
        while !draining {
            let fd = wsc_accept_nonblock(listenFD)
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EAGAIN, EWOULDBLOCK: return
                case EMFILE, ENFILE:
                    // Out of descriptors: pause accepting briefly instead of spinning.
                    core.log.warning("out of file descriptors; pausing accept for 100 ms")
                    pauseAccepting(for: 0.1)
                    return
                default:
                    core.log.error("accept failed: \(String(cString: strerror(errno)))")
                    return
                }
            }
            var pid: Int32 = 0
            var uid: UInt32 = 0
            var gid: UInt32 = 0
            guard wsc_peer_cred(fd, &pid, &uid, &gid) == 0 else {
                close(fd)
                continue
            }
            let peer = PeerCredentials(pid: pid, uid: uid, gid: gid)
            // Authorization comes before any slot is taken: a peer allowed nothing never holds one.
            let authorizer = core.current.authorizer
            guard authorizer.allowsAnything(peer) else {
                refuse(
                    fd, peer,
                    ProtocolError(
                        .notAuthorized,
                        "uid \(uid) (gid \(gid)) may not verify, sign or rotate on this wscd, so its connections are "
                            + "refused; an administrator can allow it in [authorization] of wscd.toml"))
                continue
            }
            let limits = self.limits
            let connection = Connection(fd: fd, peer: peer, server: self, maxFrame: limits.maxFrameBytes)
            let mayRotate = authorizer.allows(.rotate, peer)
            if let refusal = connections.withLock({ $0.admit(connection, mayRotate: mayRotate, limits: limits) }) {
                refuse(fd, peer, refusal)
                continue
            }
            core.stats.connectionOpened()
            connection.start()
        }
    }

    /// Answers a connection that is not admitted with one error frame saying why, and closes it. The frame fits
    /// in the empty socket buffer of a new connection; what the peer sent is left unread (the kernel drops it,
    /// and the peer reads the answer before the reset).
    private func refuse(_ fd: Int32, _ peer: PeerCredentials, _ error: ProtocolError) {
        let answer = Frame(header: Messages.failure(id: nil, error)).encoded()
        _ = answer.withUnsafeBytes { wsc_send_nosignal(fd, $0.baseAddress, $0.count) }
        close(fd)
        core.stats.error(error.code.rawValue)
        let limits = self.limits
        if let suppressed = refusals.refused(
            uid: peer.uid, reason: error.message, now: Monotonic.nanoseconds(), interval: limits.refusalLogInterval)
        {
            var metadata: Logger.Metadata = [
                "peer_uid": "\(peer.uid)", "peer_pid": "\(peer.pid)", "code": "\(error.code.rawValue)",
            ]
            if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
            let earlier = suppressed > 0 ? " (\(suppressed) earlier refusal(s) of this uid not logged)" : ""
            core.log.warning("connection refused: \(error.message)\(earlier)", metadata: metadata)
        }
    }

    /// Logs the refusals left unlogged for each uid whose interval has passed.
    private func reportRefusals(now: UInt64) {
        let interval = limits.refusalLogInterval
        for (uid, count, reason) in refusals.due(now: now, interval: interval) {
            core.log.warning(
                "\(count) more connection(s) from uid \(uid) refused in the last \(interval / 1_000_000_000) s: \(reason)",
                metadata: ["peer_uid": "\(uid)", "suppressed": "\(count)"])
        }
    }

    private func pauseAccepting(for seconds: Double) {
        guard let acceptSource, !acceptSuspended else { return }
        acceptSource.suspend()
        acceptSuspended = true
        queue.asyncAfter(deadline: .now() + seconds) { [self] in
            if acceptSuspended, !draining {
                acceptSuspended = false
                acceptSource.resume()
            }
        }
    }

    func remove(_ connection: Connection) {
        let removed = connections.withLock { $0.remove(connection) }
        if removed { core.stats.connectionClosed() }
        queue.async { [self] in if draining { exitIfDrained() } }
    }

    private func sweepConnections() {
        let now = Monotonic.nanoseconds()
        let limits = self.limits
        reportRefusals(now: now)
        for connection in connections.withLock({ Array($0.connections.values) }) {
            connection.sweep(now: now, idleNanoseconds: limits.idleTimeout, readNanoseconds: limits.readTimeout)
        }
    }

    private func reloadFromSignal() {
        do {
            let notes = try core.reload()
            let detail = notes.isEmpty ? "" : ": " + notes.joined(separator: "; ")
            core.log.notice("configuration reloaded (SIGHUP)\(detail)")
            SystemdNotifier.notify(["RELOADING": "0", "STATUS": SystemdStatus.text(core)])
        } catch {
            core.log.error("reload failed, keeping the running configuration: \(error)")
        }
    }

    /// SIGTERM: stop accepting, let every connection answer what it has in flight, then exit 0.
    private func beginDrain(_ why: String) {
        guard !draining else { return }
        draining = true
        SystemdNotifier.notify(["STOPPING": "1", "STATUS": "draining (\(why))"])
        core.log.notice("\(why): draining \(connectionCount) connection(s)")
        if let acceptSource {
            if acceptSuspended { acceptSource.resume() }
            acceptSource.cancel()
        }
        close(listenFD)
        if let ownsSocketPath { unlink(ownsSocketPath) }
        for connection in connections.withLock({ Array($0.connections.values) }) { connection.drain() }
        queue.asyncAfter(deadline: .now() + 10) { [self] in
            core.log.warning("drain deadline reached with \(connectionCount) connection(s) open; exiting")
            Server.terminate()
        }
        exitIfDrained()
    }

    private func exitIfDrained() {
        guard draining, connectionCount == 0 else { return }
        core.log.notice("drained; exiting")
        Server.terminate()
    }

    /// Ends the process with status 0 without running exit-time handlers: other threads of the runtime may still
    /// be starting or stopping, and the drain already flushed everything the daemon owes its clients.
    static func terminate() -> Never {
        fflush(stderr)
        _exit(0)
    }
}
