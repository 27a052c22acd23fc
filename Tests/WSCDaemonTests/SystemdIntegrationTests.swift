import Foundation
import Testing
import WSCClient
import WSCJSON
import WSCProtocol

/// wscd under the systemd protocols, with the real tools: socket activation through `systemd-socket-activate`
/// (sd_listen_fds) and READY=1/STATUS= on a NOTIFY_SOCKET datagram socket (sd_notify).
@Suite(.serialized) struct SystemdIntegrationTests {
    static let activator = "/usr/bin/systemd-socket-activate"

    @Test func socketActivationAndReadiness() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.activator),
            "needs systemd-socket-activate (package systemd)")
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        let activated = d.directory + "/activated.sock"
        let notifyPath = d.directory + "/notify.sock"

        // The service manager's side of sd_notify: a datagram socket.
        let notify = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(notify) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in notifyPath.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(notify, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(notify, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.activator)
        process.arguments = [
            "-l", activated, "-E", "NOTIFY_SOCKET=\(notifyPath)", DaemonHarness.wscd.path, "--config", d.configPath,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // The first connection makes systemd-socket-activate start wscd with the listening socket.
        var client: WSCClient?
        for _ in 0..<200 where client == nil {
            client = try? WSCClient(socketPath: activated, timeoutSeconds: 20)
            if client == nil { usleep(25_000) }
        }
        let c = try #require(client)
        let hello = try c.call(.hello).result
        #expect(hello["version"] == .integer(1))
        #expect(try c.call(.verify, body: try d.signed(by: d.alice)).result.valid)
        // wscd did not bind the configured path: it used the activated socket.
        #expect(!FileManager.default.fileExists(atPath: d.socketPath))

        var messages = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !messages.contains("READY=1") {
            let n = recv(notify, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            messages += String(decoding: buffer[0..<n], as: UTF8.self) + "\n"
        }
        #expect(messages.contains("READY=1"))
        #expect(messages.contains("STATUS=trust bundle v1"))

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let stopping = recv(notify, &buffer, buffer.count, 0)
        #expect(stopping > 0 && String(decoding: buffer[0..<max(stopping, 0)], as: UTF8.self).contains("STOPPING=1"))
        // The activated socket belongs to the service manager: wscd leaves it in place.
        #expect(FileManager.default.fileExists(atPath: activated))
    }
}
