import Foundation
import Testing

/// `systemd-analyze verify` on the shipped units, when systemd-analyze is installed. PID 1 need not be
/// systemd. `ExecStart=/usr/bin/wscd` is rewritten to /bin/true because verify requires the binary to exist.
@Suite struct SystemdUnitTests {
    static let systemdDirectory = DaemonConfigurationTests.repositoryRoot + "/systemd"

    private static func text(_ name: String) throws -> String {
        try #require(String(validating: try readBytes("\(systemdDirectory)/\(name)"), as: UTF8.self))
    }

    /// Copies the units (and, with `dropIn`, wscd-online.conf as a drop-in) to a fresh directory.
    private func stage(dropIn: Bool) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let service = try Self.text("wscd.service")
        #expect(service.contains("\nExecStart=/usr/bin/wscd --config /etc/wscd/wscd.toml\n"))
        let rewritten = service.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("ExecStart=/usr/bin/wscd ") ? "ExecStart=/bin/true" + line.dropFirst(23) : line
        }.joined(separator: "\n")
        try writeFile(directory.path + "/wscd.service", Array(rewritten.utf8))
        try writeFile(directory.path + "/wscd.socket", Array(try Self.text("wscd.socket").utf8))
        if dropIn {
            try FileManager.default.createDirectory(
                atPath: directory.path + "/wscd.service.d", withIntermediateDirectories: true)
            try writeFile(
                directory.path + "/wscd.service.d/online.conf", Array(try Self.text("wscd-online.conf").utf8))
        }
        return directory
    }

    @Test(
        .enabled(if: findExecutable("systemd-analyze") != nil, "systemd-analyze is not installed"),
        arguments: [false, true])
    func unitsVerifyWithoutWarnings(dropIn: Bool) throws {
        let analyze = try #require(findExecutable("systemd-analyze"))
        let directory = try stage(dropIn: dropIn)
        // The staging directory first in the unit path so the drop-in is found; the trailing ':' keeps the
        // built-in path (sockets.target and the like).
        let result = try run(
            analyze, ["verify", "--man=no", "./wscd.service", "./wscd.socket"],
            environment: ["SYSTEMD_UNIT_PATH": directory.path + ":"], in: directory.path)
        let complaints = result.output.split(separator: "\n").filter {
            $0.contains(directory.path) || $0.contains("wscd")
        }
        #expect(result.status == 0, "systemd-analyze verify failed:\n\(result.output)")
        #expect(complaints.isEmpty, "systemd-analyze verify complained:\n\(result.output)")
    }

    @Test func unitsCarryTheRequiredSettings() throws {
        let service = try Self.text("wscd.service")
        for line in [
            "Type=notify", "NotifyAccess=main", "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=30s",
            "Restart=on-failure", "TimeoutStopSec=15s", "DynamicUser=yes", "SupplementaryGroups=wsc",
            "StateDirectory=wscd", "StateDirectoryMode=0700", "RuntimeDirectory=wscd", "ConfigurationDirectory=wscd",
            "UMask=0077", "PrivateNetwork=yes", "RestrictAddressFamilies=AF_UNIX", "CapabilityBoundingSet=",
            "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources",
            "MemoryDenyWriteExecute=yes", "LoadCredential=wscd-signing-key:/etc/wscd/signing.key",
            "LoadCredential=wscd-seal-key:/etc/wscd/seal.key",
        ] {
            #expect(service.contains("\n\(line)\n"), "wscd.service lacks \(line)")
        }
        let socket = try Self.text("wscd.socket")
        for line in [
            "ListenStream=/run/wscd/wscd.sock", "SocketMode=0660", "SocketGroup=wsc", "DirectoryMode=0750",
            "Backlog=512", "Accept=no", "WantedBy=sockets.target",
        ] {
            #expect(socket.contains("\n\(line)\n"), "wscd.socket lacks \(line)")
        }
        #expect(try Self.text("wscd.sysusers").contains("\ng wsc -\n"))
    }
}
