import WSCCrypto

/// Reading and writing key files in the forms users of wasmsign2 and OpenSSL have: wasmsign2 raw
/// (33-byte public, 65-byte secret), PEM (SPKI / PKCS#8) and DER.
enum KeyFiles {
    static let maximumKeyFileSize = 64 * 1024

    static func loadPublicKey(_ path: String) throws -> PublicKey {
        let bytes = try FileIO.read(path, what: "public key file", limit: maximumKeyFileSize)
        guard !bytes.isEmpty else { throw CLIError.usage("public key file \(path) is empty") }
        do {
            if looksLikePEM(bytes) {
                let text = String(decoding: bytes, as: UTF8.self)
                if text.contains("PRIVATE KEY") {
                    throw CLIError.usage("\(path) holds a private key; give the public key (-K) here")
                }
                return try PublicKey(pem: text)
            }
            if bytes.count == 33 || bytes.first == PublicKey.wasmsignPublicKeyType && bytes.count < 40 {
                return try PublicKey(wasmsignRaw: bytes)
            }
            if bytes.first == 0x30 { return try PublicKey(spkiDER: bytes) }
            if bytes.first == PrivateKey.wasmsignSecretKeyType {
                throw CLIError.usage("\(path) holds a wasmsign2 secret key; give the public key (-K) here")
            }
            return try PublicKey(wasmsignRaw: bytes)
        } catch let error as CryptoError {
            throw CLIError.usage(
                "cannot read public key \(path): \(error.reason). Accepted: wasmsign2 raw (33 bytes, 0x01 ‖ key), PEM PUBLIC KEY, DER SubjectPublicKeyInfo"
            )
        }
    }

    /// A secret key from `-k`: a file path, a `pkcs11:` URI or `tpm2:handle=0x81…` (the module from `module-path=`
    /// or `WSC_PKCS11_MODULE`, the TPM from `WSC_TPM2_TCTI`).
    static func loadSecretKey(_ path: String) throws -> PrivateKey {
        if KeyReference.isTokenReference(path) { return try openTokenKey(path) }
        var bytes = try FileIO.read(path, what: "secret key file", limit: maximumKeyFileSize, secret: true)
        defer { SecretBytes.wipe(&bytes) }
        guard !bytes.isEmpty else { throw CLIError.usage("secret key file \(path) is empty") }
        do {
            if looksLikePEM(bytes) {
                var text = String(decoding: bytes, as: UTF8.self)
                defer { text = "" }
                if text.contains("PUBLIC KEY") && !text.contains("PRIVATE KEY") {
                    throw CLIError.usage("\(path) holds a public key; give the secret key (-k) here")
                }
                return try PrivateKey(pem: text)
            }
            if bytes.first == 0x30 { return try bytes.withUnsafeBytes { try PrivateKey(pkcs8DER: $0) } }
            if bytes.first == PublicKey.wasmsignPublicKeyType, bytes.count == 33 {
                throw CLIError.usage("\(path) holds a wasmsign2 public key; give the secret key (-k) here")
            }
            return try bytes.withUnsafeBytes { try PrivateKey(wasmsignRaw: $0) }
        } catch let error as CryptoError {
            throw CLIError.usage(
                "cannot read secret key \(path): \(error.reason). Accepted: wasmsign2 raw (65 bytes, 0x81 ‖ seed ‖ key), PEM PRIVATE KEY (PKCS#8), DER PKCS#8"
            )
        }
    }

    /// Opens a key on a token; the error names the reference without its PIN.
    static func openTokenKey(_ text: String) throws -> PrivateKey {
        var shown = "the key reference"
        do {
            let reference = try KeyReference(parsing: text)
            if case .pkcs11(let uri) = reference { shown = "\(uri)" } else { shown = text }
            return try PrivateKey.open(reference)
        } catch let error as CryptoError {
            throw CLIError.usage("cannot open \(shown): [\(error.code)] \(error.reason)")
        }
    }

    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let prefix = String(decoding: bytes.prefix(200), as: UTF8.self)
        return prefix.contains("-----BEGIN ")
    }

    enum Format: String, CaseIterable {
        case raw, pem, der
    }

    static func writeSecretKey(_ key: PrivateKey, to path: String, format: Format) throws {
        let bytes: SecretBytes
        switch format {
        case .raw: bytes = try key.wasmsignRaw()
        case .pem: bytes = try key.pem()
        case .der: bytes = try key.pkcs8DER()
        }
        try bytes.withUnsafeBytes { try FileIO.writeAtomically(path, $0, mode: 0o600) }
    }

    static func writePublicKey(_ key: PublicKey, to path: String, format: Format) throws {
        let bytes: [UInt8]
        switch format {
        case .raw:
            guard let raw = key.wasmsignRaw else { throw CLIError.usage("only Ed25519 keys have a raw form") }
            bytes = raw
        case .pem: bytes = Array(key.pem.utf8)
        case .der: bytes = key.spkiDER
        }
        try FileIO.writeAtomically(path, bytes, mode: 0o644)
    }
}
