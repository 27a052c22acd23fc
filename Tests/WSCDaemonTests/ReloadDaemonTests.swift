import Foundation
import Testing
import WSCClient
import WSCJSON
import WSCProtocol

/// A configuration reload applies every key it can, and names each key that needs a restart, compared with the
/// running configuration (so a second reload names it again).
@Suite(.serialized) struct ReloadDaemonTests {
    /// Rewrites the harness's configuration file, replacing `old` with `new`.
    static func edit(_ d: DaemonHarness, _ old: String, _ new: String) throws {
        let text = try String(contentsOfFile: d.configPath, encoding: .utf8)
        #expect(text.contains(old), "the harness configuration has no \(old)")
        try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: URL(fileURLWithPath: d.configPath))
    }

    static func reload(_ d: DaemonHarness) throws -> [String] {
        let result = try d.client().call(.reload).result
        #expect(result["reloaded"] == .bool(true))
        guard case .array(let notes) = result["notes"] ?? .null else { throw HarnessError("no notes in \(result)") }
        return notes.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func requestsPerMinuteApplies() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        for _ in 0..<3 { _ = try c.call(.sign, body: DaemonHarness.unsigned) }
        try Self.edit(d, "generate_if_missing = true", "generate_if_missing = true\nrequests_per_minute = 2")
        #expect(try Self.reload(d).isEmpty)
        // Two tokens at the new rate, then refused.
        _ = try c.call(.sign, body: DaemonHarness.unsigned)
        _ = try c.call(.sign, body: DaemonHarness.unsigned)
        #expect(throws: ProtocolError(.rateLimited, "")) { try c.call(.sign, body: DaemonHarness.unsigned) }
    }

    @Test func socketModeApplies() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        #expect(try Self.mode(d.socketPath) == 0o660)
        try Self.edit(d, "max_frame_bytes", "socket_mode = \"0600\"\nmax_frame_bytes")
        #expect(try Self.reload(d).isEmpty)
        #expect(try Self.mode(d.socketPath) == 0o600)
        try Self.edit(d, "socket_mode = \"0600\"", "socket_mode = \"0666\"")
        #expect(try Self.reload(d).isEmpty)
        #expect(try Self.mode(d.socketPath) == 0o666)
    }

    @Test func socketGroupApplies() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        try Self.edit(d, "max_frame_bytes", "socket_group = \"65534\"\nmax_frame_bytes")
        #expect(try Self.reload(d).isEmpty)
        let gid = try FileManager.default.attributesOfItem(atPath: d.socketPath)[.groupOwnerAccountID] as? Int
        #expect(gid == 65534)
        #expect(try Self.mode(d.socketPath) == 0o660)
        // Still reachable by its owner.
        #expect(try d.client().call(.verify, body: try d.signed(by: d.alice)).result.valid)
    }

    @Test func logLevelApplies() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        _ = try c.call(.verify, body: try d.signed(by: d.alice))
        #expect(!d.stderr.contains("verified"))
        try Self.edit(d, "level = \"warning\"", "level = \"info\"")
        #expect(try Self.reload(d).isEmpty)
        _ = try c.call(.verify, body: try d.signed(by: d.alice))
        #expect(d.stderr.contains("verified"), "\(d.stderr)")
        // The trust store's logger follows the same settings: its install notice appears, with its fields.
        #expect(!d.stderr.contains("version 1 installed"))
        _ = try c.call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: 2))
        #expect(
            d.stderr.contains("wscd notice: trust bundle version 2 installed (was version 1)"), "\(d.stderr)")
        #expect(d.stderr.contains("bundle_version=2"))
        // Back to warning: neither is logged any more.
        try Self.edit(d, "level = \"info\"", "level = \"warning\"")
        #expect(try Self.reload(d).isEmpty)
        _ = try c.call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: 3))
        #expect(!d.stderr.contains("version 3 installed"), "\(d.stderr)")
    }

    @Test func authorizationApplies() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        _ = try c.call(.sign, body: DaemonHarness.unsigned)
        try Self.edit(d, "sign_uids = [0]", "sign_uids = [4242]")
        #expect(try Self.reload(d).isEmpty)
        #expect(throws: ProtocolError(.notAuthorized, "")) { try c.call(.sign, body: DaemonHarness.unsigned) }
        try Self.edit(d, "[authorization]", "[authorization]\nverify_uids = [4242]")
        #expect(try Self.reload(d).isEmpty)
        #expect(throws: ProtocolError(.notAuthorized, "")) { try c.call(.verify, body: try d.signed(by: d.alice)) }
    }

    @Test func serverLimitsApply() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        try Self.edit(d, "max_requests_in_flight = 8", "max_requests_in_flight = 3")
        try Self.edit(d, "max_frame_bytes = 16777216", "max_frame_bytes = 65536")
        #expect(try Self.reload(d).isEmpty)
        let hello = try d.client().call(.hello, [("versions", .array([.integer(1)]))]).result
        #expect(hello["maxRequestsInFlight"] == .integer(3))
        #expect(hello["maxFrameBytes"] == .integer(65536))
    }

    @Test func restartOnlyKeysAreNamedAgainstTheRunningConfiguration() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        try Self.edit(d, "directory = \"\(d.directory)/state\"", "directory = \"\(d.directory)/elsewhere\"")
        try Self.edit(d, "max_frame_bytes", "workers = 3\nmax_frame_bytes")
        let first = try Self.reload(d)
        #expect(first.contains { $0.hasPrefix("[state] directory changed") }, "\(first)")
        #expect(first.contains { $0.hasPrefix("[server] workers changed") }, "\(first)")
        // The running configuration is unchanged: a second reload of the same file names them again.
        let second = try Self.reload(d)
        #expect(second == first)
        // Still serving from the running state directory.
        #expect(try d.client().call(.verify, body: try d.signed(by: d.alice)).result.valid)
        // Reverting the file clears the notes.
        try Self.edit(d, "directory = \"\(d.directory)/elsewhere\"", "directory = \"\(d.directory)/state\"")
        try Self.edit(d, "workers = 3\n", "")
        #expect(try Self.reload(d).isEmpty)
    }

    @Test func anInvalidFileChangesNothing() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        try Self.edit(d, "max_requests_in_flight = 8", "max_requests_in_flight = 3\nsocket_mode = \"0600\"\nbogus = 1")
        #expect(throws: ProtocolError(.badRequest, "")) { try d.client().call(.reload) }
        #expect(try Self.mode(d.socketPath) == 0o660)
        let hello = try d.client().call(.hello, [("versions", .array([.integer(1)]))]).result
        #expect(hello["maxRequestsInFlight"] == .integer(8))
    }
}
