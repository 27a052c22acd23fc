import Foundation
import Testing
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol

/// A Python HTTP server on 127.0.0.1 with an ephemeral port serving a directory, killed when released.
final class LocalHTTPServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    init(directory: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-u", "-c",
            """
            import functools, http.server, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            handler.log_message = lambda *a: None
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """,
            directory,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let text = String(data: line, encoding: .utf8),
            let port = Int(text.split(separator: "\n").first?.trimmingCharacters(in: .whitespaces) ?? "")
        else {
            kill(process.processIdentifier, SIGKILL)
            throw HarnessError("the test HTTP server did not start")
        }
        self.port = port
    }

    deinit {
        // SIGKILL: the test runner blocks SIGTERM, and a child inherits the blocked mask.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// The `tuf` pin by flags (issue 14, item 2): `bundle create --tuf-*` and `bundle fetch` against a real TUF
/// repository served over HTTP, the refused drop of the pin (`rotate`/`bundle install` without `--drop-tuf`), and a
/// Sigstore trust root taken from the repository only when the sealed bundle opts in, never widening its identities.
@Suite(.serialized) struct TUFPinTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var wscctl: URL { DaemonHarness.wscd.deletingLastPathComponent().appendingPathComponent("wscctl") }

    @discardableResult
    static func ctl(_ directory: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = wscctl
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A TUF repository publishing the private Sigstore instance's trusted_root.json, served over HTTP.
    struct Repository {
        let repo: TinyTUFRepository
        let server: LocalHTTPServer
        var metadataURL: String { "http://127.0.0.1:\(server.port)/metadata/" }
        var targetsURL: String { "http://127.0.0.1:\(server.port)/targets/" }

        init(directory: String) throws {
            repo = try TinyTUFRepository(directory: directory)
            try repo.publish(["trusted_root.json": try KeylessDaemonTests.file("trusted_root.json")])
            server = try LocalHTTPServer(directory: directory)
        }

        var tomlSection: String {
            """
            [tuf]
            enabled = true
            metadata_url = "\(metadataURL)"
            targets_url = "\(targetsURL)"
            interval_seconds = 3600
            jitter_seconds = 0
            """
        }
    }

    /// Writes root.pub, root.key (the harness's bundle key) and tuf-root.json into the harness directory.
    static func writeKeys(_ d: DaemonHarness, _ repository: Repository) throws {
        try Data(d.root.publicKey.pem.utf8).write(to: URL(fileURLWithPath: d.directory + "/root.pub"))
        let secret = try d.root.pem()
        try secret.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: d.directory + "/root.key")) }
        chmod(d.directory + "/root.key", 0o600)
        try Data(JSONWriter.encode(try repository.repo.rootDocument)).write(
            to: URL(fileURLWithPath: d.directory + "/tuf-root.json"))
    }

    static let identityFlag = "\(KeylessDaemonTests.identity.issuer)=\(KeylessDaemonTests.identity.subject!)"

    /// Asks for refreshes until one finishes with `lastResult` containing `expected` (a refresh that had already
    /// started with an older bundle may finish first), and returns its status object.
    static func refresh(_ client: WSCClient, until expected: String) throws -> JSONObject {
        var last = try JSONObject([])
        for _ in 0..<20 {
            _ = try client.call(.refresh)
            for _ in 0..<600 {
                if case .object(let r) = try client.call(.status).result["lastRefresh"] ?? .null,
                    r["running"] == .bool(false)
                {
                    last = r
                    break
                }
                usleep(50_000)
            }
            if case .string(let result) = last["lastResult"] ?? .null, result.contains(expected) { return last }
        }
        throw HarnessError("no refresh reported \(expected): \(last)")
    }

    static func tempDirectory() -> String {
        "/tmp/wsc-tufpin-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    @Test func pinByFlagsRefreshAppliesSigstoreRootAndDropIsRefused() throws {
        let base = Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let repository = try Repository(directory: base)
        let d = try DaemonHarness(extraConfig: repository.tomlSection, start: false)
        defer { d.cleanUp() }
        try Self.writeKeys(d, repository)
        // v1: identities in the sealed bundle, no embedded Sigstore root: it comes from the repository.
        let create = try Self.ctl(
            d.directory,
            [
                "bundle", "create", "-o", "bundle.json", "--bundle-version", "1", "--bundle-key", "root.pub",
                "--identity", Self.identityFlag, "--tuf-url", repository.metadataURL, "--tuf-root", "tuf-root.json",
                "--tuf-sigstore-root", "trusted_root.json",
            ])
        #expect(create.status == 0, "\(create.stderr)")
        #expect(
            try Self.ctl(d.directory, ["bundle", "sign", "-i", "bundle.json", "-o", "bundle.json", "-k", "root.key"])
                .status == 0)
        let inspect = try Self.ctl(d.directory, ["bundle", "inspect", "-i", "bundle.json"])
        #expect(inspect.stdout.contains("tuf         \(repository.metadataURL) targets trusted_root.json"))
        #expect(inspect.stdout.contains("root from TUF target trusted_root.json"))
        let payload = try DSSEEnvelope(
            parsing: Array(try Data(contentsOf: URL(fileURLWithPath: d.directory + "/bundle.json"))),
            maximumSize: 1 << 24
        ).payload
        let pin = try #require(try TrustBundle(payload: payload).tuf)
        #expect(pin.repositoryURL == repository.metadataURL)
        #expect(pin.targets == ["trusted_root.json"])
        #expect(pin.sigstoreRootTarget == "trusted_root.json")
        #expect(JSONWriter.encode(pin.root) == JSONWriter.encode(try repository.repo.rootDocument))

        // Before any refresh (offline, through a state directory of its own): no Sigstore root, no keyless trust.
        try Data(try KeylessDaemonTests.file("module.keyless.wasm")).write(
            to: URL(fileURLWithPath: d.directory + "/module.keyless.wasm"))
        #expect(
            try Self.ctl(
                d.directory,
                ["bundle", "install", "--state-dir", "offline", "--pinned-key", "root.pub", "-i", "bundle.json"]
            ).status == 0)
        let offline = try Self.ctl(
            d.directory, ["verify", "-i", "module.keyless.wasm", "--state-dir", "offline", "--json"])
        #expect(offline.status == 1)
        #expect(offline.stdout.contains("noTrustMaterial"), "\(offline.stdout)")

        try d.start()
        let c = try d.client()
        let module = try KeylessDaemonTests.file("module.keyless.wasm")
        let refresh = try Self.refresh(c, until: "applied trusted_root.json as the Sigstore trust root")
        #expect(refresh["lastError"] == .null, "\(refresh)")
        #expect(try c.call(.verify, body: module).result.valid)
        let sha = Digest.sha256(try KeylessDaemonTests.file("trusted_root.json")).map { String(format: "%02x", $0) }
            .joined()
        guard case .object(let bundleStatus) = try c.call(.status).result["bundle"] ?? .null else {
            throw HarnessError("no bundle in status")
        }
        #expect(bundleStatus["sigstoreRoot"] == .string("tuf:trusted_root.json sha256:\(sha)"))
        // Kept in the state directory for the next start-up: an offline reader of it verifies the module too.
        let reader = try Self.ctl(
            d.directory, ["verify", "-i", "module.keyless.wasm", "--state-dir", "state", "--json"])
        #expect(reader.status == 0, "\(reader.stdout) \(reader.stderr)")

        // v2 keeps the same pin: the root fetched under it stays in force across the rotate, no refresh needed.
        #expect(
            try Self.ctl(
                d.directory,
                [
                    "bundle", "create", "-o", "v2.json", "--bundle-version", "2", "--bundle-key", "root.pub",
                    "--identity",
                    Self.identityFlag, "--tuf-url", repository.metadataURL, "--tuf-root", "tuf-root.json",
                    "--tuf-sigstore-root", "trusted_root.json",
                ]
            ).status == 0)
        // v3 drops the pin.
        #expect(
            try Self.ctl(
                d.directory,
                [
                    "bundle", "create", "-o", "v3.json", "--bundle-version", "3", "--bundle-key", "root.pub",
                    "--identity",
                    Self.identityFlag,
                ]
            ).status == 0)
        for file in ["v2.json", "v3.json"] {
            #expect(
                try Self.ctl(d.directory, ["bundle", "sign", "-i", file, "-o", file, "-k", "root.key"]).status == 0)
        }
        let v2 = try Self.ctl(d.directory, ["rotate", "--socket", d.socketPath, "--bundle", "v2.json"])
        #expect(v2.status == 0, "\(v2.stderr)")
        #expect(try c.call(.verify, body: module).result.valid)

        let refused = try Self.ctl(d.directory, ["rotate", "--socket", d.socketPath, "--bundle", "v3.json"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("pins none"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--drop-tuf"))
        #expect(try c.call(.status).result["counter"] == .integer(2))
        // Through the protocol the refusal is rotateRefused; the explicit field allows it.
        let v3 = Array(try Data(contentsOf: URL(fileURLWithPath: d.directory + "/v3.json")))
        #expect(throws: ProtocolError(.rotateRefused, "")) {
            try c.call(.rotate, [("target", .string("bundle"))], body: v3)
        }
        #expect(throws: ProtocolError(.badRequest, "")) {
            try c.call(.rotate, [("target", .string("bundle")), ("dropTuf", .string("yes"))], body: v3)
        }
        // Offline, `bundle install` refuses the same drop without --drop-tuf (v1 pins the repository).
        let offlineRefused = try Self.ctl(
            d.directory, ["bundle", "install", "--state-dir", "offline", "-i", "v3.json"])
        #expect(offlineRefused.status == 1)
        #expect(offlineRefused.stderr.contains("--drop-tuf"), "\(offlineRefused.stderr)")
        let offlineDropped = try Self.ctl(
            d.directory, ["bundle", "install", "--state-dir", "offline", "-i", "v3.json", "--drop-tuf"])
        #expect(offlineDropped.status == 0, "\(offlineDropped.stderr)")

        let dropped = try Self.ctl(
            d.directory, ["rotate", "--socket", d.socketPath, "--bundle", "v3.json", "--drop-tuf"])
        #expect(dropped.status == 0, "\(dropped.stderr)")
        #expect(try c.call(.status).result["counter"] == .integer(3))
        // No pin, no fetched root: v3 embeds none, so keyless verification has no trust material again.
        #expect(!(try c.call(.verify, body: module).result.valid))
        #expect(d.stop() == 0, "\(d.stderr)")
    }

    /// A fetched trusted root widens nothing: without `sigstoreRootTarget` it is only downloaded, and with it the
    /// identities still come only from the sealed bundle.
    @Test func fetchedSigstoreRootIsOptInAndNeverWidensIdentities() throws {
        let base = Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let repository = try Repository(directory: base)
        let d = try DaemonHarness(extraConfig: repository.tomlSection, start: false)
        defer { d.cleanUp() }
        let root = try repository.repo.rootDocument
        let optOut = TrustBundle.TUFSettings(
            repositoryURL: repository.metadataURL, root: root, targets: ["trusted_root.json"])
        try Data(try d.bundle(version: 1, identities: [KeylessDaemonTests.identity], tuf: optOut)).write(
            to: URL(fileURLWithPath: d.directory + "/bundle.json"))
        try d.start()
        let c = try d.client()
        let module = try KeylessDaemonTests.file("module.keyless.wasm")
        let first = try Self.refresh(c, until: "trusted_root.json: verified, not a trust bundle")
        #expect(first["lastError"] == .null, "\(first)")
        let notOptedIn = try c.call(.verify, body: module).result
        #expect(!notOptedIn.valid)
        #expect(notOptedIn["code"] == .string("noTrustMaterial"))

        // Opted in, but the sealed bundle accepts another identity: the signer is still refused.
        let optIn = TrustBundle.TUFSettings(
            repositoryURL: repository.metadataURL, root: root, targets: ["trusted_root.json"],
            sigstoreRootTarget: "trusted_root.json")
        let other = TrustBundle.Identity(
            issuer: KeylessDaemonTests.identity.issuer, subject: "https://github.com/someone/else", subjectPattern: nil)
        _ = try c.call(
            .rotate, [("target", .string("bundle"))], body: try d.bundle(version: 2, identities: [other], tuf: optIn))
        let second = try Self.refresh(c, until: "applied trusted_root.json as the Sigstore trust root")
        #expect(second["lastError"] == .null, "\(second)")
        let wrongIdentity = try c.call(.verify, body: module).result
        #expect(!wrongIdentity.valid)
        #expect(wrongIdentity["code"] == .string("identityMismatch"))
        #expect(d.stop() == 0, "\(d.stderr)")
    }

    /// `wscctl bundle fetch`: the TUF download and an unsigned draft in one step; bad input exits 2.
    @Test func bundleFetchWritesADraftFromTheRepository() throws {
        let base = Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let repository = try Repository(directory: base)
        let d = try DaemonHarness(extraConfig: repository.tomlSection, start: false)
        defer { d.cleanUp() }
        try Self.writeKeys(d, repository)
        let fetch = try Self.ctl(
            d.directory,
            [
                "bundle", "fetch", "--tuf-url", repository.metadataURL, "--tuf-root", "tuf-root.json",
                "--tuf-target", "wsc-trust-bundle.json", "--tuf-targets-url", repository.targetsURL, "--", "-o",
                "draft.json", "--bundle-version", "7", "--bundle-key",
                "root.pub", "--identity", Self.identityFlag,
            ])
        #expect(fetch.status == 0, "\(fetch.stderr) \(fetch.stdout)")
        #expect(fetch.stdout.contains("verified TUF target trusted_root.json"))
        let payload = try DSSEEnvelope(
            parsing: Array(try Data(contentsOf: URL(fileURLWithPath: d.directory + "/draft.json"))),
            maximumSize: 1 << 24
        ).payload
        let draft = try TrustBundle(payload: payload)
        #expect(draft.version == 7)
        #expect(draft.identities == [KeylessDaemonTests.identity])
        #expect(draft.sigstoreRoot != nil)
        #expect(draft.tuf?.targets == ["wsc-trust-bundle.json", "trusted_root.json"])
        #expect(draft.tuf?.sigstoreRootTarget == "trusted_root.json")
        // Unsigned: a draft to review and sign.
        #expect(try Self.ctl(d.directory, ["bundle", "verify", "-i", "draft.json", "-K", "root.pub"]).status == 1)
        #expect(
            try Self.ctl(d.directory, ["bundle", "sign", "-i", "draft.json", "-o", "draft.json", "-k", "root.key"])
                .status == 0)
        #expect(try Self.ctl(d.directory, ["bundle", "verify", "-i", "draft.json", "-K", "root.pub"]).status == 0)

        // --no-pin embeds the root only.
        let unpinned = try Self.ctl(
            d.directory,
            [
                "bundle", "fetch", "--tuf-url", repository.metadataURL, "--tuf-root", "tuf-root.json", "--no-pin",
                "--tuf-targets-url", repository.targetsURL, "--", "-o", "embedded.json", "--bundle-version", "7",
                "--bundle-key", "root.pub",
            ])
        #expect(unpinned.status == 0, "\(unpinned.stderr)")
        let embedded = try TrustBundle(
            payload: try DSSEEnvelope(
                parsing: Array(try Data(contentsOf: URL(fileURLWithPath: d.directory + "/embedded.json"))),
                maximumSize: 1 << 24
            ).payload)
        #expect(embedded.tuf == nil)
        #expect(embedded.sigstoreRoot != nil)

        // Bad input: each a clear error with exit status 2.
        var tampered = try JSONParser.parse(
            Array(try Data(contentsOf: URL(fileURLWithPath: d.directory + "/tuf-root.json")))
        )
        .asObject("root")
        var signed = try tampered.require("signed", "root").asObject("signed")
        signed = try JSONObject(signed.members.map { ($0.key, $0.key == "version" ? .integer(2) : $0.value) })
        tampered = try JSONObject(tampered.members.map { ($0.key, $0.key == "signed" ? .object(signed) : $0.value) })
        try Data(JSONWriter.encode(.object(tampered))).write(to: URL(fileURLWithPath: d.directory + "/bad-root.json"))
        try Data(repeating: 0x20, count: 600 * 1024).write(to: URL(fileURLWithPath: d.directory + "/big-root.json"))
        let create = ["bundle", "create", "-o", "x.json", "--bundle-version", "1", "--bundle-key", "root.pub"]
        let cases: [([String], String)] = [
            (["--tuf-url", "ftp://tuf.example/", "--tuf-root", "tuf-root.json", "--tuf-target", "a"], "ftp://"),
            (
                ["--tuf-url", repository.metadataURL, "--tuf-root", "bad-root.json", "--tuf-target", "a"],
                "not a usable TUF root"
            ),
            (
                ["--tuf-url", repository.metadataURL, "--tuf-root", "big-root.json", "--tuf-target", "a"],
                "above the limit"
            ),
            (["--tuf-url", repository.metadataURL, "--tuf-root", "missing.json", "--tuf-target", "a"], "missing.json"),
            (["--tuf-url", repository.metadataURL, "--tuf-target", "a"], "--tuf-root"),
            (["--tuf-url", repository.metadataURL, "--tuf-root", "tuf-root.json"], "--tuf-target"),
        ]
        for (flags, message) in cases {
            let run = try Self.ctl(d.directory, create + flags)
            #expect(run.status == 2, "\(flags): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(flags): \(run.stderr)")
        }
    }
}
