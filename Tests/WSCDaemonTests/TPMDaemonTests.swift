import Foundation
import Testing
import WSCJSON
import WSCProtocol
import WSCTPM
import WSCTestSupport

/// wscd with `rollback_counter = "tpm2"` against a real swtpm: first boot on a fresh counter, rotations move it,
/// `status` reports it, and a deleted state directory stops the next start.
@Suite(.serialized) struct TPMDaemonTests {
    /// The process's memory map (read in a loop: /proc files report size 0).
    static func maps(_ d: DaemonHarness) throws -> String {
        let fd = open("/proc/\(d.process.processIdentifier)/maps", O_RDONLY)
        guard fd >= 0 else { throw HarnessError("cannot open the maps of wscd") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func withoutATPMCounterNoTSSLibraryIsMapped() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let maps = try Self.maps(d)
        #expect(maps.contains("libcrypto"))
        #expect(!maps.contains("libtss2"))
    }

    @Test func statusReportsTheCounterAndADeletedStateStopsTheStart() throws {
        let tpm = try CounterTPM()
        defer { tpm.stop() }
        try tpm.counter().define(replacing: false)
        let state = """
            rollback_counter = "tpm2"
            tpm2_tcti = "\(tpm.tcti)"
            tpm2_nv_index = 0x01500016
            """
        let d = try DaemonHarness(extraState: state)
        defer { d.cleanUp() }
        let first = try #require(try tpm.counter().read())
        // The TSS libraries are loaded on first use, by the process that uses a TPM.
        #expect(try Self.maps(d).contains("libtss2-esys.so"))
        let c = try d.client()
        let counter = try #require(try c.call(.status).result["rollbackCounter"]).asObject("rollbackCounter")
        #expect(counter["state"] == .string("current"))
        #expect(counter["stateValue"] == .integer(Int64(first)))
        #expect(counter["tpmValue"] == .integer(Int64(first)))
        #expect(counter["name"] == .string("TPM NV index 0x01500016 (\(tpm.tcti))"))

        _ = try c.call(.rotate, [("target", .string("bundle"))], body: try d.bundle(version: 2))
        #expect(try tpm.counter().read() == first + 1)
        let after = try #require(try c.call(.status).result["rollbackCounter"]).asObject("rollbackCounter")
        #expect(after["stateValue"] == .integer(Int64(first + 1)))
        #expect(after["state"] == .string("current"))
        #expect(d.stop() == 0)

        // Deleted state directory: not a first boot any more. (Killed after 20 s if it were to start.)
        try FileManager.default.removeItem(atPath: d.directory + "/state")
        let restart = Process()
        restart.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        restart.arguments = ["-s", "KILL", "20", DaemonHarness.wscd.path, "--config", d.configPath]
        let err = Pipe()
        restart.standardError = err
        restart.standardOutput = FileHandle.nullDevice
        try restart.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        restart.waitUntilExit()
        #expect(restart.terminationStatus == 1)
        #expect(text.contains("deleted or replaced") && text.contains("0x01500016"), "\(text)")
        #expect(text.contains("is at \(first + 1)"))
    }
}

extension CounterTPM {
    /// The anti-rollback counter at `index` on this simulator.
    func counter(index: UInt32 = TPMCounter.defaultIndex) -> TPMCounter { TPMCounter(tcti: tcti, index: index) }
}
