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
            "SystemCallFilter=setpriority", "SystemCallErrorNumber=EPERM",
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

    /// The unit's seccomp filter, computed the way systemd applies it (the first `SystemCallFilter=` line sets the
    /// default action, each later one adds to or removes from the set, in order; `@group`s expanded with
    /// `systemd-analyze syscall-filter`), allows every system call wscd makes on purpose. A call outside the
    /// filter would kill wscd under systemd while every test outside systemd passes: `setpriority` (the nice +10
    /// worker lane for descriptors and rotates) was such a call. `make deps` installs systemd-analyze: without it
    /// this test fails.
    @Test func seccompFilterAllowsEverySystemCallWscdMakes() throws {
        let analyze = try #require(findExecutable("systemd-analyze"), "systemd-analyze is missing: run make deps")
        var groups: [String: Set<String>] = [:]
        func expand(_ name: String) throws -> Set<String> {
            if !name.hasPrefix("@") { return [name] }
            if let known = groups[name] { return known }
            let result = try run(analyze, ["syscall-filter", name])
            #expect(result.status == 0, "systemd-analyze syscall-filter \(name): \(result.output)")
            var calls: Set<String> = []
            for line in result.output.split(separator: "\n").dropFirst() {
                let item = line.trimmingCharacters(in: .whitespaces)
                if item.isEmpty || item.hasPrefix("#") { continue }
                calls.formUnion(try expand(item))
            }
            groups[name] = calls
            return calls
        }
        let filters = try Self.text("wscd.service").split(separator: "\n").compactMap { line -> Substring? in
            line.hasPrefix("SystemCallFilter=") ? line.dropFirst("SystemCallFilter=".count) : nil
        }
        let first = try #require(filters.first)
        #expect(!first.hasPrefix("~"), "the first SystemCallFilter= must be an allow list")
        var allowed: Set<String> = []
        for filter in filters {
            let deny = filter.hasPrefix("~")
            for item in (deny ? filter.dropFirst() : filter).split(separator: " ") {
                let calls = try expand(String(item))
                if deny { allowed.subtract(calls) } else { allowed.formUnion(calls) }
            }
        }
        #expect(allowed.count > 100, "the filter expanded to \(allowed.count) calls: systemd-analyze output changed?")
        // What wscd calls itself (CWSCSys, WSCFiles, SecretBytes, the daemon) and what Dispatch and glibc's malloc
        // call for it. adjtimex is left out on purpose: wscd skips it when a seccomp filter is active.
        let needed = [
            "setpriority", "prctl", "mlock", "munlock", "madvise", "accept4", "sendmsg", "recvmsg", "signalfd4",
            "fdatasync", "fsync", "flock", "renameat", "openat", "fstat", "newfstatat", "epoll_wait", "epoll_ctl",
            "eventfd2", "futex", "clone3", "mmap", "munmap", "getsockopt", "gettid", "clock_gettime", "write",
        ]
        let refused = needed.filter { !allowed.contains($0) }
        #expect(refused.isEmpty, "wscd.service's SystemCallFilter= would refuse \(refused)")
        let adjtimexAllowed = allowed.contains("adjtimex")
        #expect(!adjtimexAllowed, "expected adjtimex outside the filter (wscd checks for seccomp first)")
        let setuidAllowed = allowed.contains("setuid")
        #expect(!setuidAllowed, "the filter should still refuse @privileged calls")
    }
}
