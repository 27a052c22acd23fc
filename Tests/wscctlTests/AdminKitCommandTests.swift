import Foundation
import Testing

/// The admin's kit through the real binaries: a node at 1970 (libfaketime), the socket found through WSCD_SOCKET and
/// --socket, the renamed bundle version option, what rotate prints, and each command's own exit-status text.
@Suite(.serialized) struct AdminKitCommandTests {
    let cli: WSCCtlRunner

    init() throws {
        cli = try WSCCtlRunner()
        let keygen = try cli.run(["keygen", "-k", "root.sk", "-K", "root.pk"])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        #expect(try cli.run(["keygen", "-k", "acme.sk", "-K", "acme.pk"]).status == 0)
    }

    /// `bundle create` with its defaults (issued and valid from now, 90 days), signed by the root key.
    func defaultBundle(_ name: String, version: Int) throws {
        let create = try cli.run([
            "bundle", "create", "-o", name, "--bundle-version", "\(version)", "--bundle-key", "root.pk",
            "--publisher", "acme=acme.pk",
        ])
        #expect(create.status == 0, "\(create.stderr)")
        let sign = try cli.run(["bundle", "sign", "-i", name, "-o", name, "-k", "root.sk"])
        #expect(sign.status == 0, "\(sign.stderr)")
    }

    /// A real wscd at `fakeTime` on a socket in the test directory, its first bundle `v1.json`.
    func startDaemon(fakeTime: String) throws -> Process {
        let toml = """
            [server]
            socket = "\(cli.path("wscd.sock"))"
            [state]
            directory = "\(cli.path("state"))"
            [trust]
            pinned_keys = ["\(cli.path("root.pk"))"]
            initial_bundle = "\(cli.path("v1.json"))"
            [authorization]
            rotate_uids = [\(getuid())]
            [log]
            format = "text"
            """
        try cli.write("wscd.toml", Array(toml.utf8))
        let process = Process()
        process.executableURL = WSCCtlRunner.executable.deletingLastPathComponent().appendingPathComponent("wscd")
        process.arguments = ["--config", cli.path("wscd.toml")]
        process.environment = try WSCCtlRunner.environment(fakeTime: fakeTime, [:])
        process.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: cli.path("wscd.log"), contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: cli.path("wscd.log")))
        try process.run()
        for _ in 0..<400 {
            if FileManager.default.fileExists(atPath: cli.path("wscd.sock")),
                try cli.run(["status", "--socket", cli.path("wscd.sock")]).status == 0
            {
                return process
            }
            if !process.isRunning { break }
            usleep(25_000)
        }
        let log = (try? String(contentsOfFile: cli.path("wscd.log"), encoding: .utf8)) ?? ""
        process.terminate()
        throw RunnerError("wscd did not start: \(log)")
    }

    @Test(
        .disabled(
            if: WSCCtlRunner.underAddressSanitizer,
            "libfaketime cannot be preloaded into an AddressSanitizer wscctl or wscd (it recurses in clock_gettime during ASan's start); the debug run covers this"
        ))
    func firstInstallOfABundleMadeNowWorksAtNineteenSeventy() throws {
        defer { cli.cleanUp() }
        try defaultBundle("v1.json", version: 1)
        let install = try cli.run(
            ["bundle", "install", "-i", "v1.json", "--state-dir", "state", "--pinned-key", "root.pk"],
            fakeTime: WSCCtlRunner.at1970)
        #expect(install.status == 0, "\(install.stderr)")
        try defaultBundle("v2.json", version: 2)
        let rotate = try cli.run(
            ["bundle", "install", "-i", "v2.json", "--state-dir", "state"], fakeTime: WSCCtlRunner.at1970)
        #expect(rotate.status == 0, "\(rotate.stderr)")
        let status = try cli.run(["bundle", "status", "--state-dir", "state"], fakeTime: WSCCtlRunner.at1970)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("counter          2"), "\(status.stdout)")
        #expect(status.stdout.contains("time source      EVIDENCE time"), "\(status.stdout)")
        #expect(status.stdout.contains("validity         valid"), "\(status.stdout)")
    }

    @Test(
        .disabled(
            if: WSCCtlRunner.underAddressSanitizer,
            "libfaketime cannot be preloaded into an AddressSanitizer wscctl or wscd (it recurses in clock_gettime during ASan's start); the debug run covers this"
        ))
    func rotateAtNineteenSeventyThroughWSCDSocket() throws {
        defer { cli.cleanUp() }
        try defaultBundle("v1.json", version: 1)
        let daemon = try startDaemon(fakeTime: WSCCtlRunner.at1970)
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        try defaultBundle("v2.json", version: 2)
        let socket = ["WSCD_SOCKET": cli.path("wscd.sock")]
        let rotate = try cli.run(["rotate", "--bundle", "v2.json"], environment: socket)
        #expect(rotate.status == 0, "\(rotate.stderr)")
        #expect(rotate.stdout.hasPrefix("installed trust bundle version 2: valid"), "\(rotate.stdout)")
        #expect(!rotate.stdout.contains("integer("))
        // The same bundle again is no change; the old one is a rollback (exit 1).
        let rollback = try cli.run(["rotate", "--bundle", "v1.json"], environment: socket)
        #expect(rollback.status == 1, "\(rollback.stderr)")

        let status = try cli.run(["status"], environment: socket)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("time source     EVIDENCE"), "\(status.stdout)")
        #expect(status.stdout.contains("version 2, valid"), "\(status.stdout)")

        // A verdict at 1970 carries the clock warning.
        try cli.write("module.wasm", WSCCtlRunner.module)
        #expect(try cli.run(["sign", "-i", "module.wasm", "-o", "signed.wasm", "-k", "acme.sk"]).status == 0)
        let verify = try cli.run(["verify", "--daemon", "--json", "-i", "signed.wasm"], environment: socket)
        #expect(verify.status == 0, "\(verify.stderr)")
        let verdict = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]
        let warnings = verdict?["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.hasPrefix("clock:") && $0.contains("1970-01-0") }, "\(verify.stdout)")

        // reload prints each note: a restart-only key changed in the file.
        let toml = String(decoding: try cli.read("wscd.toml"), as: UTF8.self)
        try cli.write(
            "wscd.toml", Array(toml.replacingOccurrences(of: "[server]\n", with: "[server]\nworkers = 3\n").utf8))
        for _ in 0..<2 {
            let reload = try cli.run(["reload"], environment: socket)
            #expect(reload.status == 0, "\(reload.stderr)")
            #expect(reload.stdout.contains("note: [server] workers changed"), "\(reload.stdout)")
        }

        // --socket wins over WSCD_SOCKET.
        let wrong = try cli.run(
            ["status", "--socket", cli.path("wscd.sock")], environment: ["WSCD_SOCKET": cli.path("nowhere.sock")])
        #expect(wrong.status == 0, "\(wrong.stderr)")
        let missing = try cli.run(["status"], environment: ["WSCD_SOCKET": cli.path("nowhere.sock")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nowhere.sock"), "\(missing.stderr)")
    }

    /// `make run`'s demo keeps secret keys in a 0700 directory and removes it when stopped.
    @Test func demoRemovesItsDirectoryWithTheKeysWhenStopped() throws {
        defer { cli.cleanUp() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/demo.sh")
        let tmp = cli.path("tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: false)
        let demo = Process()
        demo.executableURL = URL(fileURLWithPath: "/bin/sh")
        demo.arguments = [script.path, WSCCtlRunner.executable.path]
        demo.environment = try WSCCtlRunner.environment(fakeTime: nil, ["TMPDIR": tmp])
        demo.standardOutput = FileHandle.nullDevice
        demo.standardError = FileHandle.nullDevice
        try demo.run()
        var directory: String?
        for _ in 0..<400 {
            if let name = try FileManager.default.contentsOfDirectory(atPath: tmp).first,
                FileManager.default.fileExists(atPath: tmp + "/" + name + "/wscd.sock")
            {
                directory = tmp + "/" + name
                break
            }
            if !demo.isRunning { break }
            usleep(25_000)
        }
        let running = try #require(directory, "the demo did not start wscd")
        #expect(try FileManager.default.attributesOfItem(atPath: running)[.posixPermissions] as? Int == 0o700)
        #expect(FileManager.default.fileExists(atPath: running + "/root.key"))
        demo.terminate()  // SIGTERM to the shell: it stops wscd, then removes the directory
        demo.waitUntilExit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty)
    }

    @Test func bundleCreateTakesBundleVersionAndExplainsTheOldSpelling() throws {
        defer { cli.cleanUp() }
        for old in [["--version", "2"], ["--version=2"]] {
            let result = try cli.run(["bundle", "create", "-o", "b.json"] + old + ["--bundle-key", "root.pk"])
            #expect(result.status == 2)
            #expect(result.stderr.contains("--bundle-version"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: cli.path("b.json")))
        }
        let ok = try cli.run(["bundle", "create", "-o", "b.json", "--bundle-version", "2", "--bundle-key", "root.pk"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let inspect = try cli.run(["bundle", "inspect", "-i", "b.json", "--json"])
        #expect(
            inspect.stdout.contains("\"version\" : 2") || inspect.stdout.contains("\"version\": 2"), "\(inspect.stdout)"
        )
        // wscctl's own --version still works.
        let version = try cli.run(["--version"])
        #expect(version.status == 0)
    }

    @Test func eachCommandsHelpSaysWhatItsExitStatusesMean() throws {
        defer { cli.cleanUp() }
        let commands: [[String]] = [
            ["keygen"], ["sign"], ["verify"], ["show"], ["split"], ["detach"], ["attach"], ["attach-bundle"],
            ["detach-bundle"], ["status"], ["rotate"], ["reload"], ["refresh"], ["bundle", "create"],
            ["bundle", "sign"], ["bundle", "inspect"], ["bundle", "verify"], ["bundle", "install"],
            ["bundle", "status"], ["bundle", "import-wsc"], ["tuf"],
        ]
        var texts: [String: [String]] = [:]
        for command in commands {
            let help = try cli.run(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            // The exit-status sentence, unwrapped.
            let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let range = try #require(flat.range(of: "Exit status: 0 "), "\(command): \(help.stdout)")
            let sentence = String(flat[range.lowerBound...].prefix { $0 != "." })
            #expect(sentence.contains("; 1 "), "\(command): \(sentence)")
            #expect(sentence.contains("; 2 "), "\(command): \(sentence)")
            texts[sentence, default: []].append(command.joined(separator: " "))
        }
        // Every command says it its own way.
        let shared = texts.filter { $0.value.count > 1 }
        #expect(shared.isEmpty, "\(shared)")
        let rotate = try cli.run(["rotate", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(
            separator: " ")
        #expect(rotate.contains("1 wscd refused the bundle"), "\(rotate)")
        let keygen = try cli.run(["keygen", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(
            separator: " ")
        #expect(keygen.contains("1 is not used"), "\(keygen)")
    }
}
