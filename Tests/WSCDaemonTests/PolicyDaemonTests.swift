import Foundation
import Testing
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol

/// Policy through wscd: caller narrowing applies to keyless evidence, refusals carry a code and the failed
/// check, requests naming unknown authorities are bad requests, and wscd's own key-signed Sigstore bundles
/// verify through a sealed bundle that names its key.
@Suite(.serialized) struct PolicyDaemonTests {
    func string(_ object: JSONObject, _ key: String) -> String? {
        if case .string(let s) = object[key] ?? .null { return s }
        return nil
    }

    @Test func keylessEvidenceCannotBypassTheCallersNarrowing() throws {
        let d = try DaemonHarness(start: false)
        defer { d.cleanUp() }
        let identity = TrustBundle.Identity(
            name: "release", issuer: KeylessDaemonTests.identity.issuer, subject: KeylessDaemonTests.identity.subject,
            subjectPattern: nil)
        try Data(
            try d.bundle(
                version: 1, sigstoreRoot: try KeylessDaemonTests.file("trusted_root.json"), identities: [identity])
        ).write(to: URL(fileURLWithPath: d.directory + "/bundle.json"))
        try d.start()
        let c = try d.client()
        let module = try KeylessDaemonTests.file("module.keyless.wasm")
        let open = try c.call(.verify, body: module).result
        #expect(open.valid, "\(open)")
        #expect(open["signers"] == .array([.string("release")]))

        for fields: [(String, JSONValue)] in [
            [("publishers", .array([.string("alice")]))],
            [("authorities", .array([.string("alice"), .string("bob")])), ("require", .integer(2))],
        ] {
            let narrowed = try c.call(.verify, fields, body: module).result
            #expect(!narrowed.valid, "\(narrowed)")
            #expect(string(narrowed, "code") == "authorityNotAllowed")
            #expect(string(narrowed, "failedCheck") == "policy.authorities")
        }
        #expect(throws: ProtocolError(.badRequest, "")) {
            try c.call(.verify, [("authorities", .array([.string("ghost")]))], body: module)
        }
        // The connection is still usable after a bad request.
        #expect(try c.call(.verify, [("authorities", .array([.string("release")]))], body: module).result.valid)
    }

    @Test func refusalsSayWhy() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        var tampered = try d.signed(by: d.alice)
        tampered[tampered.count - 1] ^= 1
        let modified = try c.call(.verify, body: tampered).result
        #expect(string(modified, "code") == "contentModified", "\(modified)")
        #expect(string(modified, "reason")?.contains("alice") == true)
        let stranger = try c.call(.verify, body: try d.signed(by: PrivateKey.generate(.ed25519))).result
        #expect(string(stranger, "code") == "unknownSigner", "\(stranger)")
    }

    @Test func wscdKeySignedSigstoreBundleVerifiesThroughTheSealedBundle() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        let module = try d.signed(by: d.alice)
        let (_, sigstore) = try c.call(.sign, [("format", .string("sigstore-bundle"))], body: module)
        guard case .string(let pem) = try c.call(.status).result["signingPublicKey"] ?? .null else {
            Issue.record("status has no signingPublicKey")
            return
        }
        // Before the node trusts wscd's key: an unknown signer, not a missing log.
        let before = try c.call(
            .verify, [("sigstoreBundleLength", .integer(Int64(sigstore.count))), ("kind", .string("keyless"))],
            body: module + sigstore
        ).result
        #expect(string(before, "code") == "unknownSigner", "\(before)")

        let now = TrustedTime.current(floor: 0).systemClock
        var b = TrustBundleBuilder(
            version: 2, issuedAt: now - 60, notBefore: now - 60, expires: now + 86400, bundleKeys: [d.root.publicKey])
        b.publishers = [
            .init(name: "alice", publicKey: d.alice.publicKey), .init(name: "node", publicKey: try PublicKey(pem: pem)),
        ]
        b.policy = try JSONParser.parse(
            Array(#"{"rules":[{"name":"two","modules":["two-*"],"threshold":2}]}"#.utf8))
        var envelope = try b.envelope()
        try envelope.sign(with: d.root)
        _ = try c.call(.rotate, [("target", .string("bundle"))], body: envelope.serialized())

        let fields: [(String, JSONValue)] = [("sigstoreBundleLength", .integer(Int64(sigstore.count)))]
        let keyless = try c.call(.verify, fields + [("kind", .string("keyless"))], body: module + sigstore).result
        #expect(keyless.valid, "\(keyless)")
        #expect(keyless["signers"] == .array([.string("node")]))
        // Both kinds of evidence, two distinct authorities: the "two" rule is met.
        let both = try c.call(.verify, fields + [("moduleName", .string("two-x"))], body: module + sigstore).result
        #expect(both.valid, "\(both)")
        #expect(string(both, "rule") == "two")
        let one = try c.call(.verify, [("moduleName", .string("two-x"))], body: module).result
        #expect(string(one, "code") == "thresholdNotMet", "\(one)")
        let logged = try c.call(.verify, fields + [("requireTlog", .bool(true))], body: module + sigstore).result
        #expect(!logged.valid)
    }
}
