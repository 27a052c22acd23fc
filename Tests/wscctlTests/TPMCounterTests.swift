import Foundation
import Testing
import WSCCrypto
import WSCTPM
import WSCTestSupport

@testable import TrustStore

/// The TPM anti-rollback counter against a real swtpm: deletion and restore of the state directory, a crash
/// loop with the TPM in the loop, and each bad TPM input.
@Suite(.serialized) struct TPMCounterTests {
    let cli: WSCCtlRunner
    let tpm: CounterTPM
    let root: PrivateKey
    let sealKey: [UInt8]

    init() throws {
        cli = try WSCCtlRunner()
        tpm = try CounterTPM()
        #expect(try cli.run(["keygen", "--format", "pem", "-k", "root.sk", "-K", "root.pk"]).status == 0)
        root = try PrivateKey(pem: String(decoding: try cli.read("root.sk"), as: UTF8.self))
        sealKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        try cli.write("seal.key", sealKey, mode: 0o600)
    }

    func cleanUp() {
        tpm.stop()
        cli.cleanUp()
    }

    var state: String { cli.path("state") }

    func envelope(_ version: UInt64, publishers: [TrustBundleBuilder.Publisher] = []) throws -> [UInt8] {
        let now = TrustedTime.current(floor: 0).systemClock
        var b = TrustBundleBuilder(
            version: version, issuedAt: now - 60, notBefore: now - 60, expires: now + 86400 * 30,
            bundleKeys: [root.publicKey])
        b.publishers = publishers
        var e = try b.envelope()
        try e.sign(with: root)
        return e.serialized()
    }

    func tpmInit(_ extra: [String] = []) throws -> WSCCtlRunner.Result {
        try cli.run(["state", "tpm-init", "--tcti", tpm.tcti] + extra)
    }

    /// `wscctl bundle install` of version `version` into the state directory, counted on the TPM.
    func install(_ version: UInt64, extra: [String] = []) throws -> WSCCtlRunner.Result {
        try cli.write("v\(version).json", try envelope(version))
        return try cli.run(
            [
                "bundle", "install", "--state-dir", state, "--seal-key", "seal.key", "--pinned-key", "root.pk",
                "--tpm-tcti", tpm.tcti, "-i", "v\(version).json",
            ] + extra)
    }

    /// Loads the state directory as wscd does (sealed, with the TPM counter).
    func load(index: UInt32 = TPMCounter.defaultIndex, tcti: String? = nil) throws -> TrustStore {
        var key = sealKey
        let counter = TPMCounter(tcti: tcti ?? tpm.tcti, index: index)
        let directory = try StateDirectory(
            path: state, sealKey: SecretBytes(consuming: &key), counter: counter)
        return try TrustStore(directory: directory, pinned: nil)
    }

    /// The error `body` throws (a TrustStoreError is required).
    func refusal(_ body: () throws -> Void) throws -> TrustStoreError {
        do {
            try body()
        } catch let error as TrustStoreError {
            return error
        }
        throw TPMTestError("expected a refusal, got success")
    }

    /// Starts wscd on this state directory with the TPM counter; returns its exit status and stderr once it exits
    /// (a refused start) or, if it keeps running, stops it and returns nil.
    func startWSCD() throws -> (status: Int32, stderr: String) {
        let config = """
            [server]
            socket = "\(cli.path("wscd.sock"))"

            [state]
            directory = "\(state)"
            seal_key = "\(cli.path("seal.key"))"
            rollback_counter = "tpm2"
            tpm2_tcti = "\(tpm.tcti)"
            tpm2_nv_index = 0x01500016

            [trust]
            pinned_keys = ["\(cli.path("root.pk"))"]
            """
        try cli.write("wscd.toml", Array(config.utf8))
        let process = Process()
        process.executableURL = WSCCtlRunner.executable.deletingLastPathComponent().appendingPathComponent("wscd")
        process.arguments = ["--config", cli.path("wscd.toml"), "--check-config"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func deletedStateDirectoryIsDetectedWithTheTPMCounter() throws {
        defer { cleanUp() }
        #expect(try tpmInit().status == 0)
        let first = try install(1)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try install(2).status == 0)
        let value = try #require(try tpm.counter().read())
        #expect(try load().state?.tpmCounter == value)

        try FileManager.default.removeItem(atPath: state)
        let error = try refusal { _ = try load() }
        #expect(error.code == .stateStale)
        #expect(error.reason.contains("0x01500016") && error.reason.contains("at \(value)"), "\(error.reason)")
        #expect(error.reason.contains("deleted"))
        // Not a first boot: an older bundle is refused, and so is any install into the empty directory.
        let reinstall = try install(1)
        #expect(reinstall.status != 0)
        #expect(reinstall.stderr.contains("deleted"), "\(reinstall.stderr)")
        #expect(try tpm.counter().read() == value)
    }

    @Test func restoredOlderStateDirectoryIsRefusedAsStale() throws {
        defer { cleanUp() }
        #expect(try tpmInit().status == 0)
        #expect(try install(1).status == 0)
        let old = try #require(try load().state?.tpmCounter)
        try FileManager.default.copyItem(atPath: state, toPath: cli.path("state-copy"))
        #expect(try install(2).status == 0)
        #expect(try install(3).status == 0)
        let current = try #require(try tpm.counter().read())
        #expect(current == old + 2)

        // The SD card restored from the copy: sealed, self-consistent, and stale.
        try FileManager.default.removeItem(atPath: state)
        try FileManager.default.copyItem(atPath: cli.path("state-copy"), toPath: state)
        let error = try refusal { _ = try load() }
        #expect(error.code == .stateStale)
        #expect(error.reason.contains("value \(old)") && error.reason.contains("at \(current)"), "\(error.reason)")
        #expect(error.reason.contains("0x01500016"))
        // wscd refuses to start and says why, naming the index and both values.
        let wscd = try startWSCD()
        #expect(wscd.status == 1)
        #expect(wscd.stderr.contains("stale state") && wscd.stderr.contains("0x01500016"), "\(wscd.stderr)")
        #expect(wscd.stderr.contains("value \(old)") && wscd.stderr.contains("at \(current)"))
        // A rotate to the older v2 is not possible either: the state never loads.
        #expect(try install(2).status != 0)

        // The documented recovery: move the directory away, re-provision, install a bundle newer than the last.
        try FileManager.default.removeItem(atPath: state)
        #expect(try tpmInit().status != 0)
        #expect(try tpmInit(["--replace"]).status == 0)
        let recovered = try install(4)
        #expect(recovered.status == 0, "\(recovered.stderr)")
        let store = try load()
        #expect(store.active?.version == 4)
        #expect(store.state?.tpmCounter == (try tpm.counter().read()))
        #expect(try startWSCD().status == 0)
    }

    @Test func tpmAbsentBusyAheadMissingOrWrongTypeIsRefused() throws {
        defer { cleanUp() }
        // Index missing: never provisioned.
        let missing = try install(1)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("0x01500016") && missing.stderr.contains("tpm-init"), "\(missing.stderr)")

        #expect(try tpmInit().status == 0)
        #expect(try install(1).status == 0)
        let value = try #require(try tpm.counter().read())

        // Absent: nothing listens on that port.
        var absentPort = 0
        for candidate in (tpm.port + 2)..<(tpm.port + 200) where CounterTPM.isFree(candidate) {
            absentPort = candidate
            break
        }
        #expect(absentPort != 0)
        let absent = try refusal { _ = try load(tcti: "swtpm:port=\(absentPort)") }
        #expect(absent.code == .counterUnavailable)
        #expect(absent.reason.contains("0x01500016") && absent.reason.contains("cannot reach the TPM"))
        #expect(absent.reason.contains("tpm2_tcti"), "\(absent.reason)")

        // Busy: another client holds swtpm's single connection. Refused (with a deadline), not a hang.
        let hog = try CounterTPM.Hog(port: tpm.port)
        let busy = try refusal { _ = try load() }
        hog.release()
        #expect(busy.code == .counterUnavailable)
        #expect(busy.reason.contains("0x01500016") && busy.reason.contains("busy"), "\(busy.reason)")

        // Ahead: the counter moved without this state (another writer, or a restored directory).
        let ahead = try tpm.counter().increment()
        #expect(ahead == value + 1)
        let stale = try refusal { _ = try load() }
        #expect(stale.code == .stateStale)
        #expect(stale.reason.contains("value \(value)") && stale.reason.contains("at \(ahead)"), "\(stale.reason)")

        // Wrong type: an ordinary 8-byte index defined with tpm2_nvdefine.
        #expect(
            try tpm.tool(
                "tpm2_nvdefine", ["-C", "o", "-s", "8", "-a", "ownerread|ownerwrite|authread|authwrite", "0x01500017"])
                == 0)
        let wrong = try refusal { _ = try load(index: 0x0150_0017) }
        #expect(wrong.code == .counterUnavailable)
        #expect(
            wrong.reason.contains("0x01500017") && wrong.reason.contains("not a TPM2_NT_COUNTER"), "\(wrong.reason)")
        let wrongInstall = try install(2, extra: ["--tpm-nv-index", "0x01500017"])
        #expect(wrongInstall.status != 0 && wrongInstall.stderr.contains("ordinary index"), "\(wrongInstall.stderr)")

        // None of these moved the counter or changed the state.
        #expect(try tpm.counter().read() == ahead)
    }

    /// Stops a commit after each of its steps in turn (the writer dies there: nothing after it runs) and loads
    /// the directory as the next start would: old state before the increment, new state from the increment on
    /// (the intent finishes the commit), never a refusal, and the TPM equal to the loaded state.
    @Test func aCommitStoppedAfterEachStepLoadsOldOrNewNeverStale() throws {
        defer { cleanUp() }
        #expect(try tpmInit().status == 0)
        #expect(try install(1).status == 0)
        let expected: [(step: String, finished: Bool)] = [
            ("pending written", false), ("intent written", false), ("counter incremented", true),
            ("state written", true), ("bundle renamed", true),
        ]
        var version: UInt64 = 1
        struct Killed: Error {}
        for (step, finished) in expected {
            let store = try load()
            let before = try #require(try tpm.counter().read())
            store.directory.afterStep = { if $0 == step { throw Killed() } }
            #expect(throws: Killed.self, "\(step)") { try store.install(try envelope(version + 1)) }
            if step == "counter incremented" {
                // The window a restored copy would look like: the TPM is one above state.json, the intent records it.
                #expect(try tpm.counter().read() == before + 1)
                #expect(FileManager.default.fileExists(atPath: state + "/state.next.json"))
            }
            let after = try load()
            let now = try #require(try tpm.counter().read())
            #expect(after.state?.counter == (finished ? version + 1 : version), "stopped after \(step)")
            #expect(after.active?.version == after.state?.counter)
            #expect(after.state?.tpmCounter == now, "stopped after \(step)")
            #expect(now == (finished ? before + 1 : before), "stopped after \(step)")
            #expect(!FileManager.default.fileExists(atPath: state + "/state.next.json"))
            #expect(!FileManager.default.fileExists(atPath: state + "/pending.dsse.json"))
            version = after.state?.counter ?? version
        }
        #expect(version == 4)
    }

    @Test func crashLoopWithTheTPMInTheLoopNeverLosesOrRefusesGoodState() throws {
        defer { cleanUp() }
        #expect(try tpmInit().status == 0)
        // Enough publishers that writing the bundle takes a measurable share of the process's life.
        let publishers: [TrustBundleBuilder.Publisher] = try (0..<100).map { i in
            let seed = [UInt8](repeating: UInt8(i % 250 + 1), count: 31) + [UInt8(i / 250)]
            let key = try seed.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
            return .init(name: "publisher-\(i)", publicKey: key.publicKey)
        }
        let iterations = 200
        try cli.write("v1.json", try envelope(1, publishers: publishers))
        let arguments = [
            "bundle", "install", "--state-dir", state, "--seal-key", cli.path("seal.key"), "--pinned-key",
            cli.path("root.pk"), "--tpm-tcti", tpm.tcti,
        ]
        #expect(try cli.run(arguments + ["-i", "v1.json"]).status == 0)

        // Calibrate: how long does one uninterrupted install take?
        try cli.write("v2.json", try envelope(2, publishers: publishers))
        let start = Date()
        #expect(try cli.run(arguments + ["-i", "v2.json"]).status == 0)
        let duration = max(Date().timeIntervalSince(start), 0.002)

        var version: UInt64 = 2
        var tpmValue = try #require(try tpm.counter().read())
        var outcomes = (old: 0, new: 0)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<iterations {
            let next = version + 1
            let file = cli.path("next.json")
            try Data(try envelope(next, publishers: publishers)).write(to: URL(fileURLWithPath: file))
            let process = Process()
            process.executableURL = WSCCtlRunner.executable
            process.arguments = arguments + ["-i", file]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Double.random(in: 0...(duration * 1.2), using: &generator) * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            // The load finishes or discards the interrupted commit; it must never refuse the good state.
            let store = try load()
            let after = try #require(store.state?.counter)
            #expect(after == version || after == next, "version \(after) after a kill during \(version) -> \(next)")
            #expect(store.active?.version == after)
            let now = try #require(try tpm.counter().read())
            #expect(now >= tpmValue, "the TPM counter went down: \(tpmValue) -> \(now)")
            #expect(store.state?.tpmCounter == now)
            if after == next { outcomes.new += 1 } else { outcomes.old += 1 }
            version = after
            tpmValue = now
        }
        print("TPM crash loop: \(iterations) kills, \(outcomes.old) left the old state, \(outcomes.new) the new one")
        #expect(outcomes.old > 0)
        #expect(outcomes.new > 0)
        #expect(!FileManager.default.fileExists(atPath: state + "/state.next.json"))
    }
}

extension CounterTPM {
    /// The anti-rollback counter at `index` on this simulator.
    func counter(index: UInt32 = TPMCounter.defaultIndex) -> TPMCounter { TPMCounter(tcti: tcti, index: index) }
}
