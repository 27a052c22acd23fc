#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// wscd's configuration, read from `/etc/wscd/wscd.toml` (see `config/wscd.toml` for the reference).
///
/// Every table and key is optional; a missing one keeps the default shown on the property. A value that
/// ``parse(text:file:)`` returns has passed every check: unknown tables and keys, wrong TOML types,
/// out-of-range numbers, relative paths and contradictory settings are all rejected with a
/// ``ConfigurationError`` naming the file and line, never ignored or clamped.
public struct DaemonConfiguration: Sendable, Hashable {
    /// `[server]`: the Unix socket and its limits.
    public struct Server: Sendable, Hashable {
        /// `socket`: absolute path of the listening socket (when not socket-activated); at most 107 bytes.
        public var socketPath: String = "/run/wscd/wscd.sock"
        /// `socket_mode`: permission bits of the socket, written in the file as an octal string ("0660").
        /// Always `<= 0o777`.
        public var socketMode: UInt32 = 0o660
        /// `socket_group`: group owning the socket (a name or a numeric gid); `nil` keeps the daemon's group.
        public var socketGroup: String? = nil
        /// `max_connections`: simultaneous client connections, 1...65536.
        public var maxConnections: Int = 256
        /// `max_connections_per_uid`: connections one peer uid may hold at once, 1...65536.
        public var maxConnectionsPerUID: Int = 64
        /// `reserved_connections`: of ``maxConnections``, how many only peers that may rotate can take;
        /// 0...65535 and below ``maxConnections``. `nil`: ``maxConnections`` / 32 (see ``connectionsReserved``).
        public var reservedConnections: Int? = nil

        /// The connections kept for peers that may rotate: ``reservedConnections``, or by default 1 in 32 (8 of the
        /// default 256), which keeps a small `max_connections` valid without naming a reservation.
        public var connectionsReserved: Int { reservedConnections ?? maxConnections / 32 }
        /// `max_buffered_bytes`: bytes all connections together may hold in large frames being received and
        /// requests not yet answered; 0 (the default) means 1/16 of physical memory, at least ``maxFrameBytes``.
        /// Otherwise at least ``maxFrameBytes``, at most 2^40.
        public var maxBufferedBytes: Int = 0
        /// `max_frame_bytes`: largest request or response frame, 1024...2^30 bytes.
        public var maxFrameBytes: Int = 64 << 20
        /// `max_requests_in_flight`: concurrent requests per connection, 1...1024.
        public var maxRequestsInFlight: Int = 8
        /// `idle_timeout_seconds`: a connection with no request for this long is closed, 1...86400.
        public var idleTimeoutSeconds: Int = 60
        /// `read_timeout_seconds`: a frame must arrive completely within this time once begun, 1...3600.
        public var readTimeoutSeconds: Int = 10
        /// `workers`: verification threads, 0...256; 0 means one per core.
        public var workers: Int = 0
        /// `large_verify_bytes`: a module passed by descriptor above this size is a large verify, counted
        /// against `max_large_verifies_per_uid`; 65536...2^30.
        public var largeVerifyBytes: Int = 4 << 20
        /// `max_large_verifies_per_uid`: large verifies one uid may run at once (more are refused with `busy`),
        /// 1...1024.
        public var maxLargeVerifiesPerUID: Int = 2

        /// The defaults.
        public init() {}
    }

    /// `[state]`: where the sealed trust state lives.
    public struct State: Sendable, Hashable {
        /// `directory`: absolute path of the state directory (bundle, anti-rollback counter).
        public var directory: String = "/var/lib/wscd"
        /// `seal_key`: absolute path of the seal key; `nil` lets the daemon use
        /// `$CREDENTIALS_DIRECTORY/wscd-seal-key`.
        public var sealKeyPath: String? = nil
        /// `require_existing`: refuse to start when the state directory holds no anti-rollback state, instead of
        /// treating it as a first boot. Without a hardware counter a deleted state looks exactly like a new
        /// node; a node provisioned once (its state written before it ships) sets this so deletion stops it.
        public var requireExisting: Bool = false
        /// `rollback_counter`: the hardware anti-rollback counter every commit moves ("none" or "tpm2").
        public var rollbackCounter: RollbackCounterKind = .none
        /// `tpm2_tcti`: the TCTI configuration string of the TPM ("device:/dev/tpmrm0", "swtpm:port=2321").
        public var tpm2TCTI: String = "device:/dev/tpmrm0"
        /// `tpm2_nv_index`: the TPM NV index of the counter, in the owner range 0x01000000...0x01FFFFFF.
        public var tpm2NVIndex: UInt32 = 0x0150_0016

        /// The defaults.
        public init() {}
    }

    /// `[state] rollback_counter`.
    public enum RollbackCounterKind: String, Sendable, Hashable {
        /// The state directory alone: a deleted directory is a first boot, a restored one goes unnoticed.
        case none
        /// A TPM 2.0 NV counter (TPM2_NT_COUNTER) at `tpm2_nv_index`, reached through `tpm2_tcti`.
        case tpm2
    }

    /// `[trust]`: the keys pinned in the configuration and the first bundle.
    public struct Trust: Sendable, Hashable {
        /// `pinned_keys`: absolute paths of public key files, each listed once.
        public var pinnedKeys: [String] = []
        /// `pinned_threshold`: how many pinned keys must sign a bundle; `>= 1`, and `<= pinnedKeys.count`
        /// when keys are given.
        public var pinnedThreshold: Int = 1
        /// `initial_bundle`: absolute path of a bundle installed at start when none is installed yet.
        public var initialBundle: String? = nil

        /// The defaults.
        public init() {}
    }

    /// `[authorization]`: which peers may use which requests. A peer is allowed when its uid is listed or
    /// one of its groups is listed.
    public struct Authorization: Sendable, Hashable {
        /// `verify_uids`: uids allowed to verify; `nil` (key absent) allows any peer that can reach the socket.
        public var verifyUIDs: [UInt32]? = nil
        /// `verify_groups`: groups (names or numeric gids) allowed to verify.
        public var verifyGroups: [String] = []
        /// `sign_uids`: uids allowed to sign.
        public var signUIDs: [UInt32] = [0]
        /// `sign_groups`: groups allowed to sign.
        public var signGroups: [String] = []
        /// `rotate_uids`: uids allowed to rotate the bundle or the signing key.
        public var rotateUIDs: [UInt32] = [0]
        /// `rotate_groups`: groups allowed to rotate.
        public var rotateGroups: [String] = []

        /// The defaults.
        public init() {}
    }

    /// `[signing]`: the daemon's signing key and its rate limit.
    public struct Signing: Sendable, Hashable {
        /// `key`: absolute path of the secret key, or a key on a token: a `pkcs11:` URI (RFC 7512, the PIN from
        /// `pin-source=file:…`, never `pin-value`) or `tpm2:handle=0x81…`; `nil` lets the daemon use
        /// `$CREDENTIALS_DIRECTORY/wscd-signing-key`, else `<state directory>/signing.key`.
        public var keyPath: String? = nil
        /// `pkcs11_module`: absolute path of the PKCS#11 module for a `pkcs11:` key without `module-path=`.
        public var pkcs11Module: String? = nil
        /// `tpm2_tcti`: how to reach the TPM for a `tpm2:` key (`device:/dev/tpmrm0`, `swtpm:port=2321`); `nil`
        /// uses `WSC_TPM2_TCTI`, else `device:/dev/tpmrm0`.
        public var tpm2TCTI: String? = nil
        /// `generate_if_missing`: create a key when none exists.
        public var generateIfMissing: Bool = false
        /// `requests_per_minute`: sign requests per peer uid per minute, 1...100000.
        public var requestsPerMinute: Int = 60

        /// The defaults.
        public init() {}
    }

    /// `[log]`: logging.
    public struct Log: Sendable, Hashable {
        /// `level`: one of `debug`, `info`, `notice`, `warning`, `error`.
        public var level: String = "info"
        /// `format`: one of `auto` (journal when stderr is the journal), `journal`, `text`.
        public var format: String = "auto"
        /// `refusal_interval_seconds`: refused connections are logged at most once per this interval per uid, with
        /// the count of those not logged; 1...86400.
        public var refusalIntervalSeconds: Int = 60

        /// The defaults.
        public init() {}
    }

    /// `[tuf]`: the TUF client that refreshes the trust bundle.
    public struct TUF: Sendable, Hashable {
        /// `enabled`: run the TUF client; when `true`, ``metadataURL`` and ``targetsURL`` are set.
        public var enabled: Bool = false
        /// `metadata_url`: `https://` or `http://` URL of the TUF metadata (TUF signs what it serves).
        public var metadataURL: String? = nil
        /// `targets_url`: `https://` or `http://` URL of the TUF targets.
        public var targetsURL: String? = nil
        /// `interval_seconds`: time between refreshes, 60...604800.
        public var intervalSeconds: Int = 3600
        /// `jitter_seconds`: random delay added to each interval, 0...86400 and `<= intervalSeconds`.
        public var jitterSeconds: Int = 300
        /// `timeout_seconds`: limit for one refresh, 1...3600.
        public var timeoutSeconds: Int = 30
        /// `proxy`: proxy URL (`http`, `https`, `socks4`, `socks4a`, `socks5` or `socks5h` scheme).
        public var proxy: String? = nil
        /// `pinned_public_key`: the server's public key pin in curl's form, `sha256//BASE64` (several
        /// separated by `;`).
        public var pinnedPublicKey: String? = nil

        /// The defaults.
        public init() {}
    }

    /// `[server]`.
    public var server = Server()
    /// `[state]`.
    public var state = State()
    /// `[trust]`.
    public var trust = Trust()
    /// `[authorization]`.
    public var authorization = Authorization()
    /// `[signing]`.
    public var signing = Signing()
    /// `[log]`.
    public var log = Log()
    /// `[tuf]`.
    public var tuf = TUF()

    /// The defaults: what an empty configuration file means.
    public init() {}

    /// The largest configuration file ``load(path:)`` reads: 1 MiB.
    public static let maximumFileSize = 1 << 20

    /// Reads the file at `path` (a regular file, at most ``maximumFileSize`` bytes, UTF-8) and parses it
    /// with ``parse(text:file:)``.
    ///
    /// - Throws: ``ConfigurationError`` with code ``ConfigurationError/Code/unreadable`` or
    ///   ``ConfigurationError/Code/tooLarge``, or any error of ``parse(text:file:)``.
    public static func load(path: String) throws -> DaemonConfiguration {
        let bytes = try readFile(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(.unreadable, file: path, line: nil, reason: "the file is not valid UTF-8")
        }
        return try parse(text: text, file: path)
    }

    /// Parses configuration text; `file` is used only in error messages.
    ///
    /// - Throws: ``ConfigurationError`` for the first problem in the file, with its line.
    public static func parse(text: String, file: String) throws -> DaemonConfiguration {
        try ConfigurationReader(text: text, file: file).read()
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        func failure(_ what: String) -> ConfigurationError {
            let message = String(cString: strerror(errno))
            return ConfigurationError(.unreadable, file: path, line: nil, reason: "cannot \(what): \(message)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw failure("open the configuration file") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat the configuration file") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ConfigurationError(.unreadable, file: path, line: nil, reason: "not a regular file")
        }
        var bytes = [UInt8](repeating: 0, count: maximumFileSize + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read the configuration file")
            }
            if n == 0 { break }
            count += n
        }
        guard count <= maximumFileSize else {
            throw ConfigurationError(
                .tooLarge, file: path, line: nil,
                reason: "the file is larger than \(maximumFileSize) bytes; a wscd configuration is a few KiB")
        }
        return Array(bytes[..<count])
    }
}
