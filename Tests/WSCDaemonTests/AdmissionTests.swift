import Foundation
import Testing
import WSCClient
import WSCJSON
import WSCProtocol

/// Admission at accept: a peer allowed nothing never takes a slot, per-uid caps, slots kept for administrators,
/// and refusals that say which rule refused them. The tests run as root; the other peer is uid 65534 (nobody),
/// running the real wscctl under setpriv.
@Suite(.serialized) struct AdmissionTests {
    static let nobody: UInt32 = 65534

    /// A daemon whose socket nobody can reach (mode 0666, directory searchable).
    static func daemon(
        signUIDs: [UInt32], rotateUIDs: [UInt32], verifyUIDs: [UInt32], server: String
    ) throws -> DaemonHarness {
        try daemon(signUIDs: signUIDs, rotateUIDs: rotateUIDs, verifyUIDs: verifyUIDs, server: server, log: "")
    }

    /// A daemon whose socket nobody can reach (mode 0666, directory searchable), with `[log]` settings.
    static func daemon(
        signUIDs: [UInt32], rotateUIDs: [UInt32], verifyUIDs: [UInt32], server: String, log: String
    ) throws -> DaemonHarness {
        let d = try DaemonHarness(
            signUIDs: signUIDs, rotateUIDs: rotateUIDs, verifyUIDs: verifyUIDs,
            extraServer: "socket_mode = \"0666\"\n" + server, extraLog: log, start: false)
        chmod(d.directory, 0o711)
        try d.start()
        return d
    }

    /// `wscctl status` run as uid 65534: its exit status and output.
    static func statusAsNobody(_ d: DaemonHarness) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = [
            "--reuid", "\(nobody)", "--regid", "\(nobody)", "--clear-groups",
            DaemonHarness.wscd.deletingLastPathComponent().appendingPathComponent("wscctl").path, "status",
            "--socket", d.socketPath,
        ]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// The error an answer carries, if any.
    static func error(_ frame: Frame) -> ProtocolError? {
        do {
            _ = try Messages.result(of: frame.header)
            return nil
        } catch {
            return error as? ProtocolError ?? ProtocolError(.internalError, "\(error)")
        }
    }

    /// Waits (bounded) until the daemon counts `expected` open connections, as seen by `c`'s status.
    static func openConnections(_ c: WSCClient, reach expected: Int64) throws -> Int64? {
        var open: Int64?
        for _ in 0..<200 {
            if case .object(let connections) = try c.call(.status).result["connections"] ?? .null,
                case .integer(let n) = connections["open"] ?? .null
            {
                open = n
                if n == expected { break }
            }
            usleep(10_000)
        }
        return open
    }

    @Test func unauthorizedFloodIsRefusedAtAcceptWhileAnAuthorizedPeerGetsAnswers() throws {
        // Root is allowed nothing; nobody may verify. At most 16 connections: the flood is far more.
        let d = try Self.daemon(
            signUIDs: [Self.nobody], rotateUIDs: [Self.nobody], verifyUIDs: [Self.nobody],
            server: "max_connections = 16")
        defer { d.cleanUp() }
        let refused = Mutex2()
        let failures = Mutex2()
        let stop = Flag()
        let finished = Flag()
        // The flood keeps its connections open on its side; each is answered why before wscd closes it.
        let flood = Thread {
            var held: [WSCClient] = []
            while !stop.isSet {
                do {
                    let c = try d.client()
                    // Keep the last 256 open: enough to fill the server many times over, within this process's
                    // descriptor limit.
                    if held.count == 256 { held.removeFirst() }
                    held.append(c)
                    let error = Self.error(try c.receive())
                    if error?.code == .notAuthorized, error?.message.contains("may not verify, sign or rotate") == true
                    {
                        refused.add("refused")
                    } else {
                        failures.add("flood connection answered \(String(describing: error))")
                    }
                } catch {
                    failures.add("flood: \(error)")
                }
            }
            held.removeAll()
            finished.set()
        }
        flood.start()
        for _ in 0..<1000 where refused.items.count < 100 { usleep(10_000) }
        var answered = 0
        for _ in 0..<5 {
            let (status, output) = try Self.statusAsNobody(d)
            #expect(status == 0, "\(output)")
            if output.contains("trust bundle    version 1") { answered += 1 }
        }
        stop.set()
        for _ in 0..<1000 where !finished.isSet { usleep(10_000) }
        #expect(finished.isSet)
        #expect(answered == 5)
        #expect(failures.items.isEmpty, "\(failures.items.prefix(3))")
        #expect(refused.items.count >= 100)
        // A request sent on a refused connection gets the refusal, not a bare reset.
        let late = try d.client()
        #expect(throws: ProtocolError(.notAuthorized, "")) { try late.call(.hello) }
        // Refusals are logged at most once per interval (60 s) per uid, not once per connection.
        let lines = d.stderr.split(separator: "\n").filter {
            $0.contains("connection refused") && $0.contains("peer_uid=0")
        }
        #expect(!lines.isEmpty)
        #expect(lines.count < refused.items.count / 10, "\(lines.count) log lines")
        #expect(d.process.isRunning)
    }

    @Test func aUIDOverItsCapIsRefusedWithTheLimitNamed() throws {
        let d = try DaemonHarness(extraServer: "max_connections_per_uid = 3")
        defer { d.cleanUp() }
        let first = try d.client()
        #expect(try Self.openConnections(first, reach: 1) == 1)
        let second = try d.client()
        let third = try d.client()
        _ = try second.call(.hello)
        _ = try third.call(.hello)
        let fourth = try d.client()
        do {
            _ = try fourth.call(.hello)
            Issue.record("a fourth connection of uid 0 was admitted")
        } catch let error as ProtocolError {
            #expect(error.code == .tooManyConnections)
            #expect(error.message.contains("max_connections_per_uid"), "\(error.message)")
        }
        // Once one closes, the uid may connect again; the others kept working throughout.
        _ = consume third
        #expect(try Self.openConnections(first, reach: 2) == 2)
        #expect(try d.client().call(.hello).result["version"] == .integer(1))
        #expect(try second.call(.status).result["errors"] != nil)
    }

    @Test func reservedConnectionsAdmitAnAdministratorWhenOthersFillTheServer() throws {
        // Root may verify only; nobody may also rotate. 6 connections, 2 of them kept for rotators.
        let d = try Self.daemon(
            signUIDs: [0], rotateUIDs: [Self.nobody], verifyUIDs: [0, Self.nobody],
            server: "max_connections = 6\nreserved_connections = 2")
        defer { d.cleanUp() }
        let first = try d.client()
        #expect(try Self.openConnections(first, reach: 1) == 1)
        var held = [first]
        for _ in 0..<3 {
            let c = try d.client()
            _ = try c.call(.hello)
            held.append(c)
        }
        let fifth = try d.client()
        do {
            _ = try fifth.call(.hello)
            Issue.record("root took a connection kept for administrators")
        } catch let error as ProtocolError {
            #expect(error.code == .tooManyConnections)
            #expect(error.message.contains("reserved_connections = 2"), "\(error.message)")
        }
        let (status, output) = try Self.statusAsNobody(d)
        #expect(status == 0, "\(output)")
        #expect(output.contains("trust bundle    version 1"), "\(output)")
        #expect(try first.call(.hello).result["version"] == .integer(1))
        #expect(held.count == 4)
    }

    @Test func everyRefusalIsCountedInTheLogWithoutALinePerConnection() throws {
        let d = try Self.daemon(
            signUIDs: [Self.nobody], rotateUIDs: [Self.nobody], verifyUIDs: [Self.nobody], server: "",
            log: "refusal_interval_seconds = 1")
        defer { d.cleanUp() }
        var refused = 1  // the harness's readiness check
        for _ in 0..<60 {
            let c = try d.client()
            if Self.error(try c.receive())?.code == .notAuthorized { refused += 1 }
        }
        #expect(refused == 61)
        // Lines logged plus the refusals each line says were not logged add up to every refusal, once the
        // summary of the last interval is out.
        func logged() -> (lines: Int, total: Int) {
            let lines = d.stderr.split(separator: "\n").filter { $0.contains("peer_uid=0") && $0.contains("refused") }
            let counted = lines.filter { $0.contains("connection refused:") }.count
            let suppressed = lines.compactMap { line -> Int? in
                guard let range = line.range(of: "suppressed=") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }
            return (lines.count, counted + suppressed.reduce(0, +))
        }
        var seen = logged()
        for _ in 0..<500 where seen.total != refused {
            usleep(10_000)
            seen = logged()
        }
        #expect(seen.total == refused, "\(d.stderr)")
        #expect(seen.lines < refused / 2, "\(seen.lines) log lines for \(refused) refusals")
    }
}
