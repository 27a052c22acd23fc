import Foundation
import Testing

/// docs/trust-bundle.md's worked example, run as written: a rule needing a wasmsig publisher and a P-256 key
/// signing a Sigstore bundle without a log; narrowing and rules through `wscctl verify --state-dir`.
@Suite struct PolicyCommandTests {
    func ok(_ cli: WSCCtlRunner, _ args: [String]) throws -> WSCCtlRunner.Result {
        let r = try cli.run(args)
        try #require(r.status == 0, "wscctl \(args.joined(separator: " ")): \(r.stderr)")
        return r
    }

    func json(_ r: WSCCtlRunner.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func workedExampleFromTheDocs() throws {
        let cli = try WSCCtlRunner()
        defer { cli.cleanUp() }
        _ = try ok(cli, ["keygen", "--format", "pem", "-k", "root.key", "-K", "root.pub"])
        _ = try ok(cli, ["keygen", "-k", "alice.key", "-K", "alice.pub"])
        _ = try SigstoreSignCommandTests.openssl(
            cli, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ci.key"])
        _ = try SigstoreSignCommandTests.openssl(cli, ["pkey", "-in", "ci.key", "-pubout", "-out", "ci.pub"])
        try cli.write(
            "policy.json",
            Array(
                #"{"rules": [{"name": "payments", "modules": ["payments-*"], "authorities": ["alice", "ci"], "threshold": 2}]}"#
                    .utf8))
        _ = try ok(
            cli,
            [
                "bundle", "create", "-o", "b.json", "--bundle-version", "1", "--publisher", "alice=alice.pub",
                "--publisher",
                "ci=ci.pub", "--policy", "policy.json", "--bundle-key", "root.pub",
            ])
        _ = try ok(cli, ["bundle", "sign", "-i", "b.json", "-o", "b.json", "-k", "root.key"])
        let inspect = try ok(cli, ["bundle", "inspect", "-i", "b.json"])
        #expect(inspect.stdout.contains("payments: payments-*: 2 of alice, ci"), "\(inspect.stdout)")
        _ = try ok(cli, ["bundle", "install", "--state-dir", "state", "-i", "b.json", "--pinned-key", "root.pub"])

        try cli.write("payments-api.wasm", WSCCtlRunner.module)
        _ = try ok(cli, ["sign", "-i", "payments-api.wasm", "-o", "signed.wasm", "-k", "alice.key"])
        _ = try ok(
            cli, ["sign", "-i", "signed.wasm", "-k", "ci.key", "--sigstore-bundle", "signed.wasm.sigstore.json"])

        let both = try ok(
            cli,
            [
                "verify", "-i", "signed.wasm", "--state-dir", "state", "--module-name", "payments-api", "--bundle",
                "signed.wasm.sigstore.json",
            ])
        #expect(both.stdout.contains("signed by alice, ci"), "\(both.stdout)")
        #expect(both.stdout.contains("rule payments"))

        let one = try cli.run([
            "verify", "-i", "signed.wasm", "--state-dir", "state", "--module-name", "payments-api", "--json",
        ])
        #expect(one.status == 1)
        let verdict = try json(one)
        #expect(verdict["valid"] as? Bool == false)
        #expect(verdict["code"] as? String == "thresholdNotMet")
        #expect(verdict["failedCheck"] as? String == "policy.threshold")
        #expect(verdict["rule"] as? String == "payments")

        // Other modules: the default rule, one authority; a request may narrow it to ci only.
        _ = try ok(cli, ["verify", "-i", "signed.wasm", "--state-dir", "state"])
        let narrowed = try cli.run([
            "verify", "-i", "signed.wasm", "--state-dir", "state", "--authority", "ci", "--json",
        ])
        #expect(narrowed.status == 1)
        #expect(try json(narrowed)["code"] as? String == "authorityNotAllowed")
        let ghost = try cli.run(["verify", "-i", "signed.wasm", "--state-dir", "state", "--authority", "ghost"])
        #expect(ghost.status == 2)
        #expect(ghost.stderr.contains("ghost"))
        // --require-tlog: the ci bundle has no log entry, and wasmsig never counts.
        let logged = try cli.run([
            "verify", "-i", "signed.wasm", "--state-dir", "state", "--bundle", "signed.wasm.sigstore.json",
            "--require-tlog", "--json",
        ])
        #expect(try json(logged)["code"] as? String == "tlogRequired")
    }
}
