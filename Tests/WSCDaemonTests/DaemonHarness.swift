import Foundation
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol
import WSCTestSupport
import WasmSignatures

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A real wscd process in a temporary directory, with a generated trust bundle (publishers alice and bob) and its
/// own configuration.
final class DaemonHarness: @unchecked Sendable {
    let directory: String
    let process = Process()
    let root: PrivateKey
    let alice: PrivateKey
    let bob: PrivateKey
    var socketPath: String { directory + "/wscd.sock" }

    static var wscd: URL {
        let me = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent("wscd")
    }

    /// A fake wall clock for wscd (libfaketime's `FAKETIME`, e.g. `@1970-01-02 00:00:00`), or nil for the real one.
    let fakeTime: String?

    init(
        signUIDs: [UInt32] = [0], rotateUIDs: [UInt32] = [0], verifyUIDs: [UInt32]? = nil, extraServer: String = "",
        extraLog: String = "", extraConfig: String = "", extraState: String = "",
        signing: String = "generate_if_missing = true",
        extraPublishers: [(String, PublicKey)] = [], environment: [String: String] = [:], start: Bool = true,
        fakeTime: String? = nil
    ) throws {
        self.fakeTime = fakeTime
        self.environment = environment
        directory = "/tmp/wscd-test-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        root = try PrivateKey.generate(.ed25519)
        alice = try PrivateKey.generate(.ed25519)
        bob = try PrivateKey.generate(.ed25519)
        try Data(root.publicKey.pem.utf8).write(to: URL(fileURLWithPath: directory + "/root.pub"))
        try Data(try bundle(version: 1, extraPublishers: extraPublishers)).write(
            to: URL(fileURLWithPath: directory + "/bundle.json"))
        let config = """
            [server]
            socket = "\(socketPath)"
            max_frame_bytes = 16777216
            max_requests_in_flight = 8
            idle_timeout_seconds = 30
            read_timeout_seconds = 2
            \(extraServer)

            [state]
            directory = "\(directory)/state"
            \(extraState)

            [trust]
            pinned_keys = ["\(directory)/root.pub"]
            initial_bundle = "\(directory)/bundle.json"

            [authorization]
            \(verifyUIDs.map { "verify_uids = [\($0.map(String.init).joined(separator: ", "))]" } ?? "")
            sign_uids = [\(signUIDs.map(String.init).joined(separator: ", "))]
            rotate_uids = [\(rotateUIDs.map(String.init).joined(separator: ", "))]

            [signing]
            \(signing)

            [log]
            level = "warning"
            format = "text"
            \(extraLog)

            \(extraConfig)
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/wscd.toml"))
        if start { try self.start() }
    }

    var configPath: String { directory + "/wscd.toml" }
    /// Added to wscd's environment (for example SOFTHSM2_CONF).
    let environment: [String: String]

    func bundle(
        version: UInt64, publishers: [(String, PrivateKey)]? = nil, sigstoreRoot: [UInt8]? = nil,
        identities: [TrustBundle.Identity] = [], revokedCertificates: [String] = [],
        tuf: TrustBundle.TUFSettings? = nil, extraPublishers: [(String, PublicKey)] = []
    ) throws -> [UInt8] {
        let now = TrustedTime.current(floor: 0).systemClock
        var b = TrustBundleBuilder(
            version: version, issuedAt: now - 60, notBefore: now - 60, expires: now + 30 * 86400,
            bundleKeys: [root.publicKey])
        b.publishers =
            (publishers ?? [("alice", alice), ("bob", bob)]).map {
                .init(name: $0.0, publicKey: $0.1.publicKey)
            } + extraPublishers.map { .init(name: $0.0, publicKey: $0.1) }
        if let sigstoreRoot { b.sigstoreTrustedRoot = try JSONParser.parse(sigstoreRoot) }
        b.identities = identities
        b.revokedCertificateSHA256 = revokedCertificates
        b.tuf = tuf
        var envelope = try b.envelope()
        try envelope.sign(with: root)
        return envelope.serialized()
    }

    func start() throws {
        process.executableURL = Self.wscd
        process.arguments = ["--config", configPath]
        if let fakeTime {
            process.environment = try FakeClock.environment(fakeTime).merging(environment) { $1 }
        } else if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: directory + "/stderr.log", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/stderr.log"))
        try process.run()
        // Ready when the socket answers hello, or refuses this process (root allowed nothing) with an answer.
        for _ in 0..<400 {
            if let client = try? WSCClient(socketPath: socketPath, timeoutSeconds: 5) {
                do {
                    _ = try client.call(.hello, [("versions", .array([.integer(1)]))])
                    return
                } catch let error as ProtocolError where error.code == .notAuthorized {
                    return
                } catch {}
            }
            guard process.isRunning else { throw HarnessError("wscd exited during start-up: \(stderr)") }
            usleep(25_000)
        }
        throw HarnessError("wscd did not become ready: \(stderr)")
    }

    var stderr: String { (try? String(contentsOfFile: directory + "/stderr.log", encoding: .utf8)) ?? "" }

    func client() throws -> WSCClient { try WSCClient(socketPath: socketPath, timeoutSeconds: 20) }

    /// Stops with SIGTERM and returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    func cleanUp() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count) ?? -1
    }

    // MARK: Modules

    static let unsigned: [UInt8] =
        [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00]
        + [0x00, 0x0A, 0x04] + Array("data".utf8) + [1, 2, 3, 4, 5]

    func signed(by key: PrivateKey, padding: Int = 0) throws -> [UInt8] {
        var module = DaemonHarness.unsigned
        if padding > 0 {
            let payload = [0x07] + Array("padding".utf8) + [UInt8](repeating: 0xAB, count: padding)
            var size: [UInt8] = []
            var v = payload.count
            repeat {
                var b = UInt8(v & 0x7F)
                v >>= 7
                if v != 0 { b |= 0x80 }
                size.append(b)
            } while v != 0
            module += [0x00] + size + payload
        }
        return try WasmSigner.sign(module: WasmModule(bytes: module), key: key).module
    }
}

/// libfaketime (Debian's `faketime` package, installed by `make deps`) preloaded into the real wscd: its wall clock
/// reads the given time while the system clock is untouched. Monotonic clocks are left real (timeouts, rate limits).
enum FakeClock {
    #if arch(arm64)
        static let library = "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"
    #else
        static let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
    #endif
    static let at1970 = "@1970-01-02 00:00:00"

    /// Whether these tests (and so the wscd beside them) are an AddressSanitizer build: libfaketime preloaded into
    /// an ASan wscd recurses in clock_gettime while ASan initializes, and the daemon never becomes ready. The
    /// 1970 daemon tests are then reported as skipped, with that reason; the debug run (`make test-debug`) runs
    /// them, and the wscctl 1970 tests run under ASan too.
    static let underAddressSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil

    static func environment(_ time: String) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: library) else {
            throw HarnessError("\(library) is missing: install the faketime package (make deps)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library
        environment["FAKETIME"] = time
        environment["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        // Without FAKETIME_SHARED, libfaketime's constructor creates shared memory and exports FAKETIME_SHARED
        // itself, and a Swift program then sees no command-line arguments (its runtime finds argv next to
        // `environ`, which the export moves). Names that do not exist: no shared clock control is needed.
        // A name of its own per process: with one shared name, parallel processes that create and remove it race
        // (libfaketime then exits: "sem_open failed and recreation attempts failed").
        let name = "/wsc-ft-\(UUID().uuidString)"
        environment["FAKETIME_SHARED"] = "\(name) \(name)"
        FakeTimeSharedMemory.removeStale()
        return environment
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension JSONObject {
    var valid: Bool { self["valid"] == .bool(true) }
    var signers: [String] {
        guard case .array(let list) = self["signers"] ?? .null else { return [] }
        return list.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }
    var bundleVersion: Int64? { if case .integer(let v) = self["bundleVersion"] ?? .null { v } else { nil } }
}
