import Foundation
import Testing

/// `wscctl verify --bundle/--keyless`, `attach-bundle` and `detach-bundle` against the KeylessWasm fixtures.
@Suite struct KeylessCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KeylessWasmTests/Fixtures")
    static let identity = "https://github.com/wsc-test/app/.github/workflows/release.yml@refs/heads/main"
    static let issuer = "https://token.actions.githubusercontent.com"

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static let root = ["--trusted-root", fixture("trusted_root.json")]
    static let who = ["--certificate-identity", identity, "--certificate-oidc-issuer", issuer]
    static let detached = ["verify", "-i", fixture("module.wasm"), "--bundle", fixture("module.wasm.sigstore.json")]
    static let embedded = ["verify", "-i", fixture("module.keyless.wasm"), "--keyless"]

    static let cases: [(String, [String], Int32)] = [
        ("detached, valid", detached + root + who + ["--offline"], 0),
        ("embedded, valid", embedded + root + who, 0),
        (
            "embedded, identity pattern",
            embedded + root + ["--certificate-identity-regexp", "https://github\\.com/wsc-test/.*"]
                + ["--certificate-oidc-issuer", issuer], 0
        ),
        (
            "wrong identity",
            embedded + root + ["--certificate-identity", identity + "x", "--certificate-oidc-issuer", issuer], 1
        ),
        (
            "wrong issuer",
            detached + root + ["--certificate-identity", identity, "--certificate-oidc-issuer", "https://x"], 1
        ),
        (
            "detached bundle over another module",
            ["verify", "-i", fixture("module-wasmsig.wasm"), "--bundle", fixture("module.wasm.sigstore.json")] + root
                + who, 1
        ),
        ("no embedded bundle", ["verify", "-i", fixture("module.wasm"), "--keyless"] + root + who, 1),
        ("no trusted root", embedded + who, 2),
        ("no identity", embedded + root + ["--certificate-oidc-issuer", issuer], 2),
        ("no issuer", embedded + root + ["--certificate-identity", identity], 2),
        ("both --bundle and --keyless", detached + ["--keyless"] + root + who, 2),
        ("identity and regexp", embedded + root + who + ["--certificate-identity-regexp", ".*"], 2),
        (
            "bad regexp",
            embedded + root + ["--certificate-identity-regexp", "(", "--certificate-oidc-issuer", issuer], 2
        ),
        (
            "identity options without keyless",
            ["verify", "-i", fixture("module.wasm"), "-K", fixture("wasmsig.pub")] + who, 2
        ),
        (
            "missing bundle file",
            ["verify", "-i", fixture("module.wasm"), "--bundle", "/nonexistent.json"] + root + who, 2
        ),
        ("unreadable trusted root", embedded + ["--trusted-root", fixture("module.wasm")] + who, 2),
        ("managed key on a certificate bundle", embedded + root + ["--key", fixture("wasmsig.pub")], 1),
    ]

    @Test("verify exit status", arguments: cases)
    func verify(name: String, arguments: [String], status: Int32) throws {
        let cli = try WSCCtlRunner()
        defer { cli.cleanUp() }
        let result = try cli.run(arguments)
        #expect(result.status == status, "\(name): \(result.stdout) \(result.stderr)")
    }

    @Test("--json reports the verdict and the failed check")
    func json() throws {
        let cli = try WSCCtlRunner()
        defer { cli.cleanUp() }
        let ok = try cli.run(Self.embedded + Self.root + Self.who + ["--json"])
        #expect(ok.status == 0)
        let verdict = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        #expect(verdict["valid"] as? Bool == true)
        #expect(verdict["identity"] as? String == Self.identity)
        #expect(verdict["issuer"] as? String == Self.issuer)
        #expect(verdict["logIndex"] as? Int == 9)
        #expect(verdict["integratedTime"] as? Int == 1_736_942_460)

        let bad = try cli.run(
            Self.embedded + Self.root + [
                "--certificate-identity", "x", "--certificate-oidc-issuer", Self.issuer, "--json",
            ])
        #expect(bad.status == 1)
        let failure = try #require(try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any])
        #expect(failure["valid"] as? Bool == false)
        #expect(failure["failedCheck"] as? String == "identityMismatch")
    }

    @Test("detach-bundle then attach-bundle round-trips; attach twice is refused")
    func attachDetach() throws {
        let cli = try WSCCtlRunner()
        defer { cli.cleanUp() }
        let detach = try cli.run([
            "detach-bundle", "-i", Self.fixture("module.keyless.wasm"), "-o", "m.wasm", "--bundle", "b.json",
        ])
        #expect(detach.status == 0, "\(detach.stderr)")
        #expect(
            try cli.read("m.wasm") == Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("module.wasm"))))
        #expect(try cli.run(["verify", "-i", "m.wasm", "--bundle", "b.json"] + Self.root + Self.who).status == 0)
        let attach = try cli.run(["attach-bundle", "-i", "m.wasm", "-o", "k.wasm", "--bundle", "b.json"])
        #expect(attach.status == 0, "\(attach.stderr)")
        #expect(try cli.run(["verify", "-i", "k.wasm", "--keyless"] + Self.root + Self.who).status == 0)
        #expect(try cli.run(["attach-bundle", "-i", "k.wasm", "-o", "k2.wasm", "--bundle", "b.json"]).status == 2)
        #expect(try cli.run(["detach-bundle", "-i", "m.wasm", "-o", "x.wasm", "--bundle", "x.json"]).status == 1)
        try cli.write("junk.json", Array("{\"not\": \"a bundle\"}".utf8))
        #expect(try cli.run(["attach-bundle", "-i", "m.wasm", "-o", "j.wasm", "--bundle", "junk.json"]).status == 2)
    }
}
