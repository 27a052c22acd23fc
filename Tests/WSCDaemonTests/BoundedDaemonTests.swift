import Foundation
import Sigstore
import Testing
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol
import WasmSignatures

/// A module passed by descriptor is hashed as it is read, never held whole; large verifies per uid are limited;
/// a descriptor gives the verdict its bytes inline give; rotates never hold verifies up.
@Suite(.serialized) struct BoundedDaemonTests {
    /// A kilobyte figure from /proc/PID/status (`VmRSS`, `VmHWM`).
    static func memory(_ pid: Int32, _ field: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw HarnessError("no \(field) in /proc/\(pid)/status") }
        return kib
    }

    /// A sparse module file of exactly `size` bytes: the preamble and one custom section of zeros. Returns its
    /// wasmsig detached signature by `key` (hashing the zeros here, in chunks).
    static func sparseModule(at path: String, size: Int, key: PrivateKey) throws -> [UInt8] {
        let name = Array("big".utf8)
        let payload = size - 8 - 1 - 5  // a 5-byte LEB128 size for any payload of 256 MiB or more
        var header: [UInt8] = [0x00]
        var v = payload
        for i in 0..<5 {
            header.append(UInt8(v & 0x7F) | (i < 4 ? 0x80 : 0))
            v >>= 7
        }
        header += [UInt8(name.count)] + name
        let hasher = StreamingHasher(.sha256)
        hasher.update(header)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        var left = payload - 1 - name.count
        while left > 0 {
            let n = min(left, zeros.count)
            zeros.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            left -= n
        }
        let hash = hasher.finalize()
        let signature = try key.sign(SignatureData.message(for: [hash]))
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        guard fd >= 0 else { throw HarnessError("cannot create \(path)") }
        defer { close(fd) }
        let start = WasmModule.coreModulePreamble + header
        guard write(fd, start, start.count) == start.count, ftruncate(fd, off_t(size)) == 0 else {
            throw HarnessError("cannot write \(path)")
        }
        return SignatureData(records: [
            SignedHashes(hashes: [hash], signatures: [.signature(SignatureForHashes(keyID: nil, signature: signature))])
        ]).serialized()
    }

    @Test func aGibibyteByDescriptorStaysWithin64MiBOfIdle() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let path = d.directory + "/big.wasm"
        let signature = try Self.sparseModule(at: path, size: 1 << 30, key: d.alice)
        // Large work runs at a lower priority: on a busy machine a gibibyte may take a while (no timing here).
        let c = try WSCClient(socketPath: d.socketPath, timeoutSeconds: 600)
        // Warm up the verify path with a small module, then take the idle figure.
        #expect(try c.call(.verify, body: try d.signed(by: d.alice)).result.valid)
        let pid = d.process.processIdentifier
        let idle = try Self.memory(pid, "VmRSS")
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let verdict = try c.call(
            .verify, [("fd", .bool(true)), ("signatureLength", .integer(Int64(signature.count)))], body: signature,
            passing: fd
        ).result
        let peak = try Self.memory(pid, "VmHWM")
        let after = try Self.memory(pid, "VmRSS")
        #expect(verdict.valid, "\(verdict)")
        #expect(verdict.signers == ["alice"])
        // The whole module was read and hashed: a changed signature (another key) fails on the same file.
        let other = try Self.sparseModule(at: d.directory + "/other.wasm", size: 1 << 28, key: d.bob)
        let mismatch = try c.call(
            .verify, [("fd", .bool(true)), ("signatureLength", .integer(Int64(other.count)))], body: other,
            passing: fd
        ).result
        #expect(!mismatch.valid)
        #expect(peak - idle < 64 << 10, "VmHWM \(peak) KiB against \(idle) KiB idle")
        #expect(after - idle < 64 << 10, "VmRSS \(after) KiB after against \(idle) KiB idle")
    }

    @Test func largeVerifiesPerUIDAreLimited() throws {
        let d = try DaemonHarness(extraServer: "large_verify_bytes = 65536\nmax_large_verifies_per_uid = 1")
        defer { d.cleanUp() }
        let path = d.directory + "/big.wasm"
        let signature = try Self.sparseModule(at: path, size: 1 << 30, key: d.alice)
        let fields: [(String, JSONValue)] = [
            ("fd", .bool(true)), ("signatureLength", .integer(Int64(signature.count))),
        ]
        let c = try WSCClient(socketPath: d.socketPath, timeoutSeconds: 600)
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        // Two on one connection, pipelined: the second arrives while the first reads its gibibyte.
        try c.send(.verify, fields, body: signature, passing: fd)
        try c.send(.verify, fields, body: signature, passing: fd)
        var answers: [JSONObject] = []
        for _ in 0..<2 { answers.append(try c.receive().header) }
        let busy = answers.filter {
            if case .object(let error) = $0["error"] ?? .null { return error["code"] == .string("busy") }
            return false
        }
        let valid = answers.filter {
            if case .object(let result) = $0["result"] ?? .null { return result.valid }
            return false
        }
        #expect(busy.count == 1, "\(answers)")
        #expect(valid.count == 1, "\(answers)")
        if case .object(let error) = busy.first?["error"] ?? .null,
            case .string(let message) = error["message"] ?? .null
        {
            #expect(message.contains("max_large_verifies_per_uid"))
        } else {
            Issue.record("no busy message in \(answers)")
        }
        // Below the threshold, verifies by descriptor are not counted.
        let small = d.directory + "/small.wasm"
        try Data(try d.signed(by: d.alice)).write(to: URL(fileURLWithPath: small))
        let smallFD = open(small, O_RDONLY)
        defer { close(smallFD) }
        #expect(try c.call(.verify, [("fd", .bool(true))], passing: smallFD).result.valid)
    }

    /// Only wscd's own low-priority lanes run at nice +10: Dispatch's workers, which serve every ordinary verify,
    /// stay at the daemon's priority after descriptor verifies and bundle rotates (a thread Linux starts inherits
    /// its creator's nice value, so a nice thread that handed work to Dispatch could leave it nice for good).
    @Test func niceThreadsAreOnlyTheLowPriorityLanes() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        let small = d.directory + "/small.wasm"
        try Data(try d.signed(by: d.alice)).write(to: URL(fileURLWithPath: small))
        let fd = open(small, O_RDONLY)
        defer { close(fd) }
        for round in 0..<12 {
            // Several connections at once, so Dispatch needs more workers while the nice threads hand back.
            let clients = try (0..<4).map { _ in try d.client() }
            for client in clients { try client.send(.verify, [("fd", .bool(true))], body: [], passing: fd) }
            for client in clients { #expect(try Messages.result(of: client.receive().header).valid) }
            if round % 4 == 0 {
                let version = UInt64(2 + round / 4)
                _ = try c.call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: version))
            }
        }
        // Dispatch lets idle workers go after a few seconds and starts new ones on demand, from the thread that
        // hands it work: after a pause, the next descriptor verifies' answers are what starts them.
        sleep(7)
        let clients = try (0..<4).map { _ in try d.client() }
        for client in clients { try client.send(.verify, [("fd", .bool(true))], body: [], passing: fd) }
        for client in clients { #expect(try Messages.result(of: client.receive().header).valid) }
        #expect(try c.call(.verify, body: try d.signed(by: d.alice)).result.valid)
        let pid = d.process.processIdentifier
        var lanes = 0
        var others: [String] = []
        for tid in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") {
            let base = "/proc/\(pid)/task/\(tid)"
            let name = try String(contentsOfFile: base + "/comm", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            // stat: "TID (COMM) STATE ..."; after the closing parenthesis, nice is the 17th field.
            let stat = try String(contentsOfFile: base + "/stat", encoding: .utf8)
            let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
            let nice = try #require(Int(fields[16]))
            if name == "wscd-low" || name == "wscd-install" {
                lanes += 1
                #expect(nice == 10, "\(name) runs at nice \(nice)")
            } else if nice > 0 {
                others.append("\(name) (tid \(tid)) at nice \(nice)")
            }
        }
        #expect(lanes >= 2, "expected the low and install lanes' threads")
        #expect(others.isEmpty, "threads outside the low-priority lanes run nice: \(others)")
    }

    /// The verdict for a module by descriptor equals the verdict for the same bytes inline: wasmsig (valid,
    /// tampered, detached), keyless (embedded, detached, tampered), key-signed Sigstore bundles.
    @Test func descriptorAndInlineGiveTheSameVerdicts() throws {
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        let root = try KeylessDaemonTests.file("trusted_root.json")
        try Data(try d.bundle(version: 1, sigstoreRoot: root, identities: [KeylessDaemonTests.identity]))
            .write(to: URL(fileURLWithPath: d.directory + "/bundle.json"))
        try d.start()
        let c = try d.client()
        // The daemon's own key becomes a publisher, for key-signed Sigstore bundles.
        guard case .string(let pem) = try c.call(.status).result["signingPublicKey"] ?? .null else {
            throw HarnessError("no signing key in status")
        }
        let now = TrustedTime.current(floor: 0).systemClock
        var builder = TrustBundleBuilder(
            version: 2, issuedAt: now - 60, notBefore: now - 60, expires: now + 30 * 86400,
            bundleKeys: [d.root.publicKey])
        builder.publishers = [
            .init(name: "alice", publicKey: d.alice.publicKey), .init(name: "bob", publicKey: d.bob.publicKey),
            .init(name: "wscd", publicKey: try PublicKey(pem: pem)),
        ]
        builder.sigstoreTrustedRoot = try JSONParser.parse(root)
        builder.identities = [KeylessDaemonTests.identity]
        var envelope = try builder.envelope()
        try envelope.sign(with: d.root)
        let rotated = try c.call(.rotate, [("target", .string("bundle"))], body: envelope.serialized()).result
        #expect(rotated["version"] == .integer(2))

        let signed = try d.signed(by: d.alice, padding: 200_000)
        var tampered = signed
        tampered[tampered.count - 3] ^= 1
        let detachedOut = try WasmSigner.sign(
            module: WasmModule(bytes: DaemonHarness.unsigned), key: d.bob, detached: true)
        let keyless = try KeylessDaemonTests.file("module.keyless.wasm")
        var keylessTampered = keyless
        keylessTampered[12] ^= 1
        let plain = try KeylessDaemonTests.file("module.wasm")
        let plainBundle = try KeylessDaemonTests.file("module.wasm.sigstore.json")
        let keySigned = try c.call(.sign, [("format", .string("sigstore-bundle"))], body: DaemonHarness.unsigned).body
        // (module, detached wasmsig signature, detached Sigstore bundle, request fields)
        let cases: [(String, [UInt8], [UInt8]?, [UInt8]?, [(String, JSONValue)])] = [
            ("signed", signed, nil, nil, []),
            ("tampered", tampered, nil, nil, []),
            ("detached wasmsig", DaemonHarness.unsigned, detachedOut.signatureData, nil, []),
            ("keyless embedded", keyless, nil, nil, []),
            ("keyless embedded, wasmsig only", keyless, nil, nil, [("kind", .string("wasmsig"))]),
            ("keyless tampered", keylessTampered, nil, nil, []),
            ("keyless detached", plain, nil, plainBundle, []),
            ("keyless detached, other bytes", Array(plain.dropLast()), nil, plainBundle, []),
            ("key-signed Sigstore bundle", DaemonHarness.unsigned, nil, keySigned, []),
            ("unsigned", DaemonHarness.unsigned, nil, nil, []),
            ("not wasm", Array("not a module".utf8), nil, nil, []),
        ]
        var validCount = 0
        for (index, (name, module, signature, bundle, extra)) in cases.enumerated() {
            // The same typed request (WSCProtocol's body layout) inline and by descriptor.
            var request = try VerifyRequest(
                header: JSONObject([("id", .integer(0)), ("op", .string("verify"))] + extra))
            request.moduleByDescriptor = false
            let inline = try c.verify(request, module: module, signature: signature, sigstoreBundle: bundle)
            let path = d.directory + "/case-\(index).wasm"
            try Data(module).write(to: URL(fileURLWithPath: path))
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            let viaFD = try c.verify(request, signature: signature, sigstoreBundle: bundle, passing: fd)
            #expect(viaFD == inline, "\(name): descriptor \(viaFD) inline \(inline)")
            if inline.valid { validCount += 1 }
        }
        // signed, detached wasmsig, keyless embedded and detached, key-signed verified.
        #expect(validCount >= 5)
    }

    /// Verifies keep being answered, all valid, while bundles of several megabytes are rotated in; no verify sees
    /// an older bundle after a newer one.
    @Test func rotateUnderVerifyLoad() throws {
        let d = try DaemonHarness(extraServer: "")
        defer { d.cleanUp() }
        // About 3 MB each: 500 extra publishers and 40,000 revoked certificates.
        var fillers: [(String, PrivateKey)] = [("alice", d.alice), ("bob", d.bob)]
        for i in 0..<500 { fillers.append(("filler-\(i)", try PrivateKey.generate(.ed25519))) }
        let revoked = (0..<40_000).map { Hex.encode(Digest.sha256(Array("revoked \($0)".utf8))) }
        let v2 = try d.bundle(version: 2, publishers: fillers, revokedCertificates: revoked)
        let v3 = try d.bundle(version: 3, publishers: fillers, revokedCertificates: revoked)
        #expect(v2.count > 2_500_000)
        let module = try d.signed(by: d.alice)

        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var answered = 0
            var failures: [String] = []
            var regressions = 0
            var stop = false
        }
        let tally = Tally()
        let group = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                let c: WSCClient
                do {
                    c = try d.client()
                } catch {
                    tally.lock.withLock { tally.failures.append("connect: \(error)") }
                    return
                }
                var last: Int64 = 0
                while !tally.lock.withLock({ tally.stop }) {
                    do {
                        let r = try c.call(.verify, body: module).result
                        let version = r.bundleVersion ?? 0
                        tally.lock.withLock {
                            tally.answered += 1
                            if !r.valid { tally.failures.append("\(r)") }
                            if version < last { tally.regressions += 1 }
                        }
                        last = max(last, version)
                    } catch {
                        tally.lock.withLock { tally.failures.append("\(error)") }
                        return
                    }
                }
            }
        }
        // The rotates start once verifies are flowing (the verifying threads may be scheduled late on a busy
        // machine); the wait is bounded and asserts nothing about time.
        for _ in 0..<3000 where tally.lock.withLock({ tally.answered < 2 && tally.failures.isEmpty }) {
            usleep(10_000)
        }
        let rotator = try d.client()
        let r2 = try rotator.call(.rotate, [("target", .string("bundle"))], body: v2).result
        let r3 = try rotator.call(.rotate, [("target", .string("bundle"))], body: v3).result
        tally.lock.withLock { tally.stop = true }
        group.wait()
        #expect(r2["version"] == .integer(2))
        #expect(r3["version"] == .integer(3))
        #expect(tally.failures.isEmpty, "\(tally.failures.prefix(3))")
        #expect(tally.regressions == 0)
        #expect(tally.answered > 0)
        #expect(try d.client().call(.verify, body: module).result.bundleVersion == 3)
    }
}
