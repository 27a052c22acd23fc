import Foundation
import Testing
import WSCConfiguration

/// A configuration that must be rejected, the line the error must name, and its code.
struct BadConfiguration: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let line: Int?
    let code: ConfigurationError.Code
    /// A fragment the reason must contain (what is wrong, or what is allowed).
    let mentions: String

    var testDescription: String { name }
}

@Suite struct DaemonConfigurationTests {
    static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/WSCConfigurationTests/DaemonConfigurationTests.swift
        return parts.joined(separator: "/")
    }()

    @Test func emptyTextMeansDefaults() throws {
        let configuration = try DaemonConfiguration.parse(text: "", file: "empty.toml")
        #expect(configuration == DaemonConfiguration())
        #expect(configuration.server.socketPath == "/run/wscd/wscd.sock")
        #expect(configuration.server.socketMode == 0o660)
        #expect(configuration.server.socketGroup == nil)
        #expect(configuration.server.maxConnections == 256)
        #expect(configuration.server.maxFrameBytes == 64 << 20)
        #expect(configuration.server.maxRequestsInFlight == 8)
        #expect(configuration.server.idleTimeoutSeconds == 60)
        #expect(configuration.server.readTimeoutSeconds == 10)
        #expect(configuration.server.workers == 0)
        #expect(configuration.state.directory == "/var/lib/wscd")
        #expect(configuration.state.sealKeyPath == nil)
        #expect(configuration.trust.pinnedKeys.isEmpty)
        #expect(configuration.trust.pinnedThreshold == 1)
        #expect(configuration.trust.initialBundle == nil)
        #expect(configuration.authorization.verifyUIDs == nil)
        #expect(configuration.authorization.signUIDs == [0])
        #expect(configuration.authorization.rotateUIDs == [0])
        #expect(configuration.signing.keyPath == nil)
        #expect(configuration.signing.generateIfMissing == false)
        #expect(configuration.signing.requestsPerMinute == 60)
        #expect(configuration.log.level == "info")
        #expect(configuration.log.format == "auto")
        #expect(configuration.tuf.enabled == false)
        #expect(configuration.tuf.intervalSeconds == 3600)
        #expect(configuration.tuf.jitterSeconds == 300)
        #expect(configuration.tuf.timeoutSeconds == 30)
    }

    @Test func emptyTablesMeanDefaults() throws {
        let text = "[server]\n[state]\n[trust]\n[authorization]\n[signing]\n[log]\n[tuf]\n"
        #expect(try DaemonConfiguration.parse(text: text, file: "t.toml") == DaemonConfiguration())
    }

    @Test func everyKeyParses() throws {
        let text = """
            [server]
            socket = "/run/other/wscd.sock"
            socket_mode = "640"
            socket_group = "wsc"
            max_connections = 65536
            max_frame_bytes = 1024
            max_requests_in_flight = 1024
            idle_timeout_seconds = 86400
            read_timeout_seconds = 1
            workers = 256
            large_verify_bytes = 65536
            max_large_verifies_per_uid = 1024

            [state]
            directory = "/srv/wscd"
            seal_key = "/etc/wscd/seal.key"
            require_existing = true

            [trust]
            pinned_keys = ["/etc/wscd/a.pub", "/etc/wscd/b.pub", "/etc/wscd/c.pub"]
            pinned_threshold = 2
            initial_bundle = "/etc/wscd/bundle.json"

            [authorization]
            verify_uids = [1000, 4294967294]
            verify_groups = ["wsc", "1001"]
            sign_uids = []
            sign_groups = ["signers"]
            rotate_uids = [0, 998]
            rotate_groups = ["wheel"]

            [signing]
            key = "/etc/wscd/signing.key"
            generate_if_missing = true
            requests_per_minute = 100000

            [log]
            level = "debug"
            format = "journal"

            [tuf]
            enabled = true
            metadata_url = "https://tuf.example.com/metadata/"
            targets_url = "http://tuf.example.com/targets/"
            interval_seconds = 60
            jitter_seconds = 0
            timeout_seconds = 5
            proxy = "socks5h://127.0.0.1:1080"
            pinned_public_key = "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=;sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            """
        var expected = DaemonConfiguration()
        expected.server.socketPath = "/run/other/wscd.sock"
        expected.server.socketMode = 0o640
        expected.server.socketGroup = "wsc"
        expected.server.maxConnections = 65536
        expected.server.maxFrameBytes = 1024
        expected.server.maxRequestsInFlight = 1024
        expected.server.idleTimeoutSeconds = 86400
        expected.server.readTimeoutSeconds = 1
        expected.server.workers = 256
        expected.server.largeVerifyBytes = 65536
        expected.server.maxLargeVerifiesPerUID = 1024
        expected.state.directory = "/srv/wscd"
        expected.state.sealKeyPath = "/etc/wscd/seal.key"
        expected.state.requireExisting = true
        expected.trust.pinnedKeys = ["/etc/wscd/a.pub", "/etc/wscd/b.pub", "/etc/wscd/c.pub"]
        expected.trust.pinnedThreshold = 2
        expected.trust.initialBundle = "/etc/wscd/bundle.json"
        expected.authorization.verifyUIDs = [1000, 4_294_967_294]
        expected.authorization.verifyGroups = ["wsc", "1001"]
        expected.authorization.signUIDs = []
        expected.authorization.signGroups = ["signers"]
        expected.authorization.rotateUIDs = [0, 998]
        expected.authorization.rotateGroups = ["wheel"]
        expected.signing.keyPath = "/etc/wscd/signing.key"
        expected.signing.generateIfMissing = true
        expected.signing.requestsPerMinute = 100_000
        expected.log.level = "debug"
        expected.log.format = "journal"
        expected.tuf.enabled = true
        expected.tuf.metadataURL = "https://tuf.example.com/metadata/"
        expected.tuf.targetsURL = "http://tuf.example.com/targets/"
        expected.tuf.intervalSeconds = 60
        expected.tuf.jitterSeconds = 0
        expected.tuf.timeoutSeconds = 5
        expected.tuf.proxy = "socks5h://127.0.0.1:1080"
        expected.tuf.pinnedPublicKey =
            "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=;sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        #expect(try DaemonConfiguration.parse(text: text, file: "all.toml") == expected)
    }

    @Test func signingKeyOnATokenParses() throws {
        let configuration = try DaemonConfiguration.parse(
            text: """
                [signing]
                key = "pkcs11:token=wsc;object=k?pin-source=file:/run/credentials/wscd.service/pin"
                pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so"
                tpm2_tcti = "swtpm:port=2321"
                """, file: "t.toml")
        #expect(configuration.signing.keyPath?.hasPrefix("pkcs11:") == true)
        #expect(configuration.signing.pkcs11Module == "/usr/lib/softhsm/libsofthsm2.so")
        #expect(configuration.signing.tpm2TCTI == "swtpm:port=2321")
        let tpm = try DaemonConfiguration.parse(text: "[signing]\nkey = \"tpm2:handle=0x81000001\"\n", file: "t.toml")
        #expect(tpm.signing.keyPath == "tpm2:handle=0x81000001")
    }

    @Test func dottedKeysAndInlineTablesAreTOML() throws {
        let text = """
            server.workers = 4
            log = { level = "error" }
            [trust]
            pinned_keys = [
                "/k/a.pub",  # first
                '/k/b.pub',
            ]
            """
        let configuration = try DaemonConfiguration.parse(text: text, file: "t.toml")
        #expect(configuration.server.workers == 4)
        #expect(configuration.log.level == "error")
        #expect(configuration.trust.pinnedKeys == ["/k/a.pub", "/k/b.pub"])
    }

    @Test func shippedExampleParsesToTheDefaults() throws {
        let configuration = try DaemonConfiguration.load(path: Self.repositoryRoot + "/config/wscd.toml")
        #expect(configuration == DaemonConfiguration())
    }

    @Test func shippedExampleMentionsEveryKey() throws {
        let text = try #require(
            String(validating: try readBytes(Self.repositoryRoot + "/config/wscd.toml"), as: UTF8.self))
        let keys = [
            "socket", "socket_mode", "socket_group", "max_connections", "max_connections_per_uid",
            "reserved_connections", "max_buffered_bytes", "max_frame_bytes", "max_requests_in_flight",
            "idle_timeout_seconds", "read_timeout_seconds", "workers", "large_verify_bytes",
            "max_large_verifies_per_uid", "directory", "seal_key", "require_existing", "rollback_counter", "tpm2_tcti",
            "tpm2_nv_index", "pinned_keys",
            "pinned_threshold", "initial_bundle", "verify_uids", "verify_groups", "sign_uids", "sign_groups",
            "rotate_uids", "rotate_groups", "key", "generate_if_missing", "requests_per_minute", "pkcs11_module",
            "tpm2_tcti", "level", "format", "refusal_interval_seconds",
            "enabled", "metadata_url", "targets_url", "interval_seconds", "jitter_seconds", "timeout_seconds", "proxy",
            "pinned_public_key",
        ]
        for key in keys { #expect(text.contains("\n\(key) = ") || text.contains("\n# \(key) = "), "\(key)") }
        // Uncommenting every example must still give a valid configuration (with TUF enabled and pinned keys).
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line == "enabled = false" { return "enabled = true" }
            return keys.contains { line.hasPrefix("# \($0) = ") } ? String(line.dropFirst(2)) : String(line)
        }.joined(separator: "\n")
        let configuration = try DaemonConfiguration.parse(text: uncommented, file: "uncommented.toml")
        #expect(configuration.tuf.enabled)
        #expect(configuration.trust.pinnedKeys.count == 2)
        #expect(configuration.server.socketGroup == "wsc")
    }

    @Test func tpmCounterKeysParse() throws {
        let defaults = DaemonConfiguration().state
        #expect(defaults.rollbackCounter == .none)
        #expect(defaults.tpm2TCTI == "device:/dev/tpmrm0")
        #expect(defaults.tpm2NVIndex == 0x0150_0016)
        let hex = try DaemonConfiguration.parse(
            text: "[state]\nrollback_counter = \"tpm2\"\ntpm2_tcti = \"swtpm:port=2321\"\ntpm2_nv_index = 0x01500020\n",
            file: "tpm.toml")
        #expect(hex.state.rollbackCounter == .tpm2)
        #expect(hex.state.tpm2TCTI == "swtpm:port=2321")
        #expect(hex.state.tpm2NVIndex == 0x0150_0020)
        let string = try DaemonConfiguration.parse(text: "[state]\ntpm2_nv_index = \"0x01800001\"\n", file: "tpm.toml")
        #expect(string.state.tpm2NVIndex == 0x0180_0001)
    }

    static let badConfigurations: [BadConfiguration] = [
        .init(
            name: "unknown rollback counter", text: "[state]\n\nrollback_counter = \"tpm\"\n", line: 3,
            code: .invalidValue, mentions: "allowed: none, tpm2"),
        .init(
            name: "TCTI with a space", text: "[state]\ntpm2_tcti = \"device: /dev/tpmrm0\"\n", line: 2,
            code: .invalidValue, mentions: "is not a TCTI"),
        .init(
            name: "empty TCTI", text: "[state]\ntpm2_tcti = \"\"\n", line: 2, code: .invalidValue,
            mentions: "is not a TCTI"),
        .init(
            name: "NV index outside the owner range", text: "[state]\ntpm2_nv_index = 0x81000001\n", line: 2,
            code: .outOfRange, mentions: "0x01000000...0x01FFFFFF"),
        .init(
            name: "NV index not a number", text: "[state]\ntpm2_nv_index = \"counter\"\n", line: 2,
            code: .outOfRange, mentions: "not an owner NV index"),
        .init(
            name: "NV index as a boolean", text: "[state]\ntpm2_nv_index = true\n", line: 2, code: .wrongType,
            mentions: "NV index"),
        .init(
            name: "unknown table", text: "[server]\nworkers = 1\n\n[servr]\nworkers = 2\n", line: 4,
            code: .unknownKey, mentions: "allowed tables: [server], [state]"),
        .init(
            name: "unknown nested table", text: "[server]\nworkers = 1\n[server.extra]\nx = 1\n", line: 3,
            code: .unknownKey, mentions: "unknown key extra in [server]"),
        .init(
            name: "unknown key", text: "[state]\ndirectory = \"/x\"\n\n[server]\n# c\nworker = 1\n", line: 6,
            code: .unknownKey, mentions: "allowed keys: socket, socket_mode"),
        .init(
            name: "top-level key", text: "# wscd\nworkers = 4\n", line: 2, code: .unknownKey,
            mentions: "top-level key workers"),
        .init(
            name: "array of tables", text: "[[server]]\nworkers = 4\n", line: 1, code: .wrongType,
            mentions: "not [[server]]"),
        .init(
            name: "string for integer", text: "[server]\nmax_connections = \"10\"\n", line: 2, code: .wrongType,
            mentions: "must be an integer (1...65536), not string \"10\""),
        .init(
            name: "float for integer", text: "[tuf]\n\ninterval_seconds = 60.0\n", line: 3, code: .wrongType,
            mentions: "floating-point"),
        .init(
            name: "integer for string", text: "[log]\nlevel = 3\n", line: 2, code: .wrongType,
            mentions: "one of: debug, info"),
        .init(
            name: "string for boolean", text: "[signing]\ngenerate_if_missing = \"yes\"\n", line: 2,
            code: .wrongType, mentions: "boolean"),
        .init(
            name: "string for list", text: "[trust]\npinned_keys = \"/k.pub\"\n", line: 2, code: .wrongType,
            mentions: "an array of absolute paths"),
        .init(
            name: "integer in group list", text: "[authorization]\nsign_groups = [\"wsc\", 1000]\n", line: 2,
            code: .wrongType, mentions: "sign_groups[1]"),
        .init(
            name: "string in uid list", text: "[authorization]\nrotate_uids = [\"root\"]\n", line: 2,
            code: .wrongType, mentions: "rotate_uids[0]"),
        .init(
            name: "uid out of range", text: "[authorization]\nverify_uids = [4294967295]\n", line: 2,
            code: .outOfRange, mentions: "0...4294967294"),
        .init(
            name: "bad group name", text: "[authorization]\nverify_groups = [\"wsc ops\"]\n", line: 2,
            code: .invalidValue, mentions: "not a group"),
        .init(
            name: "max_connections 0", text: "[server]\nmax_connections = 0\n", line: 2, code: .outOfRange,
            mentions: "allowed: 1...65536"),
        // Int(_:radix:) accepted a second sign after the first or after a 0x prefix (found while fuzzing the parser).
        .init(
            name: "two signs", text: "[server]\nmax_connections = --5\n", line: 2, code: .syntax,
            mentions: "invalid value --5"),
        .init(
            name: "sign after 0x", text: "[server]\nmax_connections = 0x+5\n", line: 2, code: .syntax,
            mentions: "invalid value 0x+5"),
        .init(
            name: "max_frame_bytes too large", text: "[server]\nmax_frame_bytes = 1073741825\n", line: 2,
            code: .outOfRange, mentions: "1024...1073741824"),
        .init(
            name: "workers negative", text: "[server]\nworkers = -1\n", line: 2, code: .outOfRange,
            mentions: "0...256"),
        .init(
            name: "requests_per_minute too large", text: "[signing]\nrequests_per_minute = 100001\n", line: 2,
            code: .outOfRange, mentions: "1...100000"),
        .init(
            name: "interval too short", text: "[tuf]\ninterval_seconds = 59\n", line: 2, code: .outOfRange,
            mentions: "60...604800"),
        .init(
            name: "relative socket path", text: "[server]\nsocket = \"run/wscd.sock\"\n", line: 2,
            code: .invalidValue, mentions: "not an absolute path"),
        .init(
            name: "socket path too long", text: "[server]\nsocket = \"/\(String(repeating: "s", count: 107))\"\n",
            line: 2, code: .invalidValue, mentions: "at most 107 bytes"),
        .init(
            name: "relative state directory", text: "[state]\ndirectory = \"var/lib/wscd\"\n", line: 2,
            code: .invalidValue, mentions: "absolute path"),
        .init(
            name: "relative pinned key", text: "[trust]\npinned_keys = [\n  \"/a.pub\",\n  \"b.pub\",\n]\n",
            line: 2, code: .invalidValue, mentions: "pinned_keys[1]"),
        .init(
            name: "relative signing key", text: "[signing]\nkey = \"signing.key\"\n", line: 2,
            code: .invalidValue, mentions: "absolute path"),
        .init(
            name: "socket_mode 999", text: "[server]\nsocket_mode = \"999\"\n", line: 2, code: .invalidValue,
            mentions: "not an octal mode"),
        .init(
            name: "socket_mode 0o660", text: "[server]\nsocket_mode = \"0o660\"\n", line: 2, code: .invalidValue,
            mentions: "3 or 4 octal digits"),
        .init(
            name: "socket_mode integer 660", text: "[server]\nsocket_mode = 660\n", line: 2, code: .wrongType,
            mentions: "write socket_mode = \"0660\""),
        .init(
            name: "socket_mode 1777", text: "[server]\nsocket_mode = \"1777\"\n", line: 2, code: .outOfRange,
            mentions: "sticky"),
        .init(
            name: "socket_mode 5 digits", text: "[server]\nsocket_mode = \"00660\"\n", line: 2,
            code: .invalidValue, mentions: "not an octal mode"),
        .init(
            name: "reserved connections leave none",
            text: "[server]\nreserved_connections = 4\nmax_connections = 4\n", line: 2,
            code: .inconsistent, mentions: "keep it below max_connections"),
        .init(
            name: "buffer budget below a frame",
            text: "[server]\nmax_frame_bytes = 2097152\nmax_buffered_bytes = 1048576\n", line: 3,
            code: .inconsistent, mentions: "less than max_frame_bytes"),
        .init(
            name: "threshold above keys",
            text: "[trust]\npinned_keys = [\"/a.pub\", \"/b.pub\"]\n\npinned_threshold = 3\n", line: 4,
            code: .inconsistent, mentions: "allowed: 1...2"),
        .init(
            name: "threshold 0", text: "[trust]\npinned_threshold = 0\n", line: 2, code: .outOfRange,
            mentions: "1..."),
        .init(
            name: "duplicate pinned key", text: "[trust]\npinned_keys = [\"/a.pub\", \"/a.pub\"]\n", line: 2,
            code: .invalidValue, mentions: "twice"),
        .init(
            name: "unknown log level", text: "[log]\nlevel = \"verbose\"\n", line: 2, code: .invalidValue,
            mentions: "allowed: debug, info, notice, warning, error"),
        .init(
            name: "unknown log format", text: "[log]\nformat = \"json\"\n", line: 2, code: .invalidValue,
            mentions: "allowed: auto, journal, text"),
        .init(
            name: "tuf enabled without urls", text: "[tuf]\nenabled = true\n", line: 2, code: .inconsistent,
            mentions: "needs metadata_url"),
        .init(
            name: "tuf ftp url", text: "[tuf]\nmetadata_url = \"ftp://x/\"\n", line: 2, code: .invalidValue,
            mentions: "https://"),
        .init(
            name: "tuf jitter above interval", text: "[tuf]\ninterval_seconds = 600\njitter_seconds = 601\n",
            line: 3, code: .inconsistent, mentions: "0...600"),
        .init(
            name: "tuf default jitter above interval", text: "[tuf]\ninterval_seconds = 60\n", line: 2,
            code: .inconsistent, mentions: "(the default)"),
        .init(
            name: "tuf bad pin", text: "[tuf]\npinned_public_key = \"sha256//abc\"\n", line: 2,
            code: .invalidValue, mentions: "sha256//"),
        .init(
            name: "tuf proxy without scheme", text: "[tuf]\nproxy = \"proxy:3128\"\n", line: 2,
            code: .invalidValue, mentions: "socks5h://"),
        .init(
            name: "unknown key after multi-line string",
            text: "[tuf]\nproxy = \"\"\"\nnot_a_key = 1\n\"\"\"\nbogus = 2\n", line: 2, code: .invalidValue,
            mentions: "proxy"),
        .init(
            name: "dotted unknown key", text: "[server]\nworkers = 1\n\n[log]\nlevel = \"info\"\nserver.extra = 1\n",
            line: 6, code: .unknownKey, mentions: "allowed keys: level, format"),
        .init(
            name: "key in inline table", text: "\n\nlog = { level = \"info\", colour = true }\n", line: 3,
            code: .unknownKey, mentions: "unknown key colour in [log]"),
        .init(
            name: "PIN in the configuration",
            text: "[signing]\nkey = \"pkcs11:object=k?pin-value=1234&module-path=/m.so\"\n", line: 2,
            code: .invalidValue, mentions: "pin-source=file:"),
        .init(
            name: "TPM key not persistent", text: "[signing]\nkey = \"tpm2:handle=0x80000001\"\n", line: 2,
            code: .invalidValue, mentions: "tpm2:handle=0x81"),
        .init(
            name: "relative signing key", text: "[signing]\nkey = \"signing.key\"\n", line: 2,
            code: .invalidValue, mentions: "absolute path"),
        .init(
            name: "syntax error", text: "[server]\nworkers = 1\nmax_connections = \n", line: 3, code: .syntax,
            mentions: "TOML syntax error"),
        .init(
            name: "duplicate key", text: "[server]\nworkers = 1\nworkers = 2\n", line: 3, code: .syntax,
            mentions: "TOML syntax error"),
        .init(
            name: "unterminated table header", text: "# c\n\n[server\n", line: 3, code: .syntax,
            mentions: "TOML syntax error"),
        .init(
            name: "escaped NUL", text: "[state]\n\ndirectory = \"/var/lib/wscd\\u0000/x\"\n", line: 3,
            code: .syntax, mentions: "NUL"),
    ]

    @Test(arguments: badConfigurations)
    func badConfigurationIsRejectedWithItsLine(_ bad: BadConfiguration) throws {
        let error = try #require(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse(text: bad.text, file: "/etc/wscd/wscd.toml")
        }
        #expect(error.code == bad.code, "\(error)")
        #expect(error.line == bad.line, "\(error)")
        #expect(error.file == "/etc/wscd/wscd.toml")
        #expect(error.reason.contains(bad.mentions), "\(error)")
        let prefix = bad.line.map { "/etc/wscd/wscd.toml:\($0): " } ?? "/etc/wscd/wscd.toml: "
        #expect(error.description == prefix + error.reason)
    }

    @Test func firstProblemInFileOrderIsReported() throws {
        // toml++ orders keys by name; the error must still be the first one in the file.
        let text = "[server]\nworkers = 999\nmax_connections = 0\n"
        let error = try #require(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse(text: text, file: "f.toml")
        }
        #expect(error.line == 2)
        #expect(error.reason.contains("workers"))
    }

    @Test func descriptionWithoutLine() {
        let error = ConfigurationError(.unreadable, file: "/x.toml", line: nil, reason: "cannot open")
        #expect(error.description == "/x.toml: cannot open")
    }

    @Test func loadRejectsMissingDirectoryLargeAndNonUTF8Files() throws {
        let missing = try #require(throws: ConfigurationError.self) {
            try DaemonConfiguration.load(path: "/nonexistent/wscd.toml")
        }
        #expect(missing.code == .unreadable)
        #expect(missing.description.hasPrefix("/nonexistent/wscd.toml: cannot open"))

        let directory = try #require(throws: ConfigurationError.self) { try DaemonConfiguration.load(path: "/") }
        #expect(directory.code == .unreadable)

        let large = try TemporaryDirectory()
        let path = large.path + "/large.toml"
        try writeFile(path, Array(repeating: UInt8(ascii: "#"), count: DaemonConfiguration.maximumFileSize + 1))
        let tooLarge = try #require(throws: ConfigurationError.self) { try DaemonConfiguration.load(path: path) }
        #expect(tooLarge.code == .tooLarge)

        try writeFile(path, [0x5B, 0xFF, 0x5D])
        let notUTF8 = try #require(throws: ConfigurationError.self) { try DaemonConfiguration.load(path: path) }
        #expect(notUTF8.code == .unreadable)

        try writeFile(path, Array("[server]\nworkers = 3\n".utf8))
        #expect(try DaemonConfiguration.load(path: path).server.workers == 3)
    }
}
