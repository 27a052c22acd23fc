import ArgumentParser
import Sigstore
import TrustStore
import WSCCrypto

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Inspect keys: export the public key of a key file or token key.",
        subcommands: [KeyExportCommand.self])
}

struct KeyExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the public key of a secret key (file, pkcs11: URI or tpm2:handle=) and print its key ids.",
        discussion: """
            The key ids printed are the ones verifiers use: the wasmsig key id (Ed25519), the trust bundle key id \
            (what `wscctl bundle create --publisher NAME=PUB` records) and the Sigstore public-key hint. Put the \
            exported key into a trust bundle as a publisher or pinned key; the secret key never leaves its token.

            \(ExitStatus.helpText)
            """)

    @Option(
        name: [.customShort("k"), .customLong("secret-key")],
        help: "Secret key: a file, a pkcs11: URI or tpm2:handle=0x81….")
    var secretKey: String

    @Option(
        name: [.customShort("o"), .customLong("output-file")], help: "Public key file to write (else stdout, PEM).")
    var output: String?

    @Option(help: "Public key format: pem, der or raw (wasmsign2's 33-byte form, Ed25519 only).")
    var format: String = "pem"

    func run() throws {
        guard let format = KeyFiles.Format(rawValue: format) else {
            throw CLIError.usage("unknown key format \(format) (use pem, der or raw)")
        }
        let key = try KeyFiles.loadSecretKey(secretKey)
        if format == .raw, key.type != .ed25519 {
            throw CLIError.usage("--format raw is wasmsign2's Ed25519 form; this key is \(key.type): use pem or der")
        }
        if let output {
            try KeyFiles.writePublicKey(key.publicKey, to: output, format: format)
        } else {
            guard format == .pem else { throw CLIError.usage("give -o FILE for --format \(format)") }
            print(key.publicKey.pem, terminator: key.publicKey.pem.hasSuffix("\n") ? "" : "\n")
        }
        let location = key.location == .file ? "file" : key.location.rawValue
        print("type: \(key.type) (\(location))")
        if let id = key.publicKey.wasmsigKeyID { print("wasmsig key id: \(Hex.encode(id))") }
        if let bundleKey = try? BundleKey(key.publicKey) { print("bundle key id: \(bundleKey.keyID)") }
        print("sigstore hint: \(SigstoreBundleWriter.publicKeyHint(key.publicKey))")
    }
}
