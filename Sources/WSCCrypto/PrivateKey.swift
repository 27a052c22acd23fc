internal import COpenSSL
internal import CWSCPKCS11

/// A private signing key (Ed25519 or ECDSA P-256). A key from a file lives inside OpenSSL and in ``SecretBytes``
/// exports only, both wiped when released; a key on a token (PKCS#11, TPM 2.0) never leaves it: wsc holds a handle.
public final class PrivateKey: @unchecked Sendable {
    /// Where the signing happens.
    enum Backend {
        /// An EVP_PKEY: key material in this process (a file), or a provider's handle (`libraryContext` set: the
        /// tpm2 provider's context, where the key lives in the TPM).
        case evp(OpaquePointer, libraryContext: OpaquePointer?)
        /// A PKCS#11 session and object (a `wsc_p11_key`).
        case pkcs11(OpaquePointer)
    }
    let backend: Backend
    /// The key's type.
    public let type: KeyType
    /// The matching public key.
    public let publicKey: PublicKey
    /// Where the key lives.
    public let location: KeyLocation

    /// The EVP_PKEY of a key held in this process; throws for token keys.
    var pkey: OpaquePointer {
        get throws {
            guard case .evp(let pkey, nil) = backend else {
                throw CryptoError(
                    .notExportable, "the key lives in a \(location) token and cannot be exported: export its public key"
                )
            }
            return pkey
        }
    }

    /// A key whose signing happens elsewhere (a token); `publicKey` is what the token reported.
    init(backend: Backend, type: KeyType, publicKey: PublicKey, location: KeyLocation) {
        self.backend = backend
        self.type = type
        self.publicKey = publicKey
        self.location = location
    }

    private init(owning pkey: OpaquePointer) throws {
        self.backend = .evp(pkey, libraryContext: nil)
        self.location = .file
        let type: KeyType
        do {
            type = try PublicKey.classify(pkey)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        guard type == .ed25519 || type == .ecdsaP256 else {
            EVP_PKEY_free(pkey)
            throw CryptoError(.unsupportedKeyType, "signing keys must be Ed25519 or ECDSA P-256, not \(type)")
        }
        self.type = type
        // The public half, through its SPKI encoding, so it is an independent object.
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(pkey, &out)
        guard length > 0, let out else {
            EVP_PKEY_free(pkey)
            throw OpenSSLErrors.error(.libraryFailure, "cannot derive the public key")
        }
        defer { wsc_OPENSSL_free(out) }
        do {
            self.publicKey = try PublicKey(spkiDER: Array(UnsafeBufferPointer(start: out, count: Int(length))))
        } catch {
            // deinit does not run for a partially initialised object.
            EVP_PKEY_free(pkey)
            throw error
        }
    }

    deinit {
        switch backend {
        case .evp(let pkey, _): EVP_PKEY_free(pkey)  // OpenSSL cleanses private key material when freeing it.
        case .pkcs11(let key): wsc_p11_close(key)
        }
    }

    /// Generates a new key of `type` (`.ed25519` or `.ecdsaP256`).
    public static func generate(_ type: KeyType) throws -> PrivateKey {
        let name: String
        switch type {
        case .ed25519: name = "ED25519"
        case .ecdsaP256: name = "EC"
        default: throw CryptoError(.unsupportedKeyType, "cannot generate a \(type) signing key")
        }
        let key: OpaquePointer?
        if type == .ed25519 {
            key = wsc_keygen_ed25519(name)
        } else {
            key = wsc_keygen_p256()
        }
        guard let key else { throw OpenSSLErrors.error(.libraryFailure, "key generation failed") }
        return try PrivateKey(owning: key)
    }

    /// Builds an Ed25519 key from its 32-byte seed.
    public convenience init(ed25519Seed seed: UnsafeRawBufferPointer) throws {
        guard seed.count == 32 else {
            throw CryptoError(.invalidKey, "an Ed25519 seed is 32 bytes, got \(seed.count)")
        }
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed.baseAddress, 32) else {
            throw OpenSSLErrors.error(.invalidKey, "invalid Ed25519 seed")
        }
        try self.init(owning: key)
    }

    /// Parses an unencrypted PKCS#8 `PrivateKeyInfo` in DER.
    public convenience init(pkcs8DER der: UnsafeRawBufferPointer) throws {
        try self.init(owning: PrivateKey.parsePKCS8(der))
    }

    /// Parses a PEM `PRIVATE KEY` (PKCS#8) block.
    public convenience init(pem: String) throws {
        let block = try PEM.decode(pem, expecting: ["PRIVATE KEY"])
        var der = block.der
        defer { SecretBytes.wipe(&der) }
        let key = try der.withUnsafeBytes { try PrivateKey.parsePKCS8($0) }
        try self.init(owning: key)
    }

    private static func parsePKCS8(_ der: UnsafeRawBufferPointer) throws -> OpaquePointer {
        guard der.count > 0 else { throw CryptoError(.invalidKey, "the private key is empty") }
        var cursor: UnsafePointer<UInt8>? = der.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard let info = d2i_PKCS8_PRIV_KEY_INFO(nil, &cursor, der.count) else {
            throw OpenSSLErrors.error(.invalidKey, "not an unencrypted PKCS#8 private key (DER)")
        }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        guard cursor == der.baseAddress!.assumingMemoryBound(to: UInt8.self) + der.count else {
            throw CryptoError(.invalidKey, "the PKCS#8 private key has unexpected bytes after its end")
        }
        guard let key = EVP_PKCS82PKEY(info) else {
            throw OpenSSLErrors.error(.invalidKey, "the PKCS#8 key could not be decoded")
        }
        return key
    }

    // MARK: Export

    /// The unencrypted PKCS#8 DER encoding.
    public func pkcs8DER() throws -> SecretBytes {
        guard let info = EVP_PKEY2PKCS8(try pkey) else {
            throw OpenSSLErrors.error(.libraryFailure, "cannot encode the key as PKCS#8")
        }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PKCS8_PRIV_KEY_INFO(info, &out)
        guard length > 0, let out else { throw OpenSSLErrors.error(.libraryFailure, "cannot encode PKCS#8") }
        defer {
            OPENSSL_cleanse(out, Int(length))
            wsc_OPENSSL_free(out)
        }
        return SecretBytes(copying: UnsafeRawBufferPointer(start: out, count: Int(length)))
    }

    /// The PEM `PRIVATE KEY` (PKCS#8) encoding, as wiped-on-release bytes of UTF-8 text.
    public func pem() throws -> SecretBytes {
        let der = try pkcs8DER()
        var text = der.withUnsafeBytes { Array(PEM.encode(Array($0), label: "PRIVATE KEY").utf8) }
        return SecretBytes(consuming: &text)
    }

    /// The 32-byte seed of an Ed25519 key.
    public func ed25519Seed() throws -> SecretBytes {
        guard type == .ed25519 else { throw CryptoError(.unsupportedKeyType, "only Ed25519 keys have a seed") }
        var seed = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_private_key(try pkey, &seed, &length) == 1, length == 32 else {
            throw OpenSSLErrors.error(.libraryFailure, "cannot read the Ed25519 seed")
        }
        return SecretBytes(consuming: &seed)
    }

    // MARK: Sign

    /// Signs `message`: Ed25519 signatures are 64 bytes; ECDSA P-256 signatures are over SHA-256 and
    /// encoded as `encoding` says.
    public func sign(
        _ message: UnsafeRawBufferPointer, ecdsaEncoding encoding: SignatureScheme.ECDSAEncoding = .der
    ) throws -> [UInt8] {
        let signature: [UInt8]
        switch backend {
        case .evp(let pkey, nil):
            signature = try signEVP(message, pkey: pkey, libraryContext: nil)
        case .evp(let pkey, let libraryContext):
            // The tpm2 provider's TPM connection (ESYS context) is not thread-safe: one TPM command sequence at a time.
            signature = try HardwareKeys.tpmSerial.withLock { _ in
                try signEVP(message, pkey: pkey, libraryContext: libraryContext)
            }
        case .pkcs11(let key):
            signature = try signPKCS11(message, key: key)
        }
        if type == .ecdsaP256, encoding == .p1363 {
            return try ECDSASignature.derToP1363(signature, keyType: type)
        }
        return signature
    }

    private func signEVP(
        _ message: UnsafeRawBufferPointer, pkey: OpaquePointer, libraryContext: OpaquePointer?
    ) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw OpenSSLErrors.error(.libraryFailure, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        if let libraryContext {
            // A provider key (TPM): the provider signs; the digest is computed in the same library context.
            guard EVP_DigestSignInit_ex(ctx, nil, "SHA256", libraryContext, "?provider=tpm2", pkey, nil) == 1 else {
                throw HardwareKeys.tpmFailure("the TPM refused to start signing")
            }
        } else {
            let md: OpaquePointer? = type == .ed25519 ? nil : EVP_sha256()
            guard EVP_DigestSignInit(ctx, nil, md, nil, pkey) == 1 else {
                throw OpenSSLErrors.error(.libraryFailure, "EVP_DigestSignInit failed")
            }
        }
        let msg = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, msg, message.count) == 1 else {
            if libraryContext != nil { throw HardwareKeys.tpmFailure("the TPM did not sign") }
            throw OpenSSLErrors.error(.libraryFailure, "EVP_DigestSign (size) failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &signature, &length, msg, message.count) == 1 else {
            if libraryContext != nil { throw HardwareKeys.tpmFailure("the TPM did not sign") }
            throw OpenSSLErrors.error(.libraryFailure, "EVP_DigestSign failed")
        }
        signature.removeSubrange(length...)
        return signature
    }

    /// Signs `message` (see ``sign(_:ecdsaEncoding:)-(UnsafeRawBufferPointer,_)``).
    public func sign(_ message: [UInt8], ecdsaEncoding encoding: SignatureScheme.ECDSAEncoding = .der) throws -> [UInt8]
    {
        try message.withUnsafeBytes { try sign($0, ecdsaEncoding: encoding) }
    }
}

extension PrivateKey: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never shows key material.
    public var description: String { "PrivateKey(\(type), redacted)" }
    /// Never shows key material.
    public var debugDescription: String { description }
}
