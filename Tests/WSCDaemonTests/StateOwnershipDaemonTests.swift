import Foundation
import Testing
import WSCJSON

/// The state directory has one owner (issue 12): real wscd and wscctl processes on real files. Every process
/// that could hang runs under `timeout -s KILL`, so a hang ends as a kill whose exit status and missing message
/// fail the assertions; no assertion is about time.
@Suite(.serialized) struct StateOwnershipDaemonTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var wscctl: URL { DaemonHarness.wscd.deletingLastPathComponent().appendingPathComponent("wscctl") }

    /// Runs `executable` with `arguments`, killed after 20 s if still running (status 137).
    static func run(_ executable: URL, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-s", "KILL", "20", executable.path] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func wscd(_ d: DaemonHarness) throws -> Run { try run(DaemonHarness.wscd, ["--config", d.configPath]) }

    static func write(_ bytes: [UInt8], _ path: String, mode: Int = 0o600) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    static func editConfig(_ d: DaemonHarness, _ from: String, _ to: String) throws {
        let text = try String(contentsOfFile: d.configPath, encoding: .utf8)
        #expect(text.contains(from))
        try text.replacingOccurrences(of: from, with: to).write(
            toFile: d.configPath, atomically: true, encoding: .utf8)
    }

    static func counter(_ d: DaemonHarness) throws -> String {
        let text = try String(contentsOfFile: d.directory + "/state/state.json", encoding: .utf8)
        return String(text.split(separator: ",").first { $0.hasPrefix("\"counter\":") } ?? "")
    }

    // MARK: One owner

    @Test func offlineInstallIsRefusedWhileWscdRuns() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let v3 = d.directory + "/v3.json"
        try Self.write(try d.bundle(version: 3), v3)
        let refused = try Self.run(
            Self.wscctl,
            [
                "bundle", "install", "--state-dir", d.directory + "/state", "-i", v3, "--pinned-key",
                d.directory + "/root.pub",
            ])
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains(
                "wscd (pid \(d.process.processIdentifier)) holds \(d.directory)/state; use `wscctl rotate`"),
            "\(refused.stderr)")
        #expect(try Self.counter(d) == "\"counter\":1")
        // Through wscd the rotate goes on, and the counter only moves up.
        let rotated = try d.client().call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: 2))
        #expect(rotated.result["version"] == .integer(2))
        #expect(try Self.counter(d) == "\"counter\":2")
        // Once wscd stopped, the offline install is the one writer and is accepted.
        d.stop()
        let installed = try Self.run(
            Self.wscctl,
            [
                "bundle", "install", "--state-dir", d.directory + "/state", "-i", v3, "--pinned-key",
                d.directory + "/root.pub",
            ])
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(try Self.counter(d) == "\"counter\":3")
    }

    @Test func secondWscdOnTheSameStateIsRefusedWithThePid() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let second = try Self.wscd(d)
        #expect(second.status == 1)
        #expect(
            second.stderr.contains(
                "wscd (pid \(d.process.processIdentifier)) already holds the state directory \(d.directory)/state"),
            "\(second.stderr)")
        // The first one still serves on its socket.
        #expect(try d.client().call(.hello, [("versions", .array([.integer(1)]))]).result["version"] == .integer(1))
    }

    @Test func secondWscdOnTheSameSocketIsRefusedWithThePid() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let other = try DaemonHarness(start: false)
        defer { other.cleanUp() }
        try Self.editConfig(other, "socket = \"\(other.socketPath)\"", "socket = \"\(d.socketPath)\"")
        let second = try Self.wscd(other)
        #expect(second.status == 1)
        #expect(
            second.stderr.contains("wscd (pid \(d.process.processIdentifier)) already listens on \(d.socketPath)"),
            "\(second.stderr)")
        #expect(try d.client().call(.hello, [("versions", .array([.integer(1)]))]).result["version"] == .integer(1))
    }

    // MARK: Consistency and first boot

    @Test func unsealedCounterEditIsRefusedAtStart() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        for version: UInt64 in 2...3 {
            _ = try d.client().call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: version))
        }
        d.stop()
        let statePath = d.directory + "/state/state.json"
        let text = try String(contentsOfFile: statePath, encoding: .utf8)
        #expect(text.contains("\"counter\":3"))
        try text.replacingOccurrences(of: "\"counter\":3", with: "\"counter\":1").write(
            toFile: statePath, atomically: true, encoding: .utf8)
        let start = try Self.wscd(d)
        #expect(start.status == 1)
        #expect(
            start.stderr.contains("the anti-rollback counter in \(statePath) is 1, below the version of the installed"),
            "\(start.stderr)")
    }

    @Test func deletedStateIsALoudFirstBootWithFirstBootAt() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        _ = try d.client().call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: 2))
        d.stop()
        try FileManager.default.removeItem(atPath: d.directory + "/state")
        // A second wscd process on d's configuration (its state, keys and initial bundle), on its own socket.
        let again = try DaemonHarness(start: false)
        defer { again.cleanUp() }
        let config = try String(contentsOfFile: d.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: d.socketPath, with: again.socketPath).write(
            toFile: again.configPath, atomically: true, encoding: .utf8)
        try again.start()
        #expect(again.stderr.contains("first boot: no anti-rollback state in \(d.directory)/state"), "\(again.stderr)")
        #expect(again.stderr.contains("installed the initial trust bundle version 1"), "\(again.stderr)")
        let status = try again.client().call(.status).result
        let firstBoot = try #require(status["firstBootAt"], "\(status)").asString("firstBootAt")
        #expect(RFC3339.parse(firstBoot) != nil)
        #expect(status["counter"] == .integer(1))
        let shown = try Self.run(Self.wscctl, ["status", "--socket", again.socketPath])
        #expect(shown.stdout.contains("first boot      \(firstBoot)"), "\(shown.stdout)\(shown.stderr)")
    }

    @Test func requireExistingRefusesAMissingState() throws {
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        try Self.editConfig(
            d, "directory = \"\(d.directory)/state\"", "directory = \"\(d.directory)/state\"\nrequire_existing = true")
        let start = try Self.wscd(d)
        #expect(start.status == 1)
        #expect(
            start.stderr.contains("\(d.directory)/state/state.json does not exist and [state] require_existing = true"),
            "\(start.stderr)")
        #expect(!FileManager.default.fileExists(atPath: d.directory + "/state/state.json"))
    }

    // MARK: Files

    enum Plant: String, CaseIterable, Sendable {
        case fifo, directory, symlinkToFIFO
    }

    /// Replaces `path` with a FIFO, a directory, or a symbolic link to a FIFO.
    static func plant(_ kind: Plant, at path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        switch kind {
        case .fifo: #expect(mkfifo(path, 0o600) == 0)
        case .directory: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        case .symlinkToFIFO:
            #expect(mkfifo(path + ".fifo", 0o600) == 0)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path + ".fifo")
        }
    }

    static func refusalWords(_ kind: Plant, followsLinks: Bool) -> String {
        switch kind {
        case .fifo: "is a FIFO"
        case .directory: "is a directory"
        case .symlinkToFIFO: followsLinks ? "is a FIFO" : "is a symbolic link"
        }
    }

    @Test(arguments: Plant.allCases)
    func nonRegularStateFileIsRefusedByWscdAndWscctl(kind: Plant) throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        d.stop()
        let statePath = d.directory + "/state/state.json"
        try Self.plant(kind, at: statePath)
        let words = Self.refusalWords(kind, followsLinks: false)
        let start = try Self.wscd(d)
        #expect(start.status == 1)
        #expect(start.stderr.contains(statePath) && start.stderr.contains(words), "\(start.stderr)")
        let status = try Self.run(Self.wscctl, ["bundle", "status", "--state-dir", d.directory + "/state"])
        #expect(status.status != 0 && status.status != 137)
        #expect(status.stderr.contains(statePath) && status.stderr.contains(words), "\(status.stderr)")
        let module = d.directory + "/module.wasm"
        try Self.write(try d.signed(by: d.alice), module, mode: 0o644)
        let verify = try Self.run(Self.wscctl, ["verify", "-i", module, "--state-dir", d.directory + "/state"])
        #expect(verify.status != 0 && verify.status != 137)
        #expect(verify.stderr.contains(statePath) && verify.stderr.contains(words), "\(verify.stderr)")
    }

    @Test(arguments: Plant.allCases)
    func nonRegularConfigurationIsRefused(kind: Plant) throws {
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        let path = d.directory + "/planted.toml"
        try Self.plant(kind, at: path)
        let start = try Self.run(DaemonHarness.wscd, ["--config", path])
        #expect(start.status == 2)
        #expect(start.stderr.contains(path) && start.stderr.contains("not a regular file"), "\(start.stderr)")
    }

    @Test(arguments: Plant.allCases)
    func nonRegularKeysAreRefused(kind: Plant) throws {
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        // The seal key, through wscd.
        let seal = d.directory + "/seal.key"
        try Self.plant(kind, at: seal)
        try Self.editConfig(
            d, "directory = \"\(d.directory)/state\"", "directory = \"\(d.directory)/state\"\nseal_key = \"\(seal)\"")
        let start = try Self.wscd(d)
        #expect(start.status == 1)
        #expect(
            start.stderr.contains(seal) && start.stderr.contains(Self.refusalWords(kind, followsLinks: false)),
            "\(start.stderr)")
        // A secret key, through wscctl (which follows links: a link to a FIFO is refused as the FIFO).
        let secret = d.directory + "/secret.key"
        try Self.plant(kind, at: secret)
        let module = d.directory + "/module.wasm"
        try Self.write(try d.signed(by: d.alice), module, mode: 0o644)
        let sign = try Self.run(Self.wscctl, ["sign", "-i", module, "-o", d.directory + "/out.wasm", "-k", secret])
        #expect(sign.status != 0 && sign.status != 137)
        #expect(
            sign.stderr.contains(secret) && sign.stderr.contains(Self.refusalWords(kind, followsLinks: true)),
            "\(sign.stderr)")
    }

    @Test(arguments: Plant.allCases)
    func nonRegularModuleIsRefusedByWscctl(kind: Plant) throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let module = d.directory + "/module.wasm"
        try Self.plant(kind, at: module)
        let words = Self.refusalWords(kind, followsLinks: true)
        for extra in [["--state-dir", d.directory + "/state"], ["--daemon", "--socket", d.socketPath, "--fd"]] {
            let verify = try Self.run(Self.wscctl, ["verify", "-i", module] + extra)
            #expect(verify.status == 2, "\(extra): \(verify.stderr)")
            #expect(verify.stderr.contains("module \(module) \(words)"), "\(extra): \(verify.stderr)")
        }
    }

    @Test func leftoverTemporaryFilesAreRemovedAtStart() throws {
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        let state = d.directory + "/state"
        try FileManager.default.createDirectory(
            atPath: state, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let leftovers = ["state.json.tmp-4242-1", "pending.dsse.json.tmp-4242-2", "signing.key.tmp-17-3"]
        for name in leftovers { try Self.write([1, 2, 3], state + "/" + name) }
        try d.start()
        let names = try FileManager.default.contentsOfDirectory(atPath: state)
        #expect(names.allSatisfy { !$0.contains(".tmp-") }, "\(names)")
        #expect(names.contains("state.json"))
    }

    @Test func sealKeyReadableByOthersIsRefusedWithTheChmod() throws {
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        let seal = d.directory + "/seal.key"
        try Self.write([UInt8](repeating: 7, count: 32), seal, mode: 0o644)
        try Self.editConfig(
            d, "directory = \"\(d.directory)/state\"", "directory = \"\(d.directory)/state\"\nseal_key = \"\(seal)\"")
        let start = try Self.wscd(d)
        #expect(start.status == 1)
        #expect(start.stderr.contains("run `chmod 600 \(seal)`"), "\(start.stderr)")
        let status = try Self.run(
            Self.wscctl, ["bundle", "status", "--state-dir", d.directory + "/state", "--seal-key", seal])
        #expect(status.status != 0)
        #expect(status.stderr.contains("run `chmod 600 \(seal)`"), "\(status.stderr)")
    }
}
