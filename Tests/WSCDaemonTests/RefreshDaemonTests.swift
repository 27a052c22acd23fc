import Foundation
import Testing
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol
import WasmSignatures

/// wscd refreshing its trust bundle through TUF: a new bundle published in the repository is picked up through
/// the seal check, and verification goes on when the repository is unreachable.
@Suite(.serialized) struct RefreshDaemonTests {
    func waitFor(_ what: String, _ client: WSCClient, _ condition: (JSONObject) -> Bool) throws {
        for _ in 0..<300 {
            if condition(try client.call(.status).result) { return }
            usleep(50_000)
        }
        throw HarnessError("timed out waiting for \(what): \(try client.call(.status).result)")
    }

    @Test func newTrustBundleArrivesThroughTUFAndOfflineKeepsServing() throws {
        let base = "/tmp/wscd-tuf-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let repo = try TinyTUFRepository(directory: base)
        let extra = """
            [tuf]
            enabled = true
            metadata_url = "file://\(base)/metadata/"
            targets_url = "file://\(base)/targets/"
            interval_seconds = 60
            jitter_seconds = 0
            """
        let d = try DaemonHarness(extraConfig: extra, start: false)
        defer { d.cleanUp() }
        let carol = try PrivateKey.generate(.ed25519)
        let settings = TrustBundle.TUFSettings(
            repositoryURL: "file://\(base)/metadata/", root: try repo.rootDocument, targets: ["wsc-trust-bundle.json"])
        try Data(try d.bundle(version: 1, tuf: settings)).write(to: URL(fileURLWithPath: d.directory + "/bundle.json"))
        // The repository publishes version 2: a new Sigstore trusted root with an accepted identity, and the
        // publisher carol.
        try repo.publish([
            "wsc-trust-bundle.json": try d.bundle(
                version: 2, publishers: [("alice", d.alice), ("carol", carol)],
                sigstoreRoot: try KeylessDaemonTests.file("trusted_root.json"),
                identities: [KeylessDaemonTests.identity],
                tuf: settings)
        ])
        try d.start()
        let c = try d.client()
        #expect(!(try c.call(.verify, body: try d.signed(by: carol)).result.valid))
        let keylessModule = try KeylessDaemonTests.file("module.keyless.wasm")
        #expect(!(try c.call(.verify, body: keylessModule).result.valid))

        _ = try c.call(.refresh)
        try waitFor("version 2", c) { $0["counter"] == .integer(2) }
        let byCarol = try c.call(.verify, body: try d.signed(by: carol)).result
        #expect(byCarol.valid)
        #expect(byCarol.bundleVersion == 2)
        // The trusted root that came through TUF now verifies keyless signatures.
        #expect(try c.call(.verify, body: keylessModule).result.valid)
        guard case .object(let refresh) = try c.call(.status).result["lastRefresh"] ?? .null else {
            Issue.record("no refresh status")
            return
        }
        #expect(refresh["lastError"] == .null)

        // The repository goes away: the refresh fails, says why, and verdicts keep coming from sealed trust.
        try FileManager.default.removeItem(atPath: base)
        _ = try c.call(.refresh)
        try waitFor("a failed refresh", c) {
            if case .object(let r) = $0["lastRefresh"] ?? .null, case .string = r["lastError"] ?? .null,
                r["running"] == .bool(false)
            {
                return true
            }
            return false
        }
        #expect(try c.call(.verify, body: try d.signed(by: carol)).result.valid)
        #expect(try c.call(.status).result["counter"] == .integer(2))
        #expect(d.stop() == 0, "\(d.stderr)")
    }

    @Test func refreshIsRefusedWhenNotConfigured() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        #expect(throws: ProtocolError(.badRequest, "")) { try d.client().call(.refresh) }
    }
}
