import CWSCSys
import Logging
import Sigstore
import Synchronization
import TrustStore
import WSCConfiguration
import WSCCrypto
import WSCJSON
import WSCPlatform
import WSCProtocol
import WasmSignatures

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// What the handlers share: configuration (swapped on reload), trust (swapped on rotate), the signing key,
/// counters. Every request reads immutable snapshots, so a verify finishes on the trust it started with.
final class DaemonCore: Sendable {
    struct Settings: Sendable {
        let config: DaemonConfiguration
        let authorizer: Authorizer
    }

    let configPath: String?
    let trust: TrustStore
    let signing: SigningService
    let stats = DaemonStats()
    /// Verifies of large modules by descriptor running now, per peer uid.
    let largeVerifies = LargeVerifySlots()
    /// Bytes of large frames and unanswered requests all connections together may hold.
    let budget: BufferBudget
    let startedAt: Int64
    private let settings: Mutex<Settings>
    /// The server's limits from the running configuration, kept apart from it: connections read them per frame.
    private let limitsBox: Mutex<Server.Limits>
    /// The TUF refresher, when [tuf] is enabled (set once at start-up).
    private let refresherBox = Mutex<TrustRefresher?>(nil)

    var refresher: TrustRefresher? {
        get { refresherBox.withLock { $0 } }
        set { refresherBox.withLock { $0 = newValue } }
    }

    /// The level and destination every logger of the process follows (a reload changes them in place).
    let logSettings: LogSettings
    /// The daemon's own logger.
    let log: Logger

    init(
        config: DaemonConfiguration, configPath: String?, trust: TrustStore, signing: SigningService,
        logSettings: LogSettings
    ) {
        self.configPath = configPath
        self.logSettings = logSettings
        self.log = logSettings.logger(label: "wscd")
        self.trust = trust
        self.signing = signing
        self.startedAt = Monotonic.wallSeconds()
        self.budget = BufferBudget(limit: BufferBudget.limit(config))
        limitsBox = Mutex(Server.limits(config))
        settings = Mutex(
            Settings(config: config, authorizer: Authorizer(config.authorization)))
    }

    var current: Settings { settings.withLock { $0 } }
    /// The running limits (``apply(_:)`` changes them for new connections and requests).
    var limits: Server.Limits { limitsBox.withLock { $0 } }

    /// The socket file wscd created and owns (not socket-activated), set once at start-up: a reload applies
    /// `socket_mode` and `socket_group` to it.
    private let ownedSocketBox = Mutex<String?>(nil)

    var ownedSocketPath: String? {
        get { ownedSocketBox.withLock { $0 } }
        set { ownedSocketBox.withLock { $0 = newValue } }
    }

    /// Re-reads the configuration file and applies every key it can: authorization, logging, the server's limits
    /// (for new connections and requests), `[signing] requests_per_minute`, and `socket_mode` / `socket_group` on
    /// a socket wscd created. Each key that needs a restart is named in the returned notes and keeps its running
    /// value, so a second reload names it again until wscd restarts. An invalid file changes nothing.
    func reload() throws -> [String] {
        guard let configPath else { return ["no configuration file: nothing to reload"] }
        return try apply(DaemonConfiguration.load(path: configPath))
    }

    /// Applies `fresh` against the running configuration (see ``reload()``).
    func apply(_ fresh: DaemonConfiguration) throws -> [String] {
        let running = current.config
        var effective = fresh
        var notes: [String] = []
        func restartOnly<T: Equatable>(_ key: String, _ path: WritableKeyPath<DaemonConfiguration, T>) {
            guard fresh[keyPath: path] != running[keyPath: path] else { return }
            notes.append("\(key) changed: it takes effect after a restart (systemctl restart wscd)")
            effective[keyPath: path] = running[keyPath: path]
        }
        restartOnly("[server] socket", \.server.socketPath)
        restartOnly("[server] workers", \.server.workers)
        restartOnly("[state] directory", \.state.directory)
        restartOnly("[state] seal_key", \.state.sealKeyPath)
        restartOnly("[state] require_existing", \.state.requireExisting)
        restartOnly("[trust] pinned_keys", \.trust.pinnedKeys)
        restartOnly("[trust] pinned_threshold", \.trust.pinnedThreshold)
        restartOnly("[trust] initial_bundle", \.trust.initialBundle)
        restartOnly("[signing] key", \.signing.keyPath)
        restartOnly("[signing] generate_if_missing", \.signing.generateIfMissing)
        restartOnly("[tuf] enabled", \.tuf.enabled)
        restartOnly("[tuf] metadata_url", \.tuf.metadataURL)
        restartOnly("[tuf] targets_url", \.tuf.targetsURL)
        restartOnly("[tuf] interval_seconds", \.tuf.intervalSeconds)
        restartOnly("[tuf] jitter_seconds", \.tuf.jitterSeconds)
        restartOnly("[tuf] timeout_seconds", \.tuf.timeoutSeconds)
        restartOnly("[tuf] proxy", \.tuf.proxy)
        restartOnly("[tuf] pinned_public_key", \.tuf.pinnedPublicKey)

        let socketChanged =
            fresh.server.socketMode != running.server.socketMode
            || fresh.server.socketGroup != running.server.socketGroup
        if socketChanged {
            if let path = ownedSocketPath {
                try DaemonCore.applySocketPermissions(
                    path, mode: fresh.server.socketMode, group: fresh.server.socketGroup)
            } else {
                restartOnly("[server] socket_mode", \.server.socketMode)
                restartOnly("[server] socket_group", \.server.socketGroup)
                notes.append(
                    "the socket was passed by systemd: set SocketMode= and SocketGroup= in wscd.socket, then restart wscd.socket and wscd"
                )
            }
        }
        signing.requestsPerMinute = effective.signing.requestsPerMinute
        limitsBox.withLock { $0 = Server.limits(effective) }
        settings.withLock {
            $0 = Settings(config: effective, authorizer: Authorizer(effective.authorization))
        }
        logSettings.update(level: effective.log.level, format: effective.log.format)
        budget.setLimit(BufferBudget.limit(fresh))
        return notes
    }

    /// Gives the socket file `path` its group (when set) and mode.
    static func applySocketPermissions(_ path: String, mode: UInt32, group: String?) throws {
        if let group {
            let gid: gid_t
            if let numeric = UInt32(group) {
                gid = numeric
            } else if let entry = getgrnam(group) {
                gid = entry.pointee.gr_gid
            } else {
                throw DaemonError("socket_group \(group) does not exist: create the group or fix [server] socket_group")
            }
            guard chown(path, UInt32.max, gid) == 0 else {
                throw DaemonError("cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
            }
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            throw DaemonError(
                "cannot set the mode of \(path) to \(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
        }
    }

    // MARK: Requests

    /// Handles one request; never throws: failures become error responses. `streamed`: the module's part hashes,
    /// computed while an inline verify's body arrived.
    func handle(_ frame: Frame, peer: PeerCredentials, passedFD: Int32?, streamed: StreamedParts? = nil) -> Frame {
        let started = Monotonic.nanoseconds()
        defer { if let passedFD { close(passedFD) } }
        let id = Messages.id(of: frame.header)
        do {
            let (requestID, op) = try Messages.parseRequest(frame.header)
            stats.request(op.rawValue)
            let (result, body) = try dispatch(
                op, frame: frame, peer: peer, passedFD: passedFD, requestID: requestID, started: started,
                streamed: streamed)
            return Frame(header: Messages.success(id: requestID, result: result), body: body)
        } catch let error as ProtocolError {
            stats.error(error.code.rawValue)
            if error.code == .notAuthorized {
                log.warning(
                    "denied: \(error.message)",
                    metadata: [
                        "request_id": .string(id.map(String.init) ?? "-"), "peer_uid": "\(peer.uid)",
                        "peer_pid": "\(peer.pid)",
                    ])
            }
            return Frame(header: Messages.failure(id: id, error))
        } catch {
            stats.error("internal")
            log.error("request failed: \(error)", metadata: ["request_id": .string(id.map(String.init) ?? "-")])
            return Frame(header: Messages.failure(id: id, ProtocolError(.internalError, "\(error)")))
        }
    }

    func require(_ right: Authorizer.Right, _ peer: PeerCredentials) throws {
        guard current.authorizer.allows(right, peer) else {
            throw ProtocolError(
                .notAuthorized, "peer \(peer) may not \(right.rawValue); see [authorization] in wscd.toml")
        }
    }

    func dispatch(
        _ op: Operation, frame: Frame, peer: PeerCredentials, passedFD: Int32?, requestID: Int64, started: UInt64,
        streamed: StreamedParts? = nil
    )
        throws -> (JSONObject, [UInt8])
    {
        switch op {
        case .hello:
            return (try hello(frame.header), [])
        case .status:
            try require(.verify, peer)
            return (try status(), [])
        case .verify:
            try require(.verify, peer)
            return (
                try verify(
                    frame, peer: peer, passedFD: passedFD, requestID: requestID, started: started, streamed: streamed),
                []
            )
        case .sign:
            try require(.sign, peer)
            return try sign(frame, peer: peer, passedFD: passedFD)
        case .rotate:
            try require(.rotate, peer)
            return (try rotate(frame, peer: peer), [])
        case .refresh:
            try require(.rotate, peer)
            guard let refresher else {
                throw ProtocolError(
                    .badRequest, "TUF refresh is not enabled: set [tuf] enabled = true and its URLs in wscd.toml")
            }
            let started = refresher.trigger()
            return (try JSONObject([("started", .bool(started)), ("alreadyRunning", .bool(!started))]), [])
        case .reload:
            try require(.rotate, peer)
            do {
                let notes = try reload()
                log.notice("configuration reloaded", metadata: ["peer_uid": "\(peer.uid)"])
                return (try JSONObject([("reloaded", .bool(true)), ("notes", .array(notes.map { .string($0) }))]), [])
            } catch {
                throw ProtocolError(.badRequest, "the configuration was not reloaded: \(error)")
            }
        }
    }

    func hello(_ header: JSONObject) throws -> JSONObject {
        var offered: [Int64] = [1]
        if case .array(let list) = header["versions"] ?? .null {
            offered = list.compactMap { if case .integer(let v) = $0 { return v } else { return nil } }
        }
        guard let version = offered.filter({ Frame.supportedVersions.contains($0) }).max() else {
            throw ProtocolError(
                .unsupportedVersion,
                "this wscd speaks protocol version(s) \(Frame.supportedVersions); offered \(offered)")
        }
        let config = current.config
        return try JSONObject([
            ("version", .integer(version)), ("server", .string("wscd \(DaemonInfo.version)")),
            ("maxFrameBytes", .integer(Int64(config.server.maxFrameBytes))),
            ("maxRequestsInFlight", .integer(Int64(config.server.maxRequestsInFlight))),
            ("operations", .array(Operation.allCases.map { .string($0.rawValue) })),
        ])
    }

    /// The module and optional detached signature of a verify or sign request: inline in the body, or read from
    /// a descriptor passed with SCM_RIGHTS.
    /// With `hashing` (verify), a module read from a descriptor comes with its part hashes, computed chunk by chunk
    /// as it was read.
    func moduleBytes(_ frame: Frame, passedFD: Int32?, hashing: Bool = false) throws -> (
        module: [UInt8], signature: [UInt8]?, streamed: StreamedParts?
    ) {
        var signatureLength = 0
        if let value = frame.header["signatureLength"] {
            guard case .integer(let n) = value, n >= 0, n <= ParseLimits.default.maximumSignatureDataSize else {
                throw ProtocolError(
                    .badRequest,
                    "signatureLength must be an integer from 0 to \(ParseLimits.default.maximumSignatureDataSize)")
            }
            signatureLength = Int(n)
        }
        var usesFD = false
        if case .bool(true) = frame.header["fd"] ?? .null { usesFD = true }
        if usesFD {
            guard let passedFD else {
                throw ProtocolError(
                    .badRequest, "\"fd\": true but no descriptor came with the frame (send it with SCM_RIGHTS)")
            }
            // The answer to a sign carries the module, so a module to sign is bounded by the frame size.
            let (module, streamed) = try ModuleReader.read(
                fd: passedFD, limit: min(ParseLimits.default.maximumModuleSize, current.config.server.maxFrameBytes),
                hashing: hashing)
            guard signatureLength <= frame.body.count else {
                throw ProtocolError(.badRequest, "signatureLength exceeds the body")
            }
            return (module, signatureLength > 0 ? Array(frame.body.suffix(signatureLength)) : nil, streamed)
        }
        guard signatureLength <= frame.body.count else {
            throw ProtocolError(.badRequest, "signatureLength exceeds the body")
        }
        if signatureLength == 0 { return (frame.body, nil, nil) }
        return (
            Array(frame.body.prefix(frame.body.count - signatureLength)), Array(frame.body.suffix(signatureLength)), nil
        )
    }

    func verify(
        _ frame: Frame, peer: PeerCredentials, passedFD: Int32?, requestID: Int64, started: UInt64,
        streamed: StreamedParts? = nil
    ) throws -> JSONObject {
        // The request's fields and body layout are WSCProtocol's (VerifyRequest), shared with WSCClient.
        let verifyRequest = try VerifyRequest(header: frame.header)
        let request = RequestPolicy(verifyRequest)
        guard let snapshot = trust.active else {
            throw ProtocolError(
                .noTrust, "no trust bundle is installed; install one with `wscctl rotate --bundle FILE`")
        }
        if let problem = BundleVerifier.requestProblem(request, bundle: snapshot.bundle) {
            throw ProtocolError(.badRequest, problem)
        }
        let parts = try verifyRequest.split(frame.body)
        let verdict: TrustVerdict
        if let module = parts.module {
            stats.hashing(streamed == nil ? "afterArrival" : "whileArriving")
            verdict = BundleVerifier.verify(
                moduleBytes: module, detachedSignature: parts.signature, sigstoreBundle: parts.sigstoreBundle,
                trust: snapshot, request: request, time: trust.trustedTime(), streamed: streamed)
        } else {
            verdict = try verifyDescriptor(
                passedFD, peer: peer, signature: parts.signature, sigstoreBundle: parts.sigstoreBundle,
                request: request, snapshot: snapshot)
        }
        // A verified log integration time is signed evidence of the time: later verdicts and rotations use it.
        if let evidenceTime = verdict.evidenceTime { trust.observe(evidenceTime: evidenceTime) }
        // The verification's own hashing gives the content digest: no second pass over the module.
        let digest = verdict.contentDigest.map(Hex.encode) ?? "-"
        let micros = Double(Monotonic.nanoseconds() - started) / 1000
        stats.latency(microseconds: micros)
        stats.verdict(verdict.valid ? "valid" : "invalid")
        log.info(
            verdict.valid ? "verified" : "refused",
            metadata: [
                "request_id": "\(requestID)", "peer_uid": "\(peer.uid)", "peer_pid": "\(peer.pid)",
                "verdict": .string(verdict.valid ? "valid" : "invalid"),
                "verdict_code": .string(verdict.code?.rawValue ?? "-"), "module_digest": .string(digest),
                "bundle_version": "\(snapshot.version)", "rule": .string(verdict.rule ?? "-"),
            ])
        return verdict.json(request: request)
    }

    /// A verify whose module comes as a descriptor: read once in chunks and hashed as it is read, never held
    /// whole (``ModuleReader/digests(fd:size:evidence:fileDigest:)``). The body holds only the detached
    /// evidence: a wasmsig signature (`signatureLength`) and, at its end, a Sigstore bundle
    /// (`sigstoreBundleLength`). A module over `[server] large_verify_bytes` takes one of the peer uid's
    /// `max_large_verifies_per_uid` slots for the read, or is refused with `busy`.
    func verifyDescriptor(
        _ passedFD: Int32?, peer: PeerCredentials, signature: [UInt8]?, sigstoreBundle: [UInt8]?,
        request: RequestPolicy, snapshot: SealedTrustBundle
    ) throws -> TrustVerdict {
        guard let passedFD else {
            throw ProtocolError(
                .badRequest, "\"fd\": true but no descriptor came with the frame (send it with SCM_RIGHTS)")
        }
        let size = try ModuleReader.size(fd: passedFD, limit: ParseLimits.default.maximumModuleSize)
        let server = current.config.server
        let large = size > server.largeVerifyBytes
        if large {
            try largeVerifies.acquire(
                peer.uid, limit: server.maxLargeVerifiesPerUID, threshold: server.largeVerifyBytes)
        }
        defer { if large { largeVerifies.release(peer.uid) } }
        let digests = try ModuleReader.digests(
            fd: passedFD, size: size, evidence: request.evidence, fileDigest: sigstoreBundle != nil)
        stats.hashing("whileArriving")
        return BundleVerifier.verify(
            digests: digests, detachedSignature: signature, sigstoreBundle: sigstoreBundle, trust: snapshot,
            request: request, time: trust.trustedTime())
    }

    func sign(_ frame: Frame, peer: PeerCredentials, passedFD: Int32?) throws -> (JSONObject, [UInt8]) {
        if case .bool(true) = frame.header["keyless"] ?? .null {
            throw ProtocolError(
                .signingUnavailable,
                "keyless signing needs Fulcio and Rekor, and no transparency log is configured; offline signing uses the daemon's key (omit \"keyless\")"
            )
        }
        var sigstoreBundle = false
        if let format = frame.header["format"] {
            switch format {
            case .string("wasmsig"): break
            case .string("sigstore-bundle"): sigstoreBundle = true
            default:
                throw ProtocolError(.badRequest, "format must be \"wasmsig\" or \"sigstore-bundle\"")
            }
        }
        guard signing.admit(peer.uid, now: Double(Monotonic.nanoseconds()) / 1e9) else {
            throw ProtocolError(
                .rateLimited,
                "more than \(signing.requestsPerMinute) sign requests per minute from uid \(peer.uid); retry later")
        }
        let key = try signing.keyForSigning()
        var detached = false
        if case .bool(true) = frame.header["detached"] ?? .null { detached = true }
        let (bytes, _, _) = try moduleBytes(frame, passedFD: passedFD)
        if sigstoreBundle {
            let bundle: [UInt8]
            do {
                bundle = try SigstoreBundleWriter.bundle(artifact: bytes, key: key)
            } catch let error as CryptoError {
                throw signing.signingFailed(error)
            }
            log.info("signed (Sigstore bundle)", metadata: ["peer_uid": "\(peer.uid)"])
            return (
                try JSONObject([
                    ("keyId", .string(Hex.encode(key.publicKey.wasmsigKeyID ?? []))),
                    ("format", .string("sigstore-bundle")),
                ]), bundle
            )
        }
        guard key.type == .ed25519 else {
            throw ProtocolError(
                .badRequest,
                "wscd's signing key is \(key.type) (\(signing.location)): wasmsig signatures need Ed25519; ask for a "
                    + "Sigstore bundle instead (wscctl sign --daemon --sigstore-bundle FILE)")
        }
        let module: WasmModule
        do {
            module = try WasmModule(bytes: bytes)
        } catch let error as WasmSignatureError {
            throw ProtocolError(.badModule, error.reason)
        }
        let keyID = key.publicKey.wasmsigKeyID
        do {
            let out = try WasmSigner.sign(module: module, key: key, keyID: keyID, detached: detached)
            log.info("signed", metadata: ["peer_uid": "\(peer.uid)", "key_id": .string(Hex.encode(keyID ?? []))])
            return (
                try JSONObject([("keyId", .string(Hex.encode(keyID ?? []))), ("detached", .bool(detached))]),
                detached ? out.signatureData : out.module
            )
        } catch let error as WasmSignatureError {
            throw ProtocolError(.badModule, error.reason)
        } catch let error as CryptoError {
            throw signing.signingFailed(error)
        }
    }

    func rotate(_ frame: Frame, peer: PeerCredentials) throws -> JSONObject {
        guard case .string(let target) = frame.header["target"] ?? .null else {
            throw ProtocolError(.badRequest, "rotate needs \"target\": \"bundle\" or \"signingKey\"")
        }
        switch target {
        case "bundle":
            let dropTUF: Bool
            switch frame.header["dropTuf"] ?? .bool(false) {
            case .bool(let b): dropTUF = b
            default: throw ProtocolError(.badRequest, "rotate's \"dropTuf\" must be true or false")
            }
            do {
                let sealed = try trust.install(frame.body, allowDroppingTUF: dropTUF)
                // The memory of the old bundle and the parse buffers is returned by the connection's hand-off
                // (Connection.swift), at the daemon's priority: this thread runs at nice +10.
                log.notice(
                    "trust bundle rotated",
                    metadata: ["bundle_version": "\(sealed.version)", "peer_uid": "\(peer.uid)"])
                SystemdStatus.update(self)
                return try JSONObject([
                    ("version", .integer(Int64(clamping: sealed.version))), ("digest", .string(sealed.digestHex)),
                    ("validity", .string(sealed.bundle.validity(at: trust.trustedTime().now).summary)),
                ])
            } catch let error as TrustStoreError {
                log.warning("rotate refused: \(error.reason)", metadata: ["peer_uid": "\(peer.uid)"])
                throw ProtocolError(.rotateRefused, error.reason)
            }
        case "signingKey":
            let (keyID, retired) = try signing.rotate(now: Monotonic.wallSeconds())
            log.notice("signing key rotated", metadata: ["key_id": .string(keyID), "peer_uid": "\(peer.uid)"])
            return try JSONObject([("keyId", .string(keyID)), ("retired", .array(retired.map { .string($0.keyID) }))])
        default:
            throw ProtocolError(.badRequest, "rotate target must be \"bundle\" or \"signingKey\", not \"\(target)\"")
        }
    }

    func status() throws -> JSONObject {
        let time = trust.trustedTime()
        let s = stats.snapshot
        var bundle: JSONValue = .null
        if let active = trust.active {
            let validity = active.bundle.validity(at: time.now)
            bundle = .object(
                try JSONObject([
                    ("version", .integer(Int64(clamping: active.version))), ("digest", .string(active.digestHex)),
                    ("expires", .string(RFC3339.format(active.bundle.expires))),
                    ("daysLeft", .integer((active.bundle.expires - time.now) / 86400)),
                    ("validity", .string(validity.summary)),
                    ("usable", .bool(validity.isUsable)),
                    ("publishers", .integer(Int64(active.bundle.publishers.count))),
                    ("sigstoreRoot", .string(Self.sigstoreRootSource(active))),
                ]))
        }
        var latency: JSONValue = .null
        if let p = stats.percentiles() {
            latency = .object(
                try JSONObject([
                    ("p50", .integer(Int64(p.p50))), ("p90", .integer(Int64(p.p90))), ("p99", .integer(Int64(p.p99))),
                ]))
        }
        func counts(_ d: [String: Int]) throws -> JSONValue {
            .object(try JSONObject(d.map { ($0.key, .integer(Int64($0.value))) }))
        }
        let key = signing.key
        let buffered = budget.usage
        return try JSONObject([
            ("server", .string("wscd \(DaemonInfo.version)")),
            ("bundle", bundle),
            ("counter", trust.state.map { .integer(Int64(clamping: $0.counter)) } ?? .null),
            ("stateSealed", .bool(trust.directory.isSealed)),
            ("firstBootAt", trust.state?.firstBootAt.map { .string(RFC3339.format($0)) } ?? .null),
            ("rollbackCounter", try rollbackCounterStatus()),
            ("timeFloor", .string(RFC3339.format(time.floor))), ("trustedTime", .string(RFC3339.format(time.now))),
            ("clockReliable", .bool(time.clockReliable)),
            ("clockSynchronized", time.clockSynchronized.map { .bool($0) } ?? .null),
            ("timeSource", .string(time.onEvidenceTime ? "evidence" : "clock")),
            ("signingKeyId", key.flatMap { $0.publicKey.wasmsigKeyID }.map { .string(Hex.encode($0)) } ?? .null),
            ("signingPublicKey", key.map { .string($0.publicKey.pem) } ?? .null),
            ("signingKeySource", .string(signing.location)),
            ("signingKeyType", key.map { .string("\($0.type)") } ?? .null),
            ("signingKeyError", signing.lastError.map { .string($0) } ?? .null),
            ("retiredKeyIds", .array(signing.retired.map { .string($0.keyID) })),
            ("uptimeSeconds", .integer(Monotonic.wallSeconds() - startedAt)),
            (
                "connections",
                .object(
                    try JSONObject([
                        ("open", .integer(Int64(s.connectionsOpen))), ("total", .integer(Int64(s.connectionsTotal))),
                    ]))
            ),
            (
                "bufferedBytes",
                .object(
                    try JSONObject([
                        ("used", .integer(Int64(buffered.used))), ("limit", .integer(Int64(buffered.limit))),
                        ("waiting", .integer(Int64(buffered.waiting))),
                    ]))
            ),
            ("requests", try counts(s.requests)), ("verdicts", try counts(s.verdicts)),
            ("errors", try counts(s.errors)), ("verifyHashing", try counts(s.hashing)),
            ("verifyLatencyMicroseconds", latency),
            ("lastRefresh", try refreshStatus()),
        ])
    }

    /// The hardware anti-rollback counter as `status` shows it: the value the state was committed at, the TPM's
    /// value now, and whether they agree ("current"), or why not.
    func rollbackCounterStatus() throws -> JSONValue {
        guard let counter = trust.directory.counter else { return .string("none") }
        let recorded = trust.state?.tpmCounter
        var members: [(String, JSONValue)] = [
            ("name", .string(counter.name)),
            ("stateValue", recorded.map { .integer(Int64(clamping: $0)) } ?? .null),
        ]
        do {
            let value = try counter.read()
            members.append(("tpmValue", value.map { .integer(Int64(clamping: $0)) } ?? .null))
            let verdict: String
            switch (recorded, value) {
            case (let r?, let v?) where r == v: verdict = "current"
            case (let r?, let v?) where r < v: verdict = "stale: the TPM moved past this state (see docs/operations.md)"
            case (nil, nil): verdict = "not used yet (the next install records it)"
            default: verdict = "mismatch: the TPM does not match this state (see docs/operations.md)"
            }
            members.append(("state", .string(verdict)))
        } catch let error as TrustStoreError {
            members.append(("tpmValue", .null))
            members.append(("state", .string("unavailable: \(error.reason)")))
        }
        return .object(try JSONObject(members))
    }

    /// Where keyless verification takes its Sigstore trust root from: `none`, `embedded`, or
    /// `tuf:TARGET sha256:HEX` once a refresh applied the target the bundle opts in to.
    static func sigstoreRootSource(_ active: SealedTrustBundle) -> String {
        if let fetched = active.fetchedSigstoreRoot { return "tuf:\(fetched.target) sha256:\(fetched.sha256)" }
        return active.bundle.sigstoreRoot == nil ? "none" : "embedded"
    }

    func refreshStatus() throws -> JSONValue {
        guard let refresher else { return .null }
        let r = refresher.snapshot
        func time(_ t: Int64?) -> JSONValue { t.map { .string(RFC3339.format($0)) } ?? .null }
        return .object(
            try JSONObject([
                ("lastAttempt", time(r.lastAttempt)), ("lastSuccess", time(r.lastSuccess)),
                ("lastError", r.lastError.map { .string($0) } ?? .null), ("nextAttempt", time(r.nextAttempt)),
                ("consecutiveFailures", .integer(Int64(r.consecutiveFailures))), ("running", .bool(r.running)),
                ("lastResult", r.lastStatistics.map { .string($0) } ?? .null),
            ]))
    }

    func stringList(_ header: JSONObject, _ key: String) throws -> [String] {
        guard let value = header[key] else { return [] }
        guard case .array(let list) = value, list.count <= 256 else {
            throw ProtocolError(.badRequest, "\(key) must be a list of at most 256 names")
        }
        return try list.map {
            guard case .string(let s) = $0 else { throw ProtocolError(.badRequest, "\(key) must hold strings") }
            return s
        }
    }
}

/// How many large verifies (modules by descriptor over `[server] large_verify_bytes`) each uid runs now. Held
/// only to count.
final class LargeVerifySlots: Sendable {
    private let running = Mutex<[UInt32: Int]>([:])

    /// Takes a slot for `uid`, or throws `busy` when it already holds `limit`.
    func acquire(_ uid: UInt32, limit: Int, threshold: Int) throws {
        let taken = running.withLock { counts -> Bool in
            guard counts[uid, default: 0] < limit else { return false }
            counts[uid, default: 0] += 1
            return true
        }
        guard taken else {
            throw ProtocolError(
                .busy,
                "uid \(uid) already runs \(limit) verif\(limit == 1 ? "y" : "ies") of modules over \(threshold) bytes by descriptor, the limit set by [server] max_large_verifies_per_uid; retry when one has finished"
            )
        }
    }

    func release(_ uid: UInt32) {
        running.withLock { counts in
            let left = counts[uid, default: 1] - 1
            counts[uid] = left > 0 ? left : nil
        }
    }
}

enum DaemonInfo {
    static let version = "0.1.0"
}
