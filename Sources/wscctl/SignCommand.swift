import ArgumentParser
import Sigstore
import WSCCrypto
import WSCProtocol
import WasmSignatures

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign a module (embedded, or detached with -S); existing signatures are kept.",
        discussion: """
            --sigstore-bundle FILE writes a Sigstore bundle (v0.3) over the input file's exact bytes instead (any \
            file; for a module, the detached form), signed with -k KEY (Ed25519 or ECDSA P-256) or by wscd \
            (--daemon). Nothing is uploaded: the bundle has no transparency log entry, and verifies offline with \
            `wscctl verify --bundle FILE --key PUBLIC.pem`. By default its verification material is the public-key \
            hint; with --certificate LEAF.pem it is that certificate (a private CA's leaf for this key).

            \(ExitStatus.text("the module was signed", nil, usage: "bad usage, an unreadable module or key, or wscd refused or cannot be reached"))
            """)

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
            "Write a Sigstore bundle (v0.3, no log entry) over the input file here, signed with -k or by wscd (--daemon)."
    )
    var sigstoreBundle: String?

    @Option(
        help: ArgumentHelp(
            "With --sigstore-bundle -k: the signing certificate (PEM), a private CA's leaf for the key.",
            discussion: "The bundle then carries this certificate instead of the public-key hint."))
    var certificate: String?

    @Option(
        help: ArgumentHelp(
            "With --certificate: the issuing chain (PEM, issuer first), checked against the leaf, not carried.",
            discussion:
                "A v0.3 bundle carries only the leaf: put the intermediates and the root in the verifier's trust "
                + "(the trust bundle's CA entry)."))
    var certificateChain: String?

    @Option(
        name: .customLong("tlog-upload"),
        help: "Accepted for cosign compatibility with the value false only: bundles are never uploaded to a log.")
    var tlogUpload: Bool?

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
        if tlogUpload == true {
            throw CLIError.usage(
                "wscctl never uploads to a transparency log (signing is offline only): omit --tlog-upload or give --tlog-upload=false"
            )
        }
        if let sigstoreBundle { return try signSigstoreBundle(to: sigstoreBundle) }
        guard certificate == nil, certificateChain == nil, tlogUpload == nil else {
            throw CLIError.usage("--certificate, --certificate-chain and --tlog-upload apply to --sigstore-bundle FILE")
        }
        if daemon || socket.socket != nil { return try signWithDaemon() }
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

extension SignCommand {
    /// `--sigstore-bundle FILE`: one path for both signers. The artifact is read once; wscd (`--daemon`) or the local
    /// key signs it through the same writer (``SigstoreBundleWriter``), and the bundle is written atomically.
    func signSigstoreBundle(to path: String) throws {
        guard output == nil, signatureFile == nil, publicKey == nil, !withKeyID else {
            throw CLIError.usage(
                "--sigstore-bundle writes a detached Sigstore bundle over the input file: -o, -S, -K and --key-id do not apply"
            )
        }
        let viaDaemon = daemon || socket.socket != nil
        if viaDaemon {
            guard secretKey == nil else { throw CLIError.usage("--daemon signs with wscd's key: -k does not apply") }
            guard certificate == nil, certificateChain == nil else {
                throw CLIError.usage(
                    "--certificate needs the certificate's own key: sign with -k KEY (wscd writes public-key bundles only)"
                )
            }
        } else if secretKey == nil {
            throw CLIError.usage("give the secret key with -k FILE, or --daemon to have wscd sign")
        }
        if certificateChain != nil, certificate == nil {
            throw CLIError.usage("--certificate-chain needs --certificate LEAF.pem")
        }
        let material = try certificate.map { try loadLeaf($0) } ?? .publicKey
        let artifact = try FileIO.read(input, what: "artifact", limit: ModuleFiles.limits.maximumModuleSize)
        let bundle: [UInt8]
        if viaDaemon {
            do {
                bundle = try socket.connect().call(.sign, [("format", .string("sigstore-bundle"))], body: artifact).body
            } catch let error as CLIError {
                throw error
            } catch {
                throw daemonError(error)
            }
        } else if let secretKey {
            let key = try KeyFiles.loadSecretKey(secretKey)
            do {
                bundle = try SigstoreBundleWriter.bundle(artifact: artifact, key: key, material: material)
            } catch let error as SigstoreError {
                throw CLIError.usage("cannot write the Sigstore bundle: \(error.reason)")
            }
        } else {
            throw CLIError.usage("give the secret key with -k FILE, or --daemon to have wscd sign")
        }
        try FileIO.writeAtomically(path, bundle)
        print("wrote a Sigstore bundle for \(input) to \(path)")
    }

    /// The leaf certificate, checked against the chain when one is given (each certificate signed by the next).
    func loadLeaf(_ path: String) throws -> SigstoreBundleWriter.Material {
        let leaf: Certificate
        do {
            let certificates = try Certificate.parseChain(
                pem: String(decoding: try FileIO.read(path, what: "certificate", limit: 1 << 20), as: UTF8.self))
            guard certificates.count == 1, let first = certificates.first else {
                throw CLIError.usage(
                    "\(path) holds \(certificates.count) certificates: give the leaf alone with --certificate and its issuers with --certificate-chain"
                )
            }
            leaf = first
        } catch let error as CryptoError {
            throw CLIError.usage("cannot read certificate \(path): \(error.reason)")
        }
        if let chainPath = certificateChain {
            let chain: [Certificate]
            do {
                chain = try Certificate.parseChain(
                    pem: String(
                        decoding: try FileIO.read(chainPath, what: "certificate chain", limit: 1 << 20), as: UTF8.self))
            } catch let error as CryptoError {
                throw CLIError.usage("cannot read certificate chain \(chainPath): \(error.reason)")
            }
            for (child, issuer) in zip([leaf] + chain, chain) where !child.isSignedBy(issuer) {
                throw CLIError.usage(
                    "\(chainPath): \(issuer.subject) did not issue \(child.subject): give the chain issuer first, root last"
                )
            }
        }
        if !(leaf.extendedKeyUsages ?? []).contains(Certificate.codeSigningEKU) {
            writeStderr(
                "wscctl: warning: \(path) has no code-signing extended key usage; verifiers refuse it by default\n")
        }
        return .certificate(leaf)
    }
}
