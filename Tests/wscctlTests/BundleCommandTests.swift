import Foundation
import Testing
import TrustStore
import WSCCrypto

@Suite(.serialized) struct BundleCommandTests {
    let cli: WSCCtlRunner

    init() throws {
        cli = try WSCCtlRunner()
        try cli.write("module.wasm", WSCCtlRunner.module)
        for name in ["root", "root2", "alice", "bob"] {
            #expect(try cli.run(["keygen", "--format", "pem", "-k", "\(name).sk", "-K", "\(name).pk"]).status == 0)
        }
    }

    func create(version: Int, extra: [String] = []) throws -> WSCCtlRunner.Result {
        try cli.run(
            [
                "bundle", "create", "-o", "b\(version).json", "--bundle-version", "\(version)", "--bundle-key",
                "root.pk",
                "--publisher", "alice=alice.pk", "--publisher", "bob=bob.pk", "--valid-days", "30",
            ] + extra)
    }

    @Test func createSignInspectVerifyInstallAndVerifyModules() throws {
        defer { cli.cleanUp() }
        #expect(try create(version: 1).status == 0)
        // Unsigned: verify fails with exit 1.
        #expect(try cli.run(["bundle", "verify", "-i", "b1.json", "-K", "root.pk"]).status == 1)
        #expect(try cli.run(["bundle", "sign", "-i", "b1.json", "-o", "b1.json", "-k", "root.sk"]).status == 0)
        let verify = try cli.run(["bundle", "verify", "-i", "b1.json", "-K", "root.pk"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("days left"))
        #expect(try cli.run(["bundle", "verify", "-i", "b1.json", "-K", "bob.pk"]).status == 1)
        let inspect = try cli.run(["bundle", "inspect", "-i", "b1.json"])
        #expect(inspect.stdout.contains("alice"))
        let json = try cli.run(["bundle", "inspect", "--json", "-i", "b1.json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((parsed?["payload"] as? [String: Any])?["version"] as? Int == 1)

        // Install into a state directory, pinned to root.
        let install = try cli.run([
            "bundle", "install", "--state-dir", "state", "--pinned-key", "root.pk", "-i", "b1.json",
        ])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(try cli.run(["bundle", "status", "--state-dir", "state"]).stdout.contains("counter          1"))

        // Verify modules against the sealed bundle.
        #expect(try cli.run(["sign", "-i", "module.wasm", "-o", "by-alice.wasm", "-k", "alice.sk"]).status == 0)
        let ok = try cli.run(["verify", "-i", "by-alice.wasm", "--state-dir", "state", "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let verdict = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        #expect(verdict?["signers"] as? [String] == ["alice"])
        #expect(verdict?["bundleVersion"] as? Int == 1)
        #expect(
            try cli.run(["verify", "-i", "by-alice.wasm", "--state-dir", "state", "--publisher", "bob"]).status == 1)
        #expect(
            try cli.run([
                "verify", "-i", "by-alice.wasm", "--state-dir", "state", "--publisher", "alice", "--publisher", "bob",
                "--require", "2",
            ])
            .status == 1)

        // A rollback to the same version with other content is refused as an attack.
        #expect(try create(version: 1, extra: ["--valid-days", "31"]).status == 0)
        #expect(try cli.run(["bundle", "sign", "-i", "b1.json", "-o", "b1.json", "-k", "root.sk"]).status == 0)
        let attack = try cli.run(["bundle", "install", "--state-dir", "state", "-i", "b1.json"])
        #expect(attack.status == 1)
        #expect(attack.stderr.contains("ATTACK"))

        // Rotation to v2 with a revocation of alice.
        let aliceID = try cli.run(["keygen", "-k", "x.sk", "-K", "x.pk"])  // only to prove keygen prints ids
        #expect(aliceID.stdout.contains("key id"))
        let aliceKey = try PublicKey(pem: String(decoding: try cli.read("alice.pk"), as: UTF8.self))
        let revoke = aliceKey.wasmsigKeyID!.map { String(format: "%02x", $0) }.joined()
        #expect(try create(version: 2, extra: ["--revoke-key-id", revoke]).status == 0)
        #expect(try cli.run(["bundle", "sign", "-i", "b2.json", "-o", "b2.json", "-k", "root.sk"]).status == 0)
        #expect(try cli.run(["bundle", "install", "--state-dir", "state", "-i", "b2.json"]).status == 0)
        let refused = try cli.run(["verify", "-i", "by-alice.wasm", "--state-dir", "state"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("revoked"))
    }

    @Test func importWscBundle() throws {
        defer { cli.cleanUp() }
        let rekor = try PrivateKey.generate(.ecdsaP256).publicKey.pem
        let legacy: [String: Any] = [
            "bundle": [
                "format_version": 1, "version": 3, "bundle_id": "", "created_at": 1_795_000_000,
                "validity": ["not_before": 1_795_000_000, "not_after": 1_999_999_999, "grace_period_seconds": 86400],
                "certificate_authorities": [],
                "transparency_logs": [
                    [
                        "base_url": "https://rekor.sigstore.dev", "hash_algorithm": "sha2-256", "public_key_pem": rekor,
                        "log_id": "00",
                    ]
                ],
                "revocations": [String(repeating: "ab", count: 32)],
            ],
            "signature": ["key_id": "1a2b3c4d", "algorithm": "Ed25519", "signature": "AAAA"],
        ]
        try cli.write("legacy.json", Array(try JSONSerialization.data(withJSONObject: legacy)))
        let result = try cli.run([
            "bundle", "import-wsc", "-i", "legacy.json", "-o", "new.json", "--bundle-key", "root.pk",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try cli.run(["bundle", "sign", "-i", "new.json", "-o", "new.json", "-k", "root.sk"]).status == 0)
        let inspect = try cli.run(["bundle", "inspect", "-i", "new.json"])
        #expect(inspect.stdout.contains("trust bundle version 3"))
        #expect(inspect.stdout.contains("trusted root embedded"))
        #expect(inspect.stdout.contains("1 certificate(s)"))
    }

    /// Kill `wscctl bundle install` at random instants, hundreds of times: the state directory always holds the
    /// old state or the new one, and the counter never goes down.
    @Test func crashLoopNeverLosesOrMixesState() throws {
        defer { cli.cleanUp() }
        let root = try PrivateKey(pem: String(decoding: try cli.read("root.sk"), as: UTF8.self))
        let now = TrustedTime.current(floor: 0).systemClock
        // Enough publishers that writing the bundle takes a measurable share of the process's life.
        let publishers: [TrustBundleBuilder.Publisher] = try (0..<100).map { i in
            let seed = [UInt8](repeating: UInt8(i % 250 + 1), count: 31) + [UInt8(i / 250)]
            let key = try seed.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
            return .init(name: "publisher-\(i)", publicKey: key.publicKey)
        }
        func envelope(_ version: UInt64) throws -> [UInt8] {
            var b = TrustBundleBuilder(
                version: version, issuedAt: now - 60, notBefore: now - 60, expires: now + 86400 * 30,
                bundleKeys: [root.publicKey])
            b.publishers = publishers
            var e = try b.envelope()
            try e.sign(with: root)
            return e.serialized()
        }
        let iterations = 300
        let state = cli.path("state")
        try cli.write("v1.json", try envelope(1))
        #expect(
            try cli.run(["bundle", "install", "--state-dir", state, "--pinned-key", "root.pk", "-i", "v1.json"]).status
                == 0)

        // Calibrate: how long does one uninterrupted install take?
        try cli.write("v2.json", try envelope(2))
        let start = Date()
        #expect(try cli.run(["bundle", "install", "--state-dir", state, "-i", "v2.json"]).status == 0)
        let duration = max(Date().timeIntervalSince(start), 0.002)

        var counter: UInt64 = 2
        var outcomes = (old: 0, new: 0)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<iterations {
            let next = counter + 1
            let file = cli.path("next.json")
            try Data(try envelope(next)).write(to: URL(fileURLWithPath: file))
            let process = Process()
            process.executableURL = WSCCtlRunner.executable
            process.arguments = ["bundle", "install", "--state-dir", state, "-i", file]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Double.random(in: 0...(duration * 1.2), using: &generator) * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let store = try TrustStore(directory: StateDirectory(path: state, sealKey: nil), pinned: nil)
            let after = try #require(store.state?.counter)
            #expect(after == counter || after == next, "counter \(after) after a kill during \(counter) -> \(next)")
            #expect(store.active?.version == after)
            if after == next { outcomes.new += 1 } else { outcomes.old += 1 }
            counter = after
        }
        print("crash loop: \(iterations) kills, \(outcomes.old) left the old state, \(outcomes.new) the new one")
        // Both outcomes must have happened, or the kills never landed inside an install.
        #expect(outcomes.old > 0)
        #expect(outcomes.new > 0)
    }
}
