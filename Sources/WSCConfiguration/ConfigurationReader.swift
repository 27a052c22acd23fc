/// Turns configuration text into a ``DaemonConfiguration``: TOML syntax by TOMLDocument, then every table and key
/// checked here, in file order, so the error reported is the first problem in the file.
struct ConfigurationReader {
    static let tables = ["server", "state", "trust", "authorization", "signing", "log", "tuf"]
    static let serverKeys = [
        "socket", "socket_mode", "socket_group", "max_connections", "max_connections_per_uid",
        "reserved_connections", "max_buffered_bytes", "max_frame_bytes", "max_requests_in_flight",
        "idle_timeout_seconds", "read_timeout_seconds", "workers", "large_verify_bytes", "max_large_verifies_per_uid",
    ]
    static let stateKeys = [
        "directory", "seal_key", "require_existing", "rollback_counter", "tpm2_tcti", "tpm2_nv_index",
    ]
    static let trustKeys = ["pinned_keys", "pinned_threshold", "initial_bundle"]
    static let authorizationKeys = [
        "verify_uids", "verify_groups", "sign_uids", "sign_groups", "rotate_uids", "rotate_groups",
    ]
    static let signingKeys = ["key", "generate_if_missing", "requests_per_minute", "pkcs11_module", "tpm2_tcti"]
    static let logKeys = ["level", "format", "refusal_interval_seconds"]
    static let logLevels = ["debug", "info", "notice", "warning", "error"]
    static let logFormats = ["auto", "journal", "text"]
    static let tufKeys = [
        "enabled", "metadata_url", "targets_url", "interval_seconds", "jitter_seconds", "timeout_seconds", "proxy",
        "pinned_public_key",
    ]

    let text: String
    let file: String

    func read() throws -> DaemonConfiguration {
        try rejectNUL()
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                .syntax, file: file, line: error.source.begin.line > 0 ? error.source.begin.line : nil,
                reason: "TOML syntax error: \(error.description)")
        }
        let index = TOMLLineIndex(text: text)
        var configuration = DaemonConfiguration()
        for entry in entries(of: root, table: "", index: index) {
            guard Self.tables.contains(entry.key) else {
                let allowed = Self.tables.map { "[\($0)]" }.joined(separator: ", ")
                let what = entry.node.type == .table ? "table [\(entry.key)]" : "top-level key \(entry.key)"
                throw entry.error(.unknownKey, "unknown \(what); allowed tables: \(allowed)")
            }
            guard entry.node.type == .table, let table = entry.node.table else {
                let hint = entry.node.type == .array ? " (write [\(entry.key)], not [[\(entry.key)]])" : ""
                throw entry.error(
                    .wrongType,
                    "\(entry.key) must be a table [\(entry.key)], not \(ConfigurationEntry.describe(entry.node))\(hint)"
                )
            }
            let entries = entries(of: table, table: entry.key, index: index)
            switch entry.key {
            case "server": configuration.server = try server(entries, index: index)
            case "state": configuration.state = try state(entries)
            case "trust": configuration.trust = try trust(entries, index: index)
            case "authorization": configuration.authorization = try authorization(entries)
            case "signing": configuration.signing = try signing(entries)
            case "log": configuration.log = try log(entries)
            default: configuration.tuf = try tuf(entries, index: index)
            }
        }
        return configuration
    }

    /// NUL cannot be written in a path and has no place in a configuration file.
    private func rejectNUL() throws {
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if line.utf8.contains(0) || line.contains("\\u0000") || line.contains("\\U00000000") {
                throw ConfigurationError(
                    .syntax, file: file, line: number, reason: "NUL characters (raw or \\u0000) are not allowed")
            }
        }
    }

    /// The table's entries in file order (entries without a known line last, by name).
    private func entries(of table: TOMLTable, table name: String, index: TOMLLineIndex) -> [ConfigurationEntry] {
        let entries = table.keys.compactMap { key -> ConfigurationEntry? in
            guard let node = table[key] else { return nil }
            let path = name.isEmpty ? [key] : [name, key]
            return ConfigurationEntry(table: name, key: key, node: node, file: file, line: index.line(of: path))
        }
        return entries.sorted { ($0.line ?? Int.max, $0.key) < ($1.line ?? Int.max, $1.key) }
    }

    private func unknownKey(_ entry: ConfigurationEntry, allowed: [String]) -> ConfigurationError {
        entry.error(
            .unknownKey,
            "unknown key \(entry.key) in [\(entry.table)]; allowed keys: \(allowed.joined(separator: ", "))")
    }

    private func line(_ index: TOMLLineIndex, _ table: String, _ key: String) -> Int? {
        index.line(of: [table, key])
    }

    private func server(_ entries: [ConfigurationEntry], index: TOMLLineIndex) throws -> DaemonConfiguration.Server {
        var server = DaemonConfiguration.Server()
        for entry in entries {
            switch entry.key {
            case "socket": server.socketPath = try entry.socketPath()
            case "socket_mode": server.socketMode = try entry.socketMode()
            case "socket_group": server.socketGroup = try entry.group()
            case "max_connections": server.maxConnections = try entry.integer(in: 1...65536)
            case "max_connections_per_uid": server.maxConnectionsPerUID = try entry.integer(in: 1...65536)
            case "reserved_connections": server.reservedConnections = try entry.integer(in: 0...65535)
            case "max_buffered_bytes": server.maxBufferedBytes = try entry.integer(in: 0...(1 << 40))
            case "max_frame_bytes": server.maxFrameBytes = try entry.integer(in: 1024...(1 << 30))
            case "max_requests_in_flight": server.maxRequestsInFlight = try entry.integer(in: 1...1024)
            case "idle_timeout_seconds": server.idleTimeoutSeconds = try entry.integer(in: 1...86400)
            case "read_timeout_seconds": server.readTimeoutSeconds = try entry.integer(in: 1...3600)
            case "workers": server.workers = try entry.integer(in: 0...256)
            case "large_verify_bytes": server.largeVerifyBytes = try entry.integer(in: (64 << 10)...(1 << 30))
            case "max_large_verifies_per_uid": server.maxLargeVerifiesPerUID = try entry.integer(in: 1...1024)
            default: throw unknownKey(entry, allowed: Self.serverKeys)
            }
        }
        if let reserved = server.reservedConnections, reserved >= server.maxConnections {
            throw ConfigurationError(
                .inconsistent, file: file, line: line(index, "server", "reserved_connections"),
                reason: "[server] reserved_connections = \(reserved) leaves no connection for peers "
                    + "that may not rotate (max_connections = \(server.maxConnections)); keep it below max_connections")
        }
        if server.maxBufferedBytes > 0, server.maxBufferedBytes < server.maxFrameBytes {
            throw ConfigurationError(
                .inconsistent, file: file, line: line(index, "server", "max_buffered_bytes"),
                reason: "[server] max_buffered_bytes = \(server.maxBufferedBytes) is less than max_frame_bytes = "
                    + "\(server.maxFrameBytes), so a frame of the largest size could never be received; raise it "
                    + "or use 0 (1/16 of memory)")
        }
        return server
    }

    private func state(_ entries: [ConfigurationEntry]) throws -> DaemonConfiguration.State {
        var state = DaemonConfiguration.State()
        for entry in entries {
            switch entry.key {
            case "directory": state.directory = try entry.absolutePath()
            case "seal_key": state.sealKeyPath = try entry.absolutePath()
            case "require_existing": state.requireExisting = try entry.boolean()
            case "rollback_counter":
                state.rollbackCounter = .init(rawValue: try entry.oneOf(["none", "tpm2"])) ?? .none
            case "tpm2_tcti": state.tpm2TCTI = try entry.tcti()
            case "tpm2_nv_index": state.tpm2NVIndex = try entry.nvIndex()
            default: throw unknownKey(entry, allowed: Self.stateKeys)
            }
        }
        return state
    }

    private func trust(_ entries: [ConfigurationEntry], index: TOMLLineIndex) throws -> DaemonConfiguration.Trust {
        var trust = DaemonConfiguration.Trust()
        for entry in entries {
            switch entry.key {
            case "pinned_keys":
                trust.pinnedKeys = try entry.absolutePaths()
                var seen: Set<String> = []
                for path in trust.pinnedKeys where !seen.insert(path).inserted {
                    throw entry.error(
                        .invalidValue,
                        "[trust] pinned_keys lists \"\(path)\" twice; each key counts once toward pinned_threshold, "
                            + "so list each key file once")
                }
            case "pinned_threshold": trust.pinnedThreshold = try entry.integer(in: 1...Int(Int32.max))
            case "initial_bundle": trust.initialBundle = try entry.absolutePath()
            default: throw unknownKey(entry, allowed: Self.trustKeys)
            }
        }
        if !trust.pinnedKeys.isEmpty, trust.pinnedThreshold > trust.pinnedKeys.count {
            throw ConfigurationError(
                .inconsistent, file: file, line: line(index, "trust", "pinned_threshold"),
                reason: "[trust] pinned_threshold = \(trust.pinnedThreshold) is more than the "
                    + "\(trust.pinnedKeys.count) key(s) in pinned_keys; allowed: 1...\(trust.pinnedKeys.count)")
        }
        return trust
    }

    private func authorization(_ entries: [ConfigurationEntry]) throws -> DaemonConfiguration.Authorization {
        var authorization = DaemonConfiguration.Authorization()
        for entry in entries {
            switch entry.key {
            case "verify_uids": authorization.verifyUIDs = try entry.uids()
            case "verify_groups": authorization.verifyGroups = try entry.groups()
            case "sign_uids": authorization.signUIDs = try entry.uids()
            case "sign_groups": authorization.signGroups = try entry.groups()
            case "rotate_uids": authorization.rotateUIDs = try entry.uids()
            case "rotate_groups": authorization.rotateGroups = try entry.groups()
            default: throw unknownKey(entry, allowed: Self.authorizationKeys)
            }
        }
        return authorization
    }

    private func signing(_ entries: [ConfigurationEntry]) throws -> DaemonConfiguration.Signing {
        var signing = DaemonConfiguration.Signing()
        for entry in entries {
            switch entry.key {
            case "key":
                let value = try entry.string("a string: an absolute path, a pkcs11: URI or tpm2:handle=0x81…")
                if value.hasPrefix("pkcs11:") {
                    guard !value.contains("pin-value=") else {
                        throw entry.error(
                            .invalidValue,
                            "key: a PIN does not belong in the configuration file: put it in a file only wscd can read "
                                + "(or a systemd credential) and name it with pin-source=file:/PATH")
                    }
                } else if value.hasPrefix("tpm2:") {
                    guard value.hasPrefix("tpm2:handle=0x81") else {
                        throw entry.error(
                            .invalidValue,
                            "key = \"\(value)\": a TPM key is tpm2:handle=0x81XXXXXX (a persistent handle)")
                    }
                } else {
                    try entry.checkAbsolute(value)
                }
                signing.keyPath = value
            case "pkcs11_module": signing.pkcs11Module = try entry.absolutePath()
            case "tpm2_tcti": signing.tpm2TCTI = try entry.string("a string: a TCTI such as device:/dev/tpmrm0")
            case "generate_if_missing": signing.generateIfMissing = try entry.boolean()
            case "requests_per_minute": signing.requestsPerMinute = try entry.integer(in: 1...100_000)
            default: throw unknownKey(entry, allowed: Self.signingKeys)
            }
        }
        return signing
    }

    private func log(_ entries: [ConfigurationEntry]) throws -> DaemonConfiguration.Log {
        var log = DaemonConfiguration.Log()
        for entry in entries {
            switch entry.key {
            case "level": log.level = try entry.oneOf(Self.logLevels)
            case "format": log.format = try entry.oneOf(Self.logFormats)
            case "refusal_interval_seconds": log.refusalIntervalSeconds = try entry.integer(in: 1...86400)
            default: throw unknownKey(entry, allowed: Self.logKeys)
            }
        }
        return log
    }

    private func tuf(_ entries: [ConfigurationEntry], index: TOMLLineIndex) throws -> DaemonConfiguration.TUF {
        var tuf = DaemonConfiguration.TUF()
        var jitterSet = false
        for entry in entries {
            switch entry.key {
            case "enabled": tuf.enabled = try entry.boolean()
            case "metadata_url": tuf.metadataURL = try entry.url(schemes: ["https", "http", "file"])
            case "targets_url": tuf.targetsURL = try entry.url(schemes: ["https", "http", "file"])
            case "interval_seconds": tuf.intervalSeconds = try entry.integer(in: 60...604_800)
            case "jitter_seconds":
                tuf.jitterSeconds = try entry.integer(in: 0...86400)
                jitterSet = true
            case "timeout_seconds": tuf.timeoutSeconds = try entry.integer(in: 1...3600)
            case "proxy":
                tuf.proxy = try entry.url(schemes: ["http", "https", "socks4", "socks4a", "socks5", "socks5h"])
            case "pinned_public_key": tuf.pinnedPublicKey = try entry.publicKeyPin()
            default: throw unknownKey(entry, allowed: Self.tufKeys)
            }
        }
        if tuf.enabled, tuf.metadataURL == nil || tuf.targetsURL == nil {
            let missing = tuf.metadataURL == nil ? "metadata_url" : "targets_url"
            throw ConfigurationError(
                .inconsistent, file: file, line: line(index, "tuf", "enabled"),
                reason: "[tuf] enabled = true needs \(missing); set it, or set enabled = false")
        }
        if tuf.jitterSeconds > tuf.intervalSeconds {
            let key = jitterSet ? "jitter_seconds" : "interval_seconds"
            throw ConfigurationError(
                .inconsistent, file: file, line: line(index, "tuf", key),
                reason: "[tuf] jitter_seconds = \(tuf.jitterSeconds)\(jitterSet ? "" : " (the default)") is more than "
                    + "interval_seconds = \(tuf.intervalSeconds); set jitter_seconds to 0...\(tuf.intervalSeconds)")
        }
        return tuf
    }
}
