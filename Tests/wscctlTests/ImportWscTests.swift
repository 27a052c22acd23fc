import Foundation
import Testing
import TrustStore
import WSCCrypto
import WSCJSON

/// Migration from the Rust wsc (issue 14, item 3): a wsc trust bundle carrying the private Sigstore instance of
/// Tests/KeylessWasmTests/Fixtures (its Fulcio CA chain and Rekor key, as wsc writes them), imported with the CT
/// log key and the accepted identity, verifies the keyless fixture module; without the CT log key it cannot.
@Suite(.serialized) struct ImportWscTests {
    let cli: WSCCtlRunner
    static let subject = KeylessCommandTests.identity
    static let issuer = KeylessCommandTests.issuer

    init() throws {
        cli = try WSCCtlRunner()
        #expect(try cli.run(["keygen", "--format", "pem", "-k", "root.sk", "-K", "root.pk"]).status == 0)
        let root = try JSONParser.parse(
            Array(try Data(contentsOf: KeylessCommandTests.fixtures.appendingPathComponent("trusted_root.json")))
        ).asObject("root")
        func key(_ list: String) throws -> PublicKey {
            let entry = try root.require(list, "root").asArray(list)[0].asObject(list)
            let raw = try entry.require("publicKey", list).asObject("k").require("rawBytes", "k").asString("r")
            return try PublicKey(spkiDER: try #require(Base64.decode(raw)))
        }
        let ca = try root.require("certificateAuthorities", "root").asArray("cas")[0].asObject("ca")
        let pems = try ca.require("certChain", "ca").asObject("c").require("certificates", "c").asArray("c").map {
            try Certificate(
                der: try #require(Base64.decode(try $0.asObject("c").require("rawBytes", "c").asString("r")))
            )
            .pem
        }
        // The Rust wsc's own format (airgapped/bundle.rs): snake_case, Unix seconds, PEM strings.
        let legacy: JSONValue = .object(
            try JSONObject([
                (
                    "bundle",
                    .object(
                        try JSONObject([
                            ("format_version", .integer(1)), ("version", .integer(5)), ("bundle_id", .string("")),
                            ("created_at", .integer(1_704_067_200)),
                            (
                                "validity",
                                .object(
                                    try JSONObject([
                                        ("not_before", .integer(1_704_067_200)), ("not_after", .integer(4_102_444_800)),
                                        ("grace_period_seconds", .integer(0)),
                                    ]))
                            ),
                            (
                                "certificate_authorities",
                                .array([
                                    .object(
                                        try JSONObject([
                                            ("name", .string("wsc-test - wsc-test-intermediate")),
                                            ("uri", .string("https://fulcio.wsc.test")),
                                            ("certificates_pem", .array(pems.map { .string($0) })),
                                            (
                                                "valid_for",
                                                .object(
                                                    try JSONObject([
                                                        ("not_before", .integer(1_704_067_200)),
                                                        ("not_after", .integer(4_102_444_800)),
                                                    ]))
                                            ),
                                        ]))
                                ])
                            ),
                            (
                                "transparency_logs",
                                .array([
                                    .object(
                                        try JSONObject([
                                            ("base_url", .string("https://rekor.wsc.test")),
                                            ("hash_algorithm", .string("sha2-256")),
                                            ("public_key_pem", .string(try key("tlogs").pem)),
                                            ("log_id", .string("00")),
                                        ]))
                                ])
                            ),
                            ("revocations", .array([])),
                        ]))
                ),
                (
                    "signature",
                    .object(
                        try JSONObject([
                            ("key_id", .string("1a2b3c4d")), ("algorithm", .string("Ed25519")),
                            ("signature", .string("AAAA")),
                        ]))
                ),
            ]))
        try cli.write("legacy.json", JSONWriter.encode(legacy, pretty: true))
        try cli.write("ctlog.pem", Array(try key("ctlogs").pem.utf8))
        try cli.write(
            "module.keyless.wasm",
            Array(try Data(contentsOf: KeylessCommandTests.fixtures.appendingPathComponent("module.keyless.wasm"))))
    }

    /// Imports with `extra` options, signs, installs in a fresh state directory and verifies the keyless module.
    func importAndVerify(_ name: String, _ extra: [String]) throws -> (
        import: WSCCtlRunner.Result, verify: WSCCtlRunner.Result
    ) {
        let imported = try cli.run(
            ["bundle", "import-wsc", "-i", "legacy.json", "-o", "\(name).json", "--bundle-key", "root.pk"] + extra)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(
            try cli.run(["bundle", "sign", "-i", "\(name).json", "-o", "\(name).json", "-k", "root.sk"]).status == 0)
        let install = try cli.run([
            "bundle", "install", "--state-dir", "state-\(name)", "--pinned-key", "root.pk", "-i", "\(name).json",
        ])
        #expect(install.status == 0, "\(install.stderr)")
        let verify = try cli.run(["verify", "-i", "module.keyless.wasm", "--state-dir", "state-\(name)", "--json"])
        return (imported, verify)
    }

    @Test func importedBundleWithCTLogVerifiesTheKeylessModule() throws {
        defer { cli.cleanUp() }
        let identity = ["--identity", "\(Self.issuer)=\(Self.subject)"]
        let (imported, verify) = try importAndVerify(
            "with-ctlog", ["--ctlog", "https://ctfe.wsc.test/test=ctlog.pem"] + identity)
        #expect(!imported.stdout.contains("sctInvalid"))
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains(Self.subject))
        let inspect = try cli.run(["bundle", "inspect", "-i", "with-ctlog.json"])
        #expect(inspect.stdout.contains("trust bundle version 5"))
    }

    @Test func withoutTheCTLogKeyEveryKeylessModuleFailsItsSCT() throws {
        defer { cli.cleanUp() }
        let (imported, verify) = try importAndVerify("no-ctlog", ["--identity", "\(Self.issuer)=\(Self.subject)"])
        #expect(imported.stdout.contains("keyless modules will fail sctInvalid"))
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("sctInvalid") || verify.stdout.contains("SCT"), "\(verify.stdout)")
    }

    /// `--trusted-root` merges a real Sigstore trusted root (here the fixture's, which has the CT log); `--policy`
    /// narrows to a rule; without `--identity` the bundle accepts no keyless signer.
    @Test func mergeTrustedRootPolicyAndIdentities() throws {
        defer { cli.cleanUp() }
        let trustedRoot = KeylessCommandTests.fixture("trusted_root.json")
        try cli.write(
            "policy.json",
            Array(
                """
                {"rules": [{"name": "apps", "modules": ["app-*"], "authorities": ["\(Self.subject)"], "threshold": 1}]}
                """.utf8))
        let (_, ok) = try importAndVerify(
            "merged2",
            ["--trusted-root", trustedRoot, "--identity", "\(Self.issuer)=\(Self.subject)", "--policy", "policy.json"])
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        let payload = try DSSEEnvelope(parsing: try cli.read("merged2.json"), maximumSize: 1 << 24).payload
        let bundle = try TrustBundle(payload: payload)
        let root = try #require(bundle.sigstoreTrustedRoot).asObject("root")
        // The converted Rekor key and the real root's are the same log: listed once.
        #expect(try root.require("tlogs", "root").asArray("tlogs").count == 1)
        #expect(try root.require("ctlogs", "root").asArray("ctlogs").count == 1)
        #expect(bundle.policy.rules.map(\.name) == ["apps"])

        let noIdentity = try importAndVerify("no-identity", ["--trusted-root", trustedRoot])
        #expect(noIdentity.import.stdout.contains("accepts no keyless signer"))
        #expect(noIdentity.verify.status == 1)
    }

    @Test func badInputExitsTwo() throws {
        defer { cli.cleanUp() }
        var text = String(decoding: try cli.read("legacy.json"), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2")
        try cli.write("v2.json", Array(text.utf8))
        // A rule naming an authority the imported bundle lacks fails the seal check's parser.
        try cli.write(
            "policy.json",
            Array(#"{"rules": [{"name": "apps", "modules": ["app-*"], "authorities": ["ci"], "threshold": 1}]}"#.utf8))
        let cases: [([String], String)] = [
            (["-i", "v2.json"], "format_version is 2"),
            (["-i", "legacy.json", "--ctlog", "ctlog.pem"], "NAME=VALUE"),
            (["-i", "legacy.json", "--ctlog", "ctfe=ctlog.pem"], "the log's URL"),
            (["-i", "legacy.json", "--ctlog", "https://ct.example=missing.pem"], "missing.pem"),
            (["-i", "legacy.json", "--trusted-root", "missing.json"], "missing.json"),
            (["-i", "legacy.json", "--identity", "no-equals-sign"], "NAME=VALUE"),
            (["-i", "legacy.json", "--identity", "\(Self.issuer)=\(Self.subject)", "--policy", "policy.json"], "ci"),
        ]
        for (flags, message) in cases {
            let run = try cli.run(["bundle", "import-wsc", "-o", "x.json", "--bundle-key", "root.pk"] + flags)
            #expect(run.status == 2, "\(flags): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(flags): \(run.stderr)")
        }
    }
}
