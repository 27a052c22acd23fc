import CWSCSys
import Dispatch
import Logging
import TrustStore
import WSCConfiguration
import WSCCrypto
import WSCFiles
import WSCJSON
import WSCPlatform
import WSCTPM

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// wscd's entry point: parse arguments, load configuration and trust, bind (or adopt) the socket, serve.
public enum DaemonMain {
    static let usage = """
        usage: wscd [--config FILE] [--check-config] [--version]
          --config FILE     configuration (default /etc/wscd/wscd.toml)
          --check-config    validate the configuration, keys and state directory, then exit (0 = valid)
        """

    /// Runs the daemon; returns only on a start-up failure (the exit status to use).
    public static func run(_ arguments: [String]) -> Int32 {
        // SIGTERM, SIGINT and SIGHUP keep their default action (end the process) through start-up, so that a
        // start-up stuck on a bad file can always be stopped; they are blocked and read from a signalfd only
        // once start-up is done, still before any thread exists (just before the socket is set up).
        signal(SIGPIPE, SIG_IGN)
        var configPath = "/etc/wscd/wscd.toml"
        var checkOnly = false
        var index = 1
        while index < arguments.count {
            switch arguments[index] {
            case "--config":
                guard index + 1 < arguments.count else { return fail("--config needs a FILE\n\(usage)", status: 2) }
                configPath = arguments[index + 1]
                index += 1
            case "--check-config": checkOnly = true
            case "--version":
                print("wscd \(DaemonInfo.version)")
                return 0
            case "--help", "-h":
                print(usage)
                return 0
            default:
                return fail("unknown argument \(arguments[index])\n\(usage)", status: 2)
            }
            index += 1
        }

        let config: DaemonConfiguration
        do {
            config = try DaemonConfiguration.load(path: configPath)
        } catch {
            return fail("\(error)", status: 2)
        }
        let logSettings = LogSettings(identifier: "wscd", level: config.log.level, format: config.log.format)
        let log = logSettings.logger(label: "wscd")
        // Before any key is read: no core dumps of this process, no ptrace by other processes of its user.
        if wsc_set_dumpable(0) != 0 {
            log.warning("cannot mark wscd non-dumpable (prctl PR_SET_DUMPABLE): \(String(cString: strerror(errno)))")
        }

        let trust: TrustStore
        let signing: SigningService
        do {
            trust = try openTrust(config, logSettings: logSettings, checkOnly: checkOnly)
            signing = try SigningService(
                configuredPath: config.signing.keyPath,
                tokenSettings: TokenSettings(
                    pkcs11Module: config.signing.pkcs11Module, tpm2TCTI: config.signing.tpm2TCTI),
                stateDirectory: config.state.directory,
                generateIfMissing: config.signing.generateIfMissing && !checkOnly,
                requestsPerMinute: config.signing.requestsPerMinute)
        } catch let error as TrustStoreError {
            return fail("trust state: \(error.reason)", status: 1)
        } catch let error as FileError {
            return fail("trust state: \(error.reason)", status: 1)
        } catch {
            return fail("\(error)", status: 1)
        }
        if checkOnly {
            print("\(configPath): configuration valid")
            if let active = trust.active {
                print(
                    "trust bundle version \(active.version): \(active.bundle.validity(at: trust.trustedTime().now).summary)"
                )
            } else {
                print("no trust bundle installed yet")
            }
            if signing.key != nil {
                print("signing key: \(signing.location), loaded from \(signing.source)")
            } else if let error = signing.lastError {
                print("signing key: \(signing.location) \(signing.source) unavailable: \(error)")
            } else {
                print("signing key: none")
            }
            let time = trust.trustedTime()
            print("trusted time: \(RFC3339.format(time.now)) (\(time.sourceDescription))")
            return 0
        }

        // Before any thread exists: block the termination signals everywhere and read them from a signalfd.
        let signalFD = wsc_termination_signalfd()
        guard signalFD >= 0 else {
            return fail("cannot set up signal handling: \(String(cString: strerror(errno)))", status: 1)
        }

        var ownsPath: String?
        var socketLock: LockFile?
        let listenFD: Int32
        if let activated = SystemdActivation.listeningSocket() {
            guard wsc_set_nonblock_cloexec(activated) == 0 else {
                return fail("cannot configure the activated socket", status: 1)
            }
            listenFD = activated
            log.info("using the socket passed by systemd")
        } else {
            let path = config.server.socketPath
            do {
                socketLock = try SocketOwnership.claim(path)
            } catch let error as DaemonError {
                return fail(error.description, status: 1)
            } catch let error as FileError {
                return fail("\(error.reason)", status: 1)
            } catch {
                return fail("\(error)", status: 1)
            }
            let fd = wsc_unix_listen(path, config.server.socketMode, 512)
            guard fd >= 0 else {
                return fail(
                    "cannot listen on \(path): \(String(cString: strerror(errno))) (is another wscd running? is the directory there?)",
                    status: 1)
            }
            if config.server.socketGroup != nil {
                // The same code a reload uses: a group name or a numeric gid, then the mode again.
                do {
                    try DaemonCore.applySocketPermissions(
                        path, mode: config.server.socketMode, group: config.server.socketGroup)
                } catch {
                    return fail("\(error)", status: 1)
                }
            }
            listenFD = fd
            ownsPath = path
            log.info("listening on \(path)")
        }

        // Loading a large bundle leaves freed parse buffers in the heap: give them back before serving.
        wsc_release_free_memory()
        let core = DaemonCore(
            config: config, configPath: configPath, trust: trust, signing: signing, logSettings: logSettings)
        core.ownedSocketPath = ownsPath
        if config.tuf.enabled {
            let refresher = TrustRefresher(config: config.tuf, core: core)
            core.refresher = refresher
            refresher.start()
        }
        let server = Server(core: core, listenFD: listenFD, signalFD: signalFD, ownsSocketPath: ownsPath)
        server.start()
        // Park the main thread: the server runs on its own queues, and the main thread keeps the signals blocked.
        // The socket's lock lives as long as the process.
        while true { withExtendedLifetime(socketLock) { _ = pause() } }
    }

    static func openTrust(
        _ config: DaemonConfiguration, logSettings: LogSettings, checkOnly: Bool = false
    ) throws -> TrustStore {
        let log = logSettings.logger(label: "wscd")
        var sealKey: SecretBytes?
        var sealPath = config.state.sealKeyPath
        if sealPath == nil, let credentials = getenv("CREDENTIALS_DIRECTORY") {
            let candidate = String(cString: credentials) + "/wscd-seal-key"
            if access(candidate, R_OK) == 0 { sealPath = candidate }
        }
        if let sealPath {
            guard var bytes = try AtomicFile.readSecret(sealPath, limit: 4096), bytes.count >= 32 else {
                throw DaemonError("the seal key \(sealPath) is missing or shorter than 32 bytes")
            }
            sealKey = SecretBytes(consuming: &bytes)
        } else {
            log.warning("the trust state is not sealed: configure [state] seal_key or the credential wscd-seal-key")
        }
        var counter: TPMCounter?
        if config.state.rollbackCounter == .tpm2 {
            counter = TPMCounter(tcti: config.state.tpm2TCTI, index: config.state.tpm2NVIndex)
            if sealKey == nil {
                log.warning(
                    "rollback_counter = \"tpm2\" with an unsealed state: whoever can edit state.json can also rewrite the TPM value it records; configure a seal key"
                )
            }
        }
        let directory = try StateDirectory(path: config.state.directory, sealKey: sealKey, counter: counter)
        // The one owner of the state while wscd runs: offline writers and a second wscd are refused. A check of
        // the configuration only reads, so it does not take it (wscd may well be running).
        if !checkOnly {
            let leftovers = try directory.lock(owner: "wscd")
            if !leftovers.isEmpty {
                log.notice(
                    "removed \(leftovers.count) temporary file(s) left by interrupted commits",
                    metadata: ["files": .string(leftovers.joined(separator: ","))])
            }
        }
        var pinned: KeyThreshold?
        if !config.trust.pinnedKeys.isEmpty {
            let keys = try config.trust.pinnedKeys.map { path -> BundleKey in
                guard let bytes = try AtomicFile.read(path, limit: 64 * 1024) else {
                    throw DaemonError("pinned key \(path) does not exist")
                }
                do {
                    if bytes.count == 33 { return try BundleKey(PublicKey(wasmsignRaw: bytes)) }
                    if bytes.first == 0x30 { return try BundleKey(PublicKey(spkiDER: bytes)) }
                    return try BundleKey(PublicKey(pem: String(decoding: bytes, as: UTF8.self)))
                } catch let error as CryptoError {
                    throw DaemonError("pinned key \(path): \(error.reason)")
                }
            }
            pinned = try KeyThreshold(keys: keys, threshold: config.trust.pinnedThreshold)
        }
        let store = try TrustStore(
            directory: directory, pinned: pinned, logger: logSettings.logger(label: "wscd.trust"))
        if let counter {
            let recorded = store.state?.tpmCounter.map { "\($0)" } ?? "none yet"
            log.info(
                "anti-rollback counter: \(counter.name), state committed at \(recorded)",
                metadata: ["tpm_nv_index": .string(counter.indexText)])
        }
        if store.state == nil {
            try FirstBoot.begin(store, config: config, log: log, checkOnly: checkOnly)
        }
        if let active = store.active {
            let validity = active.bundle.validity(at: store.trustedTime().now)
            if !validity.isUsable {
                log.error("trust bundle version \(active.version) is \(validity.summary): every verify will fail")
            }
        }
        return store
    }

    static func fail(_ message: String, status: Int32) -> Int32 {
        _ = "wscd: \(message)\n".withCString { fputs($0, stderr) }
        return status
    }
}
