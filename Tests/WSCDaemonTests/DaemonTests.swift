import Foundation
import Testing
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol
import WasmSignatures

@Suite(.serialized) struct DaemonTests {
    @Test func helloStatusVerifyAndSign() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        let hello = try c.call(.hello, [("versions", .array([.integer(1), .integer(7)]))]).result
        #expect(hello["version"] == .integer(1))
        #expect(throws: ProtocolError(.unsupportedVersion, "")) {
            try c.call(.hello, [("versions", .array([.integer(9)]))])
        }

        let ok = try c.call(.verify, body: try d.signed(by: d.alice)).result
        #expect(ok.valid)
        #expect(ok.signers == ["alice"])
        #expect(ok.bundleVersion == 1)
        let stranger = try c.call(.verify, body: try d.signed(by: PrivateKey.generate(.ed25519))).result
        #expect(!stranger.valid)
        let bobOnly = try c.call(.verify, [("publishers", .array([.string("bob")]))], body: try d.signed(by: d.alice))
            .result
        #expect(!bobOnly.valid)

        // Sign with the daemon's key, then check the signature offline with its public key id.
        let (result, signed) = try c.call(.sign, body: DaemonHarness.unsigned)
        guard case .string(let keyID) = result["keyId"] ?? .null else {
            Issue.record("no key id")
            return
        }
        let verifier = try WasmVerifier(module: WasmModule(bytes: signed))
        #expect(verifier.signatureData.records.first?.signatures.count == 1)
        if case .signature(let s) = verifier.signatureData.records[0].signatures[0] {
            #expect(s.keyID.map { $0.map { String(format: "%02x", $0) }.joined() } == keyID)
        }
        let keyless = try? c.call(.sign, [("keyless", .bool(true))], body: DaemonHarness.unsigned)
        #expect(keyless == nil)

        let status = try c.call(.status).result
        #expect(status["counter"] == .integer(1))
        if case .object(let requests) = status["requests"] ?? .null { #expect(requests["verify"] == .integer(3)) }
        #expect(d.stop() == 0, "\(d.stderr)")
    }

    @Test func moduleAsFileDescriptorAndDetachedSignature() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let path = d.directory + "/m.wasm"
        try Data(try d.signed(by: d.bob, padding: 200_000)).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let c = try d.client()
        let result = try c.call(.verify, [("fd", .bool(true))], passing: fd).result
        #expect(result.valid)
        #expect(result.signers == ["bob"])
        // "fd": true without a descriptor is a clear error.
        #expect(throws: ProtocolError(.badRequest, "")) { try c.call(.verify, [("fd", .bool(true))]) }
        // Detached: module bytes then signature bytes, split by signatureLength.
        let out = try WasmSigner.sign(module: WasmModule(bytes: DaemonHarness.unsigned), key: d.alice, detached: true)
        let detached = try c.call(
            .verify, [("signatureLength", .integer(Int64(out.signatureData.count)))],
            body: DaemonHarness.unsigned + out.signatureData)
        #expect(detached.result.valid)
    }

    /// Large inline modules are hashed while they arrive: the verdicts and the content digest must be those of
    /// hashing the whole module, for embedded and detached signatures, and a changed byte must still be caught.
    @Test func largeInlineModulesHashedWhileArrivingGetTheSameVerdicts() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        let module = try d.signed(by: d.alice, padding: 3 << 20)
        let expected = ModuleParts(module: try WasmModule(bytes: module)).parts.last!.rollingHash
        let hex = expected.map { String(format: "%02x", $0) }.joined()
        let ok = try c.call(.verify, body: module).result
        #expect(ok.valid)
        #expect(ok["contentSha256"] == .string(hex))
        var tampered = module
        tampered[tampered.count - 10] ^= 0x01
        let bad = try c.call(.verify, body: tampered).result
        #expect(!bad.valid)
        #expect(bad["contentSha256"] != .string(hex))

        var padded = DaemonHarness.unsigned
        padded += [0x00, 0x84, 0x80, 0x10, 0x03] + Array("pad".utf8) + [UInt8](repeating: 7, count: 0x40000)
        let out = try WasmSigner.sign(module: WasmModule(bytes: padded), key: d.bob, detached: true)
        let detached = try c.call(
            .verify, [("signatureLength", .integer(Int64(out.signatureData.count)))], body: padded + out.signatureData
        ).result
        #expect(detached.valid)
        #expect(detached.signers == ["bob"])
        // The same bytes as a descriptor give the same digest.
        let path = d.directory + "/big.wasm"
        try Data(module).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let viaFD = try c.call(.verify, [("fd", .bool(true))], passing: fd).result
        #expect(viaFD.valid)
        #expect(viaFD["contentSha256"] == .string(hex))
        // All four were hashed while they arrived (three inline streams, one descriptor read in chunks).
        let status = try c.call(.status).result
        guard case .object(let hashing) = status["verifyHashing"] ?? .null else {
            Issue.record("no verifyHashing in status")
            return
        }
        #expect(hashing["whileArriving"] == .integer(4))
        #expect(hashing["afterArrival"] == nil)
    }

    @Test func thirtyTwoPipelinedClientsGetCorrectVerdicts() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let good = try d.signed(by: d.alice, padding: 4096)
        var tampered = good
        tampered[tampered.count - 1] ^= 1
        let bad = tampered
        let failures = Mutex2()
        DispatchQueue.concurrentPerform(iterations: 32) { worker in
            do {
                let c = try d.client()
                var expected: [Int64: Bool] = [:]
                for i in 0..<24 {
                    let isGood = (i + worker) % 3 != 0
                    let id = try c.send(.verify, body: isGood ? good : bad)
                    expected[id] = isGood
                }
                for _ in 0..<24 {
                    let frame = try c.receive()
                    let id = Messages.id(of: frame.header)!
                    let result = try Messages.result(of: frame.header)
                    if result.valid != expected[id] { failures.add("client \(worker) request \(id): wrong verdict") }
                }
            } catch {
                failures.add("client \(worker): \(error)")
            }
        }
        #expect(failures.items.isEmpty, "\(failures.items.prefix(5))")
        #expect(d.stop() == 0, "\(d.stderr)")
    }

    @Test func hostileClientsLoseOnlyTheirConnection() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let good = try d.signed(by: d.alice)

        // A frame claiming 4 GiB: an error answer, then the connection closes.
        let huge = try d.client()
        try huge.sendRaw([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 2])
        let answer = try huge.receive()
        #expect(throws: ProtocolError(.frameTooLarge, "")) { try Messages.result(of: answer.header) }
        #expect(throws: (any Error).self) { try huge.receive() }

        // Garbage bytes: a header that is not JSON.
        let garbage = try d.client()
        try garbage.sendRaw([0, 0, 0, 10, 0, 0, 0, 6] + Array("nojson".utf8))
        #expect(throws: ProtocolError(.badFrame, "")) { try Messages.result(of: try garbage.receive().header) }

        // Half a frame, then silence: answered `timeout` (saying which setting) after the read timeout (2 s),
        // then closed.
        let slow = try d.client()
        try slow.sendRaw([0, 0, 1, 0, 0, 0])
        let started = Date()
        let timedOut = try slow.receive()
        #expect(timedOut.header["id"] == .null)
        #expect(throws: ProtocolError(.timeout, "")) { try Messages.result(of: timedOut.header) }
        do {
            _ = try Messages.result(of: timedOut.header)
        } catch let error as ProtocolError {
            #expect(error.message.contains("read_timeout_seconds"), "\(error.message)")
        }
        #expect(throws: ProtocolError(.connectionClosed, "")) { try slow.receive() }
        #expect(Date().timeIntervalSince(started) < 15)

        // A client that sends a request and disconnects before reading the answer.
        for _ in 0..<20 {
            let rude = try d.client()
            try rude.send(.verify, body: good)
        }

        // Unknown operation: a clear error, the connection stays usable.
        let c = try d.client()
        let bogus = try c.sendRawRequest(["id": .integer(1), "op": .string("launch")])
        #expect(throws: ProtocolError(.unknownOperation, "")) { try Messages.result(of: bogus.header) }
        #expect(try c.call(.verify, body: good).result.valid)
        #expect(d.process.isRunning)
    }

    @Test func thousandConnectCloseCyclesLeakNoDescriptors() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        _ = try d.client().call(.status)
        usleep(200_000)
        let baseline = d.openDescriptors
        for i in 0..<1000 {
            let c = try d.client()
            if i % 10 == 0 { _ = try c.call(.hello) }
        }
        var after = d.openDescriptors
        for _ in 0..<50 where after > baseline {
            usleep(100_000)
            after = d.openDescriptors
        }
        #expect(after <= baseline, "descriptors: \(baseline) before, \(after) after")
    }

    @Test func rotateUnderLoadNeverFailsAVerify() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let good = try d.signed(by: d.alice, padding: 16_384)
        let failures = Mutex2()
        let versions = Mutex2()
        let stop = Flag()
        var threads: [Thread] = []
        for worker in 0..<6 {
            // Dedicated threads: the shared Dispatch pool may be busy with other suites running in parallel.
            let thread = Thread {
                do {
                    let c = try d.client()
                    while !stop.isSet {
                        let r = try c.call(.verify, body: good).result
                        if !r.valid { failures.add("worker \(worker): \(r["reason"].map { "\($0)" } ?? "")") }
                        versions.add("\(r.bundleVersion ?? -1)")
                    }
                } catch {
                    failures.add("worker \(worker): \(error)")
                }
                versions.add("done")
            }
            threads.append(thread)
            thread.start()
        }
        // Rotate only once every worker is verifying.
        for _ in 0..<200 where versions.items.count < 12 { usleep(10_000) }
        let admin = try d.client()
        for version in 2...6 {
            usleep(50_000)
            let r = try admin.call(
                .rotate, [("target", .string("bundle"))], body: try d.bundle(version: UInt64(version))
            ).result
            #expect(r["version"] == .integer(Int64(version)))
        }
        // A rollback attempt under load is refused and changes nothing.
        #expect(throws: ProtocolError(.rotateRefused, "")) {
            try admin.call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: 3))
        }
        // Run until a verify has answered under the last bundle (bounded), then stop and wait for every worker.
        for _ in 0..<500 where !versions.items.contains("6") { usleep(10_000) }
        stop.set()
        for _ in 0..<1000 where versions.items.filter({ $0 == "done" }).count < 6 { usleep(10_000) }
        #expect(failures.items.isEmpty, "\(failures.items.prefix(5))")
        #expect(Set(versions.items).isSubset(of: ["1", "2", "3", "4", "5", "6", "done"]))
        #expect(Set(versions.items).contains("6"))
    }

    @Test func sigtermUnderLoadDrainsAndExitsZero() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let good = try d.signed(by: d.alice, padding: 65_536)
        let clients = try (0..<8).map { _ in try d.client() }
        for c in clients { for _ in 0..<4 { try c.send(.verify, body: good) } }
        kill(d.process.processIdentifier, SIGTERM)
        // Every request sent before SIGTERM is answered.
        for c in clients {
            for _ in 0..<4 { #expect(try Messages.result(of: try c.receive().header).valid) }
        }
        d.process.waitUntilExit()
        #expect(d.process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: d.socketPath))
    }

    @Test func peerWithoutRightsIsRefusedSignAndRotate() throws {
        let d = try DaemonHarness(signUIDs: [4242], rotateUIDs: [4242])
        defer { d.cleanUp() }
        let c = try d.client()
        #expect(throws: ProtocolError(.notAuthorized, "")) { try c.call(.sign, body: DaemonHarness.unsigned) }
        #expect(throws: ProtocolError(.notAuthorized, "")) {
            try c.call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: 2))
        }
        #expect(throws: ProtocolError(.notAuthorized, "")) { try c.call(.rotate, [("target", .string("signingKey"))]) }
        #expect(try c.call(.verify, body: try d.signed(by: d.alice)).result.valid)
        #expect(d.stderr.contains("denied"))
    }

    @Test func signingKeyRotationRetiresTheOldKey() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        let before = try c.call(.status).result["signingKeyId"]
        let rotated = try c.call(.rotate, [("target", .string("signingKey"))]).result
        #expect(rotated["keyId"] != before)
        let status = try c.call(.status).result
        #expect(status["retiredKeyIds"] == .array([before ?? .null]))
    }

    @Test func badConfigurationStopsStartWithFileAndLine() throws {
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        try Data("[server]\nsocket = \"/tmp/x.sock\"\nbogus_key = 1\n".utf8).write(
            to: URL(fileURLWithPath: d.configPath))
        let p = Process()
        p.executableURL = DaemonHarness.wscd
        p.arguments = ["--config", d.configPath, "--check-config"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(text.contains("wscd.toml:3"), "\(text)")
    }
}

/// A small thread-safe list for results gathered from many threads.
final class Mutex2: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ s: String) { lock.withLock { storage.append(s) } }
    var items: [String] { lock.withLock { storage } }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

extension WSCClient {
    /// Sends a request header built by hand and returns the answer.
    func sendRawRequest(_ fields: [String: JSONValue]) throws -> Frame {
        try sendRaw(Frame(header: try JSONObject(fields.map { ($0.key, $0.value) })).encoded())
        return try receive()
    }
}
