import ArgumentParser
import WSCCrypto

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Generate an Ed25519 key pair.",
        discussion:
            "The secret key file is created with mode 0600. \(ExitStatus.text("the key pair was written", nil, usage: "bad usage, or a key file exists or cannot be written"))"
    )

    @Option(name: [.customShort("k"), .customLong("secret-key")], help: "Secret key file to create.")
    var secretKey: String

    @Option(name: [.customShort("K"), .customLong("public-key")], help: "Public key file to create.")
    var publicKey: String

    @Option(help: "Key file format: raw (wasmsign2), pem or der.")
    var format: String = "raw"

    @Flag(help: "Overwrite existing key files.")
    var force = false

    func run() throws {
        guard let format = KeyFiles.Format(rawValue: format) else {
            throw CLIError.usage("unknown key format \(format) (use raw, pem or der)")
        }
        if !force {
            for path in [secretKey, publicKey] where FileIO.exists(path) {
                throw CLIError.usage("\(path) already exists; remove it or pass --force to overwrite")
            }
        }
        let key = try PrivateKey.generate(.ed25519)
        try KeyFiles.writeSecretKey(key, to: secretKey, format: format)
        try KeyFiles.writePublicKey(key.publicKey, to: publicKey, format: format)
        print("key id: \(Hex.encode(key.publicKey.wasmsigKeyID ?? []))")
    }
}
