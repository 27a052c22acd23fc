import Foundation
import Testing

/// Offline key-signed Sigstore bundles: `wscctl sign -k KEY --sigstore-bundle` (public-key hint or a private CA's
/// leaf) and `wscctl verify --bundle --key` without a trusted root. Keys, certificates, independent signatures and
/// hints come from the `openssl` command line, not from wsc.
@Suite struct SigstoreSignCommandTests {
    /// Runs `openssl` in the runner's directory; returns its standard output.
    @discardableResult
    static func openssl(_ cli: WSCCtlRunner, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = cli.directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "openssl \(arguments.joined(separator: " ")): \(String(decoding: stderr, as: UTF8.self))")
        return String(decoding: stdout, as: UTF8.self)
    }

    /// A new private key (PKCS#8 PEM, mode 0600) and its public key (PEM): `type` is "ed25519" or "p256".
    static func keyPair(_ cli: WSCCtlRunner, _ type: String, name: String) throws {
        switch type {
        case "ed25519": try openssl(cli, ["genpkey", "-algorithm", "ed25519", "-out", "\(name).pem"])
        default:
            try openssl(
                cli, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(name).pem"])
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cli.path("\(name).pem"))
        try openssl(cli, ["pkey", "-in", "\(name).pem", "-pubout", "-out", "\(name).pub"])
    }

    /// Base64 of the SHA-256 of the public key's DER SubjectPublicKeyInfo, computed by openssl.
    static func hint(_ cli: WSCCtlRunner, publicKey: String) throws -> String {
        try openssl(cli, ["pkey", "-pubin", "-in", publicKey, "-outform", "DER", "-out", "hint-spki.der"])
        try openssl(cli, ["dgst", "-sha256", "-binary", "-out", "hint-spki.sha256", "hint-spki.der"])
        return try openssl(cli, ["base64", "-A", "-in", "hint-spki.sha256"])
    }

    static func base64(_ cli: WSCCtlRunner, file: String) throws -> String {
        try openssl(cli, ["base64", "-A", "-in", file])
    }

    static func json(_ cli: WSCCtlRunner, _ name: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(try cli.read(name))) as? [String: Any])
    }

    static func setUp() throws -> WSCCtlRunner {
        let cli = try WSCCtlRunner()
        try cli.write("module.wasm", WSCCtlRunner.module)
        var tampered = WSCCtlRunner.module
        tampered[tampered.count - 1] ^= 1
        try cli.write("tampered.wasm", tampered)
        return cli
    }

    static let trustedRoot = KeylessCommandTests.fixture("trusted_root.json")

    @Test("sign -k --sigstore-bundle, then verify --bundle --key with no trusted root", arguments: ["ed25519", "p256"])
    func roundTrip(type: String) throws {
        let cli = try Self.setUp()
        defer { cli.cleanUp() }
        try Self.keyPair(cli, type, name: "signer")
        try Self.keyPair(cli, type, name: "other")
        let sign = try cli.run([
            "sign", "-k", "signer.pem", "-i", "module.wasm", "--sigstore-bundle", "module.wasm.sigstore.json",
            "--tlog-upload=false",
        ])
        #expect(sign.status == 0, "\(sign.stderr)")
        #expect(!sign.stdout.contains("PRIVATE KEY") && !sign.stderr.contains("PRIVATE KEY"))

        let bundle = try Self.json(cli, "module.wasm.sigstore.json")
        #expect(bundle["mediaType"] as? String == "application/vnd.dev.sigstore.bundle.v0.3+json")
        let material = try #require(bundle["verificationMaterial"] as? [String: Any])
        let publicKey = try #require(material["publicKey"] as? [String: Any])
        #expect(publicKey["hint"] as? String == (try Self.hint(cli, publicKey: "signer.pub")))
        #expect((material["tlogEntries"] as? [Any])?.isEmpty == true)
        let signature = try #require(bundle["messageSignature"] as? [String: Any])
        let digest = try #require(signature["messageDigest"] as? [String: Any])
        #expect(digest["algorithm"] as? String == "SHA2_256")
        try Self.openssl(cli, ["dgst", "-sha256", "-binary", "-out", "module.sha256", "module.wasm"])
        #expect(digest["digest"] as? String == (try Self.base64(cli, file: "module.sha256")))

        let verify = ["verify", "-i", "module.wasm", "--bundle", "module.wasm.sigstore.json", "--key", "signer.pub"]
        let ok = try cli.run(verify)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("no transparency log entry"))
        #expect(try cli.run(verify + ["--insecure-ignore-tlog"]).status == 0)
        // With a trusted root given, a bundle without a log entry is still accepted unless --require-tlog.
        #expect(try cli.run(verify + ["--trusted-root", Self.trustedRoot]).status == 0)

        let tampered = try cli.run([
            "verify", "-i", "tampered.wasm", "--bundle", "module.wasm.sigstore.json", "--key", "signer.pub",
        ])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("verification failed"))
        let wrongKey = try cli.run([
            "verify", "-i", "module.wasm", "--bundle", "module.wasm.sigstore.json", "--key", "other.pub",
        ])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("signatureInvalid"))

        // Embedded: the bundle signs the module without its own section (Ed25519 over those bytes, not a digest).
        let attach = try cli.run([
            "attach-bundle", "-i", "module.wasm", "-o", "embedded.wasm", "--bundle", "module.wasm.sigstore.json",
        ])
        #expect(attach.status == 0, "\(attach.stderr)")
        let embedded = try cli.run(["verify", "-i", "embedded.wasm", "--keyless", "--key", "signer.pub"])
        #expect(embedded.status == 0, "\(embedded.stderr)")
        #expect(try cli.run(["verify", "-i", "embedded.wasm", "--keyless", "--key", "other.pub"]).status == 1)
    }

    /// A bundle built in the test from raw OpenSSL signing, as cosign `sign-blob --tlog-upload=false` writes one.
    static func independentBundle(_ cli: WSCCtlRunner, _ type: String) throws {
        try keyPair(cli, type, name: "signer")
        if type == "ed25519" {
            try openssl(
                cli, ["pkeyutl", "-sign", "-inkey", "signer.pem", "-rawin", "-in", "module.wasm", "-out", "sig"])
        } else {
            try openssl(cli, ["dgst", "-sha256", "-sign", "signer.pem", "-out", "sig", "module.wasm"])
        }
        try openssl(cli, ["dgst", "-sha256", "-binary", "-out", "module.sha256", "module.wasm"])
        let bundle = """
            {
              "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
              "verificationMaterial": {
                "publicKey": {"hint": "\(try hint(cli, publicKey: "signer.pub"))"},
                "tlogEntries": []
              },
              "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": "\(try base64(cli, file: "module.sha256"))"},
                "signature": "\(try base64(cli, file: "sig"))"
              }
            }
            """
        try cli.write("independent.sigstore.json", Array(bundle.utf8))
    }

    @Test("an independently built key-signed bundle without a log entry verifies", arguments: ["p256", "ed25519"])
    func independentBundle(type: String) throws {
        let cli = try Self.setUp()
        defer { cli.cleanUp() }
        try Self.independentBundle(cli, type)
        try Self.keyPair(cli, type, name: "other")
        let verify = ["--bundle", "independent.sigstore.json", "--key"]
        let ok = try cli.run(["verify", "-i", "module.wasm"] + verify + ["signer.pub"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try cli.run(["verify", "-i", "tampered.wasm"] + verify + ["signer.pub"]).status == 1)
        #expect(try cli.run(["verify", "-i", "module.wasm"] + verify + ["other.pub"]).status == 1)
    }

    @Test("--require-tlog refuses a bundle without a log entry, and needs a trusted root")
    func requireTlog() throws {
        let cli = try Self.setUp()
        defer { cli.cleanUp() }
        try Self.independentBundle(cli, "p256")
        let verify = ["verify", "-i", "module.wasm", "--bundle", "independent.sigstore.json", "--key", "signer.pub"]
        let withRoot = try cli.run(verify + ["--require-tlog", "--trusted-root", Self.trustedRoot])
        #expect(withRoot.status == 1)
        #expect(withRoot.stderr.contains("no transparency log entry"), "\(withRoot.stderr)")
        let withRootJSON = try cli.run(verify + ["--require-tlog", "--trusted-root", Self.trustedRoot, "--json"])
        #expect(withRootJSON.status == 1)
        let verdict = try #require(
            try JSONSerialization.jsonObject(with: Data(withRootJSON.stdout.utf8)) as? [String: Any])
        #expect(verdict["valid"] as? Bool == false)
        #expect(verdict["failedCheck"] as? String == "untrustedLog")

        let noRoot = try cli.run(verify + ["--require-tlog"])
        #expect(noRoot.status == 2)
        #expect(noRoot.stderr.contains("--require-tlog needs --trusted-root"), "\(noRoot.stderr)")
        #expect(try cli.run(verify + ["--require-tlog", "--insecure-ignore-tlog"]).status == 2)
        // Identities still need a trusted root.
        let identity = try cli.run([
            "verify", "-i", "module.wasm", "--bundle", "independent.sigstore.json", "--certificate-identity", "x",
            "--certificate-oidc-issuer", "https://x",
        ])
        #expect(identity.status == 2)
        #expect(identity.stderr.contains("--trusted-root"))
    }

    @Test("with --key, a log entry is verified against --trusted-root when given, and skipped (not trusted) without")
    func logEntryNeedsTrustedRoot() throws {
        let cli = try Self.setUp()
        defer { cli.cleanUp() }
        try Self.keyPair(cli, "p256", name: "signer")
        // The fixture's logged bundle, its certificate replaced by a key hint: the log entry stays.
        let fixture = try Data(
            contentsOf: KeylessCommandTests.fixtures.appendingPathComponent("module.wasm.sigstore.json"))
        var bundle = try #require(try JSONSerialization.jsonObject(with: fixture) as? [String: Any])
        var material = try #require(bundle["verificationMaterial"] as? [String: Any])
        #expect((material["tlogEntries"] as? [Any])?.count == 1)
        material["certificate"] = nil
        material["x509CertificateChain"] = nil
        material["publicKey"] = ["hint": try Self.hint(cli, publicKey: "signer.pub")]
        bundle["verificationMaterial"] = material
        try cli.write("logged.json", Array(try JSONSerialization.data(withJSONObject: bundle)))
        let verify = [
            "verify", "-i", KeylessCommandTests.fixture("module.wasm"), "--bundle", "logged.json", "--key",
            "signer.pub", "--json",
        ]
        // Without a root the entry proves nothing and is skipped; the signature decides, and it is the
        // certificate's, not this key's.
        let noRoot = try cli.run(verify)
        #expect(noRoot.status == 1)
        #expect(noRoot.stdout.contains("signatureInvalid"), "\(noRoot.stdout) \(noRoot.stderr)")
        // With the root, the entry is checked: it describes the certificate, not this key.
        let withRoot = try cli.run(verify + ["--trusted-root", Self.trustedRoot])
        #expect(withRoot.status == 1)
        let verdict = try #require(try JSONSerialization.jsonObject(with: Data(withRoot.stdout.utf8)) as? [String: Any])
        #expect(verdict["failedCheck"] as? String == "logEntryMismatch")
    }

    /// A root CA and, for `key`, a leaf it issues (with the code-signing EKU unless `codeSigning` is false).
    static func privateCA(_ cli: WSCCtlRunner, name: String, key: String, codeSigning: Bool = true) throws {
        try openssl(
            cli,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "\(name)-ca.key", "-out", "\(name)-ca.pem", "-days", "30", "-subj", "/CN=\(name) root CA", "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            ])
        try openssl(cli, ["req", "-new", "-key", key, "-out", "\(name)-leaf.csr", "-subj", "/CN=\(name) signer"])
        var extensions = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        if codeSigning { extensions += "extendedKeyUsage=codeSigning\n" }
        try cli.write("\(name)-leaf.ext", Array(extensions.utf8))
        try openssl(
            cli,
            [
                "x509", "-req", "-in", "\(name)-leaf.csr", "-CA", "\(name)-ca.pem", "-CAkey", "\(name)-ca.key",
                "-CAcreateserial", "-out", "\(name)-leaf.pem", "-days", "7", "-extfile", "\(name)-leaf.ext",
            ])
    }

    @Test("sign --certificate writes a private-CA bundle carrying the leaf; another key's certificate is refused")
    func privateCABundle() throws {
        let cli = try Self.setUp()
        defer { cli.cleanUp() }
        try Self.keyPair(cli, "p256", name: "signer")
        try Self.keyPair(cli, "p256", name: "other")
        try Self.privateCA(cli, name: "org", key: "signer.pem")
        try Self.privateCA(cli, name: "elsewhere", key: "other.pem")
        let sign = try cli.run([
            "sign", "-k", "signer.pem", "-i", "module.wasm", "--sigstore-bundle", "ca.sigstore.json",
            "--certificate", "org-leaf.pem", "--certificate-chain", "org-ca.pem",
        ])
        #expect(sign.status == 0, "\(sign.stderr)")
        #expect(sign.stderr.isEmpty)

        let bundle = try Self.json(cli, "ca.sigstore.json")
        #expect(bundle["mediaType"] as? String == "application/vnd.dev.sigstore.bundle.v0.3+json")
        let material = try #require(bundle["verificationMaterial"] as? [String: Any])
        #expect(material["publicKey"] == nil)
        #expect(material["x509CertificateChain"] == nil)
        #expect((material["tlogEntries"] as? [Any])?.isEmpty == true)
        let certificate = try #require(material["certificate"] as? [String: Any])
        try Self.openssl(cli, ["x509", "-in", "org-leaf.pem", "-outform", "DER", "-out", "org-leaf.der"])
        #expect(certificate["rawBytes"] as? String == (try Self.base64(cli, file: "org-leaf.der")))

        // openssl checks the signature with the leaf's key over the module file.
        let message = try #require(bundle["messageSignature"] as? [String: Any])
        let signatureText = try #require(message["signature"] as? String)
        let signature = try #require(Data(base64Encoded: signatureText))
        try cli.write("ca.sig", Array(signature))
        try Self.openssl(cli, ["x509", "-in", "org-leaf.pem", "-pubkey", "-noout", "-out", "org-leaf.pub"])
        let checked = try Self.openssl(
            cli,
            [
                "dgst", "-sha256", "-verify", "org-leaf.pub", "-signature", "ca.sig", "module.wasm",
            ])
        #expect(checked.contains("Verified OK"))

        // The certificate of another key: refused at sign time, nothing written.
        let mismatch = try cli.run([
            "sign", "-k", "signer.pem", "-i", "module.wasm", "--sigstore-bundle", "mismatch.sigstore.json",
            "--certificate", "elsewhere-leaf.pem",
        ])
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("is for another key than the signing key"), "\(mismatch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("mismatch.sigstore.json")))

        // A chain that did not issue the leaf: refused.
        let wrongChain = try cli.run([
            "sign", "-k", "signer.pem", "-i", "module.wasm", "--sigstore-bundle", "wrong.sigstore.json",
            "--certificate", "org-leaf.pem", "--certificate-chain", "elsewhere-ca.pem",
        ])
        #expect(wrongChain.status == 2)
        #expect(wrongChain.stderr.contains("did not issue"), "\(wrongChain.stderr)")
    }

    @Test("a leaf without the code-signing EKU is written with a warning")
    func leafWithoutCodeSigning() throws {
        let cli = try Self.setUp()
        defer { cli.cleanUp() }
        try Self.keyPair(cli, "ed25519", name: "signer")
        try Self.privateCA(cli, name: "plain", key: "signer.pem", codeSigning: false)
        let sign = try cli.run([
            "sign", "-k", "signer.pem", "-i", "module.wasm", "--sigstore-bundle", "b.json", "--certificate",
            "plain-leaf.pem",
        ])
        #expect(sign.status == 0, "\(sign.stderr)")
        #expect(sign.stderr.contains("no code-signing extended key usage"))
    }

    static let usageErrors: [(String, [String])] = [
        ("--tlog-upload=true", ["--sigstore-bundle", "b.json", "-k", "signer.pem", "--tlog-upload=true"]),
        ("--certificate without --sigstore-bundle", ["-o", "s.wasm", "-k", "signer.pem", "--certificate", "c.pem"]),
        ("--sigstore-bundle with -o", ["--sigstore-bundle", "b.json", "-k", "signer.pem", "-o", "s.wasm"]),
        ("--sigstore-bundle without a key", ["--sigstore-bundle", "b.json"]),
        ("--daemon with --certificate", ["--sigstore-bundle", "b.json", "--daemon", "--certificate", "c.pem"]),
        ("--certificate-chain alone", ["--sigstore-bundle", "b.json", "-k", "signer.pem", "--certificate-chain", "c"]),
    ]

    @Test("sign --sigstore-bundle usage errors", arguments: usageErrors)
    func usage(name: String, arguments: [String]) throws {
        let cli = try Self.setUp()
        defer { cli.cleanUp() }
        try Self.keyPair(cli, "p256", name: "signer")
        let result = try cli.run(["sign", "-i", "module.wasm"] + arguments)
        #expect(result.status == 2, "\(name): \(result.stdout) \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("b.json")), "\(name)")
    }
}
