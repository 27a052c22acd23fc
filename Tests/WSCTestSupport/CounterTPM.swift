import Foundation

/// A real swtpm (TPM 2.0 simulator) for one test: its own state directory, a free loopback port pair, stopped
/// by ``stop()``. `make deps` installs swtpm: a missing swtpm is a test failure, not a skip.
package final class CounterTPM {
    package let port: Int
    package let directory: URL
    private let process: Process

    package var tcti: String { "swtpm:port=\(port)" }

    package init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wsc-swtpm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var chosen: Int?
        for _ in 0..<50 {
            let candidate = Int.random(in: 20000..<60000)
            if Self.isFree(candidate) && Self.isFree(candidate + 1) {
                chosen = candidate
                break
            }
        }
        guard let chosen else { throw TPMTestError("no free loopback port pair for swtpm") }
        port = chosen
        process = Process()
        process.executableURL = try Self.find("swtpm")
        process.arguments = [
            "socket", "--tpm2", "--server", "type=tcp,port=\(port),bindaddr=127.0.0.1",
            "--ctrl", "type=tcp,port=\(port + 1),bindaddr=127.0.0.1", "--tpmstate", "dir=\(directory.path)",
            "--flags", "not-need-init,startup-clear",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready once it accepts a connection on the control port (each probe is one connection: swtpm serves one
        // control client at a time, so probe rarely).
        var ready = false
        var attempts = 0
        while !ready && attempts < 200 {
            guard process.isRunning else {
                throw TPMTestError("swtpm exited at start (status \(process.terminationStatus))")
            }
            ready = Self.accepts(port + 1)
            if !ready { usleep(10_000) }
            attempts += 1
        }
        guard ready else { throw TPMTestError("swtpm does not listen on \(port + 1)") }
    }

    /// Runs a tpm2-tools command against this TPM.
    @discardableResult
    package func tool(_ name: String, _ arguments: [String]) throws -> Int32 {
        let tool = Process()
        tool.executableURL = try Self.find(name)
        tool.arguments = arguments
        tool.environment = ["TPM2TOOLS_TCTI": tcti, "PATH": "/usr/bin:/bin"]
        tool.standardOutput = FileHandle.nullDevice
        tool.standardError = FileHandle.nullDevice
        try tool.run()
        tool.waitUntilExit()
        return tool.terminationStatus
    }

    package func stop() {
        // SIGKILL: swtpm may ignore SIGTERM while a client connection is pending.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    package static func find(_ name: String) throws -> URL {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"]
        where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return URL(fileURLWithPath: dir + "/" + name)
        }
        throw TPMTestError("\(name) is not installed: run `make deps` (it installs swtpm, swtpm-tools and tpm2-tools)")
    }

    private static func withSocket<T>(_ body: (Int32, inout sockaddr_in) -> T) -> T {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return body(fd, &address)
    }

    package static func isFree(_ port: Int) -> Bool {
        withSocket { fd, address in
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }
    }

    package static func accepts(_ port: Int) -> Bool {
        withSocket { fd, address in
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }
    }

    /// Holds the data port's single client slot until ``release()``: the TPM is then busy for everyone else.
    package final class Hog {
        private let fd: Int32
        package init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard status == 0 else { throw TPMTestError("cannot connect to swtpm on \(port)") }
        }
        package func release() { close(fd) }
    }
}

package struct TPMTestError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
