import Foundation
import Testing
import WSCTestSupport

/// `wscctl` with keys on real tokens: `-k pkcs11:…` on a SoftHSM2 token and `-k tpm2:handle=…` on swtpm. Public keys
/// come from the tokens' own tools (pkcs11-tool, tpm2_readpublic), not from wsc.
@Suite struct HardwareKeyCommandTests {
    let cli: WSCCtlRunner
    let token: SoftHSMToken

    init() throws {
        cli = try WSCCtlRunner()
        try cli.write("module.wasm", WSCCtlRunner.module)
        token = try SoftHSMToken()
        try token.exportPublicKey(id: "01", to: cli.path("ed.pub"))
        try token.exportPublicKey(id: "02", to: cli.path("p256.der"))
    }

    func run(_ arguments: [String], _ environment: [String: String] = [:]) throws -> WSCCtlRunner.Result {
        try cli.run(arguments, environment: token.environment.merging(environment) { $1 })
    }

    @Test func wasmsigWithSoftHSMEd25519VerifiesWithPkcs11ToolsPublicKey() throws {
        defer { cli.cleanUp(); token.remove() }
        let sign = try run([
            "sign", "-k", token.uri(object: "ed"), "-i", "module.wasm", "-o", "signed.wasm", "--key-id",
        ])
        #expect(sign.status == 0, "\(sign.stderr)")
        let verify = try run(["verify", "-i", "signed.wasm", "-K", "ed.pub"])
        #expect(verify.status == 0, "\(verify.stderr)")
        // Export: PEM and wasmsign2's raw form of the same key, with its key id.
        let export = try run(["key", "export", "-k", token.uri(object: "ed"), "--format", "raw", "-o", "ed.raw"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("wasmsig key id: "))
        #expect(export.stdout.contains("(pkcs11)"))
        #expect(try cli.read("ed.raw").count == 33)
        #expect(try run(["verify", "-i", "signed.wasm", "-K", "ed.raw"]).status == 0)
        let pem = try run(["key", "export", "-k", token.uri(object: "ed")])
        #expect(pem.stdout.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(pem.stdout.contains(String(decoding: try cli.read("ed.pub"), as: UTF8.self).split(separator: "\n")[1]))
    }

    @Test func p256SignsSigstoreBundlesOnlyAndTheBundleVerifiesOffline() throws {
        defer { cli.cleanUp(); token.remove() }
        let refused = try run(["sign", "-k", token.uri(object: "p256"), "-i", "module.wasm", "-o", "signed.wasm"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--sigstore-bundle"))
        let sign = try run([
            "sign", "-k", token.uri(object: "p256"), "--sigstore-bundle", "module.sigstore.json", "-i", "module.wasm",
            "--tlog-upload=false",
        ])
        #expect(sign.status == 0, "\(sign.stderr)")
        let verify = try run(["verify", "-i", "module.wasm", "--bundle", "module.sigstore.json", "--key", "p256.der"])
        #expect(verify.status == 0, "\(verify.stderr)\(verify.stdout)")
        var tampered = WSCCtlRunner.module
        tampered[tampered.count - 1] ^= 1
        try cli.write("tampered.wasm", tampered)
        let bad = try run(["verify", "-i", "tampered.wasm", "--bundle", "module.sigstore.json", "--key", "p256.der"])
        #expect(bad.status == 1)
    }

    @Test func trustBundleSignedWithHSMKeyPassesTheSealCheckAndNamesHSMPublishers() throws {
        defer { cli.cleanUp(); token.remove() }
        #expect(try run(["key", "export", "-k", token.uri(object: "p256"), "-o", "root.pub"]).status == 0)
        let create = try run([
            "bundle", "create", "-o", "b.json", "--bundle-version", "1", "--bundle-key", "root.pub", "--publisher",
            "hsm-ed=ed.pub", "--publisher", "hsm-p256=root.pub", "--valid-days", "30",
        ])
        #expect(create.status == 0, "\(create.stderr)")
        let sign = try run(["bundle", "sign", "-i", "b.json", "-o", "b.json", "-k", token.uri(object: "p256")])
        #expect(sign.status == 0, "\(sign.stderr)")
        let install = try run(["bundle", "install", "--state-dir", "state", "--pinned-key", "root.pub", "-i", "b.json"])
        #expect(install.status == 0, "\(install.stderr)")
        // A module signed in the token (wasmsig, Ed25519) and a Sigstore bundle (P-256), both through the sealed bundle.
        #expect(try run(["sign", "-k", token.uri(object: "ed"), "-i", "module.wasm", "-o", "signed.wasm"]).status == 0)
        let wasmsig = try run(["verify", "-i", "signed.wasm", "--state-dir", "state", "--json"])
        #expect(wasmsig.status == 0, "\(wasmsig.stderr)")
        #expect(wasmsig.stdout.contains("hsm-ed"))
        let bundle = try run([
            "sign", "-k", token.uri(object: "p256"), "--sigstore-bundle", "m.sigstore.json", "-i", "module.wasm",
        ])
        #expect(bundle.status == 0, "\(bundle.stderr)")
        let sigstore = try run([
            "verify", "-i", "module.wasm", "--state-dir", "state", "--bundle", "m.sigstore.json", "--json",
        ])
        #expect(sigstore.status == 0, "\(sigstore.stderr)\(sigstore.stdout)")
        #expect(sigstore.stdout.contains("hsm-p256"))
    }

    @Test func tokenFailuresAreClearErrors() throws {
        defer { cli.cleanUp(); token.remove() }
        let wrongPIN = try run([
            "sign", "-k", "pkcs11:token=wsc;object=ed?module-path=\(SoftHSMToken.module)&pin-value=9876", "-i",
            "module.wasm", "-o", "x.wasm",
        ])
        #expect(wrongPIN.status == 2)
        #expect(wrongPIN.stderr.contains("[tokenLoginFailed]"))
        #expect(wrongPIN.stderr.contains("refused the PIN"))
        #expect(!wrongPIN.stderr.contains("9876"))
        let missing = try run(["sign", "-k", token.uri(object: "nope"), "-i", "module.wasm", "-o", "x.wasm"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("[keyNotFound]"))
        let absent = try run([
            "sign", "-k", "pkcs11:token=gone;object=ed?module-path=\(SoftHSMToken.module)", "-i",
            "module.wasm", "-o", "x.wasm",
        ])
        #expect(absent.status == 2)
        #expect(absent.stderr.contains("[tokenUnavailable]"))
        let noModule = try cli.run(["sign", "-k", "pkcs11:object=ed", "-i", "module.wasm", "-o", "x.wasm"])
        #expect(noModule.status == 2)
        #expect(noModule.stderr.contains("WSC_PKCS11_MODULE"))
        // No TPM behind the TCTI (a closed loopback port).
        let noTPM = try run(
            ["sign", "-k", "tpm2:handle=0x81000001", "--sigstore-bundle", "x.json", "-i", "module.wasm"],
            ["WSC_TPM2_TCTI": "swtpm:port=9"])
        #expect(noTPM.status == 2)
        #expect(noTPM.stderr.contains("[tokenUnavailable]"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("x.wasm")))
    }

    @Test func keylessWithoutTransparencyLogFailsAtParseTime() throws {
        defer { cli.cleanUp(); token.remove() }
        let result = try cli.run([
            "sign", "--keyless", "--tlog-upload=false", "-i", "module.wasm", "--sigstore-bundle", "x",
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Fulcio"))
        #expect(result.stderr.contains("Rekor"))
        #expect(result.stderr.contains("-k KEY"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("x")))
    }

    @Test func tpmKeySignsASigstoreBundleVerifiedWithTheTPMsPublicKey() throws {
        defer { cli.cleanUp(); token.remove() }
        let tpm = try SoftwareTPM()
        let env = ["WSC_TPM2_TCTI": tpm.tcti]
        let sign = try run(
            ["sign", "-k", "tpm2:handle=\(SoftwareTPM.handle)", "--sigstore-bundle", "t.json", "-i", "module.wasm"], env
        )
        #expect(sign.status == 0, "\(sign.stderr)")
        let verify = try run(["verify", "-i", "module.wasm", "--bundle", "t.json", "--key", tpm.publicKeyPath])
        #expect(verify.status == 0, "\(verify.stderr)")
        let export = try run(["key", "export", "-k", "tpm2:handle=\(SoftwareTPM.handle)", "-o", "tpm.pub"], env)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try cli.read("tpm.pub") == Array(try Data(contentsOf: URL(fileURLWithPath: tpm.publicKeyPath))))
        // The TPM key signs a trust bundle (DSSE) that the seal check accepts with it pinned.
        let create = try run(
            [
                "bundle", "create", "-o", "b.json", "--bundle-version", "1", "--bundle-key", "tpm.pub", "--publisher",
                "tpm=tpm.pub", "--valid-days", "30",
            ], env)
        #expect(create.status == 0, "\(create.stderr)")
        let sign2 = try run(
            ["bundle", "sign", "-i", "b.json", "-o", "b.json", "-k", "tpm2:handle=\(SoftwareTPM.handle)"], env)
        #expect(sign2.status == 0, "\(sign2.stderr)")
        let install = try run(["bundle", "install", "--state-dir", "state", "--pinned-key", "tpm.pub", "-i", "b.json"])
        #expect(install.status == 0, "\(install.stderr)")
        let through = try run(["verify", "-i", "module.wasm", "--state-dir", "state", "--bundle", "t.json", "--json"])
        #expect(through.status == 0, "\(through.stderr)")
        #expect(through.stdout.contains("\"tpm\""))
    }
}
