import ArgumentParser
import WSCCrypto
import WSCProtocol
import WasmSignatures

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign a module (embedded, or detached with -S); existing signatures are kept.",
        discussion: ExitStatus.helpText)

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Module to sign.")
    var input: String

    @Option(name: [.customShort("o"), .customLong("output-file")], help: "Signed module to write.")
    var output: String?

    @Option(name: [.customShort("k"), .customLong("secret-key")], help: "Secret key file (not with --daemon).")
    var secretKey: String?

    @Flag(help: "Have the running wscd sign with its own key (the key never leaves wscd).")
    var daemon = false

    @Option(
        help:
            "With --daemon: write a Sigstore bundle (v0.3, public-key material, no log entry) for the input file here.")
    var sigstoreBundle: String?

    @OptionGroup var socket: SocketOptions

    @Option(
        name: [.customShort("K"), .customLong("public-key")],
        help: "Public key file: record its key id with the signature (as wasmsign2 -K does).")
    var publicKey: String?

    @Flag(name: .customLong("key-id"), help: "Record the signing key's id with the signature.")
    var withKeyID = false

    @Option(
        name: [.customShort("S"), .customLong("signature-file")],
        help: "Write a detached signature here instead of embedding it (adds to it if it exists).")
    var signatureFile: String?

    func run() throws {
        if daemon || socket.socket != nil || sigstoreBundle != nil { return try signWithDaemon() }
        guard let secretKey else { throw CLIError.usage("give the secret key with -k FILE, or --daemon") }
        let key = try KeyFiles.loadSecretKey(secretKey)
        var keyID: [UInt8]?
        if let publicKey {
            let pk = try KeyFiles.loadPublicKey(publicKey)
            guard pk == key.publicKey else {
                throw CLIError.usage("the public key \(publicKey) does not belong to the secret key")
            }
            keyID = pk.wasmsigKeyID
        } else if withKeyID {
            keyID = key.publicKey.wasmsigKeyID
        }
        if signatureFile == nil, output == nil {
            throw CLIError.usage("give -o FILE for the signed module, or -S FILE for a detached signature")
        }
        let module = try ModuleFiles.load(input)
        var previous: [UInt8]?
        if let signatureFile, FileIO.exists(signatureFile) { previous = try ModuleFiles.loadSignature(signatureFile) }
        let result: WasmSigner.Output
        do {
            result = try WasmSigner.sign(
                module: module, key: key, keyID: keyID, detached: signatureFile != nil, previousSignature: previous)
        } catch {
            throw CLIError.usage("\(input): \((error as? WasmSignatureError)?.reason ?? "\(error)")")
        }
        if let signatureFile {
            try FileIO.writeAtomically(signatureFile, result.signatureData)
            if let output { try FileIO.writeAtomically(output, result.module) }
        } else if let output {
            try FileIO.writeAtomically(output, result.module)
        }
    }

    func signWithDaemon() throws {
        guard secretKey == nil, publicKey == nil else {
            throw CLIError.usage("--daemon signs with wscd's key: -k and -K do not apply")
        }
        if let sigstoreBundle {
            let artifact = try FileIO.read(input, what: "artifact", limit: ModuleFiles.limits.maximumModuleSize)
            do {
                let (_, bundle) = try socket.connect().call(
                    .sign, [("format", .string("sigstore-bundle"))], body: artifact)
                try FileIO.writeAtomically(sigstoreBundle, bundle)
                print("wrote a Sigstore bundle for \(input) to \(sigstoreBundle)")
            } catch let error as CLIError {
                throw error
            } catch {
                throw daemonError(error)
            }
            return
        }
        guard let destination = signatureFile ?? output else {
            throw CLIError.usage("give -o FILE for the signed module, or -S FILE for a detached signature")
        }
        let module = try FileIO.read(input, what: "module", limit: ModuleFiles.limits.maximumModuleSize)
        let client = try socket.connect()
        do {
            let (result, body) = try client.call(.sign, [("detached", .bool(signatureFile != nil))], body: module)
            try FileIO.writeAtomically(destination, body)
            if case .string(let id) = result["keyId"] ?? .null { print("signed by wscd key \(id)") }
        } catch let error as CLIError {
            throw error
        } catch {
            throw daemonError(error)
        }
    }
}
