import Foundation
import Testing
import WSCCrypto

@Suite(.serialized) struct WSCCtlTests {
    let cli: WSCCtlRunner

    init() throws {
        cli = try WSCCtlRunner()
        try cli.write("module.wasm", WSCCtlRunner.module)
        let keygen = try cli.run(["keygen", "-k", "sk", "-K", "pk"])
        #expect(keygen.status == 0, "\(keygen.stderr)")
    }

    @Test func keygenCreatesASecretKeyOnlyTheOwnerCanRead() throws {
        #expect(try cli.mode("sk") == 0o600)
        #expect(try cli.read("sk").count == 65)
        #expect(try cli.read("pk").count == 33)
        // It refuses to overwrite.
        #expect(try cli.run(["keygen", "-k", "sk", "-K", "pk"]).status == 2)
        cli.cleanUp()
    }

    @Test(arguments: ["raw", "pem", "der"])
    func signAndVerifyWithEachKeyFormat(format: String) throws {
        defer { cli.cleanUp() }
        #expect(try cli.run(["keygen", "--format", format, "-k", "sk2", "-K", "pk2"]).status == 0)
        #expect(try cli.run(["sign", "-i", "module.wasm", "-o", "signed.wasm", "-k", "sk2", "-K", "pk2"]).status == 0)
        let verify = try cli.run(["verify", "-i", "signed.wasm", "-K", "pk2"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(try cli.run(["verify", "-i", "signed.wasm", "-K", "pk"]).status == 1)
    }

    @Test func exitCodesForInvalidAndMissingSignatures() throws {
        defer { cli.cleanUp() }
        #expect(try cli.run(["verify", "-i", "module.wasm", "-K", "pk"]).status == 1)
        #expect(try cli.run(["sign", "-i", "module.wasm", "-o", "signed.wasm", "-k", "sk"]).status == 0)
        var tampered = try cli.read("signed.wasm")
        tampered[tampered.count - 1] ^= 1
        try cli.write("tampered.wasm", tampered)
        let result = try cli.run(["verify", "-i", "tampered.wasm", "-K", "pk"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("modified"))
    }

    /// Error messages quote outside text (here a file name); terminal controls in it are written as escapes, so
    /// they cannot clear the screen, rewrite the line or reorder it with a bidirectional override.
    @Test(arguments: [("\u{1B}[2J", "\\x1b[2J"), ("\r", "\\x0d"), ("\u{9B}", "\\u{9b}"), ("\u{202E}", "\\u{202e}")])
    func errorMessagesCannotDriveTheTerminal(_ control: String, _ shown: String) throws {
        defer { cli.cleanUp() }
        let name = "module\(control)name.wasm"
        let result = try cli.run(["verify", "-i", name, "-K", "pk"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("module\(shown)name.wasm"), "\(result.stderr)")
        #expect(
            !result.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F..<0xA0).contains($0.value) }
        )
        #expect(!result.stderr.contains(control))
    }

    @Test func jsonVerdicts() throws {
        defer { cli.cleanUp() }
        #expect(try cli.run(["sign", "-i", "module.wasm", "-o", "signed.wasm", "-k", "sk"]).status == 0)
        #expect(try cli.run(["keygen", "-k", "other.sk", "-K", "other.pk"]).status == 0)
        let result = try cli.run(["verify", "--json", "-i", "signed.wasm", "-K", "other.pk", "-K", "pk"])
        #expect(result.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["valid"] as? Bool == true)
        let keys = json?["keys"] as? [[String: Any]]
        #expect(keys?.map { $0["valid"] as? Bool } == [false, true])
        let show = try cli.run(["show", "--json", "-i", "signed.wasm"])
        #expect(show.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        #expect((report?["sections"] as? [Any])?.count == 4)
        #expect(report?["signatureSource"] as? String == "embedded")
    }

    @Test func detachedSplitDetachAttach() throws {
        defer { cli.cleanUp() }
        #expect(try cli.run(["split", "-i", "module.wasm", "-o", "split.wasm", "-s", "^producers$"]).status == 0)
        #expect(try cli.run(["sign", "-i", "split.wasm", "-o", "signed.wasm", "-k", "sk"]).status == 0)
        #expect(try cli.run(["verify", "-i", "signed.wasm", "-K", "pk", "-s", "^producers$"]).status == 0)
        #expect(try cli.run(["detach", "-i", "signed.wasm", "-o", "bare.wasm", "-S", "sig"]).status == 0)
        #expect(try cli.read("bare.wasm") == cli.read("split.wasm"))
        #expect(try cli.run(["verify", "-i", "bare.wasm", "-S", "sig", "-K", "pk"]).status == 0)
        #expect(try cli.run(["attach", "-i", "bare.wasm", "-o", "again.wasm", "-S", "sig"]).status == 0)
        #expect(try cli.read("again.wasm") == cli.read("signed.wasm"))
        // A detached signature for a module that embeds one is refused as bad usage.
        #expect(try cli.run(["verify", "-i", "signed.wasm", "-S", "sig", "-K", "pk"]).status == 2)
        // Detached signing without -o.
        #expect(try cli.run(["sign", "-i", "module.wasm", "-k", "sk", "-S", "module.sig"]).status == 0)
        #expect(try cli.run(["verify", "-i", "module.wasm", "-S", "module.sig", "-K", "pk"]).status == 0)
    }

    @Test func worldReadableSecretKeyIsRefused() throws {
        defer { cli.cleanUp() }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: cli.path("sk"))
        let result = try cli.run(["sign", "-i", "module.wasm", "-o", "signed.wasm", "-k", "sk"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("chmod 600"))
    }

    struct BadFile: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: [String]
        let setUp: @Sendable (WSCCtlRunner) throws -> Void
        let expected: Int32
        var testDescription: String { name }
    }

    static let badFiles: [BadFile] = [
        BadFile(
            name: "empty module", arguments: ["verify", "-i", "empty", "-K", "pk"],
            setUp: { try $0.write("empty", []) }, expected: 2),
        BadFile(
            name: "directory as module", arguments: ["verify", "-i", "dir", "-K", "pk"],
            setUp: {
                try FileManager.default.createDirectory(atPath: $0.path("dir"), withIntermediateDirectories: true)
            }, expected: 2),
        BadFile(
            name: "missing module", arguments: ["verify", "-i", "nope.wasm", "-K", "pk"], setUp: { _ in }, expected: 2),
        BadFile(
            name: "empty public key", arguments: ["verify", "-i", "module.wasm", "-K", "k"],
            setUp: { try $0.write("k", []) }, expected: 2),
        BadFile(
            name: "32-byte public key", arguments: ["verify", "-i", "module.wasm", "-K", "k"],
            setUp: {
                try $0.write("k", [UInt8](repeating: 1, count: 32))
            }, expected: 2),
        BadFile(
            name: "public key with wrong type byte", arguments: ["verify", "-i", "module.wasm", "-K", "k"],
            setUp: {
                try $0.write("k", [0xFF] + [UInt8](repeating: 1, count: 32))
            }, expected: 2),
        BadFile(
            name: "64-byte secret key", arguments: ["sign", "-i", "module.wasm", "-o", "o", "-k", "k"],
            setUp: {
                try $0.write("k", [0x81] + [UInt8](repeating: 1, count: 63), mode: 0o600)
            }, expected: 2),
        BadFile(
            name: "secret key with wrong type byte", arguments: ["sign", "-i", "module.wasm", "-o", "o", "-k", "k"],
            setUp: {
                try $0.write("k", [0x01] + [UInt8](repeating: 1, count: 64), mode: 0o600)
            }, expected: 2),
        BadFile(
            name: "directory as key", arguments: ["verify", "-i", "module.wasm", "-K", "d"],
            setUp: {
                try FileManager.default.createDirectory(atPath: $0.path("d"), withIntermediateDirectories: true)
            }, expected: 2),
        BadFile(
            name: "truncated module", arguments: ["verify", "-i", "t.wasm", "-K", "pk"],
            setUp: {
                try $0.write("t.wasm", Array(WSCCtlRunner.module.prefix(12)))
            }, expected: 2),
        BadFile(
            name: "empty signature file", arguments: ["verify", "-i", "module.wasm", "-S", "s", "-K", "pk"],
            setUp: {
                try $0.write("s", [])
            }, expected: 2),
        BadFile(
            name: "garbage signature file", arguments: ["verify", "-i", "module.wasm", "-S", "s", "-K", "pk"],
            setUp: {
                try $0.write("s", [0x01, 0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
            }, expected: 2),
        BadFile(name: "unknown option", arguments: ["verify", "--bogus"], setUp: { _ in }, expected: 2),
        BadFile(name: "no key given", arguments: ["verify", "-i", "module.wasm"], setUp: { _ in }, expected: 2),
    ]

    @Test(arguments: badFiles)
    func badInputsGiveExitTwoAndAMessage(_ bad: BadFile) throws {
        defer { cli.cleanUp() }
        try bad.setUp(cli)
        let result = try cli.run(bad.arguments)
        #expect(result.status == bad.expected, "stderr: \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func helpDocumentsExitCodes() throws {
        defer { cli.cleanUp() }
        let help = try cli.run(["verify", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit status"))
    }
}
