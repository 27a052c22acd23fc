import Foundation
import Testing
import WSCJSON
import WSCProtocol
import WSCTPM

/// wscd with `rollback_counter = "tpm2"` against a real swtpm: first boot on a fresh counter, rotations move it,
/// `status` reports it, and a deleted state directory stops the next start.
@Suite(.serialized) struct TPMDaemonTests {
    @Test func statusReportsTheCounterAndADeletedStateStopsTheStart() throws {
        let tpm = try SoftwareTPM()
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
