internal import COpenSSL
internal import CWSCPKCS11
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension PrivateKey {
    /// Opens a key on a token: a PKCS#11 object (signing through the module's C API: the key never leaves the
    /// token) or a persistent TPM key (through OpenSSL's tpm2 provider, loaded on first use into its own library
    /// context). A file reference is refused: read key files with the initialisers.
    ///
    /// - Throws: ``CryptoError`` `.invalidKeyReference`, `.tokenUnavailable` (module, token or TPM unreachable),
    ///   `.tokenLoginFailed` (PIN), `.keyNotFound`, `.unsupportedKeyType`; each with what to do.
    public static func open(_ reference: KeyReference, settings: TokenSettings = TokenSettings()) throws -> PrivateKey {
        switch reference {
        case .file(let path):
            throw CryptoError(.invalidKeyReference, "\(path) is a key file, not a token reference")
        case .pkcs11(let uri): return try HardwareKeys.openPKCS11(uri, settings: settings)
        case .tpm2(let handle):
            return try HardwareKeys.tpmSerial.withLock { _ in
                try HardwareKeys.openTPM2(handle: handle, tcti: settings.resolvedTCTI)
            }
        }
    }

    func signPKCS11(_ message: UnsafeRawBufferPointer, key: OpaquePointer) throws -> [UInt8] {
        var input = type == .ed25519 ? Array(message) : Digest.sha256(message)
        defer { SecretBytes.wipe(&input) }
        var signature = [UInt8](repeating: 0, count: 128)
        var length = signature.count
        var status = wsc_p11_status()
        guard wsc_p11_sign(key, input, input.count, &signature, &length, &status) == 0 else {
            throw HardwareKeys.pkcs11Error(status, uri: "the PKCS#11 key")
        }
        signature.removeSubrange(length...)
        if type == .ed25519 { return signature }
        guard let der = signature.withUnsafeBytes({ ECDSASignature.p1363ToDER($0, keyType: .ecdsaP256) }) else {
            throw CryptoError(.libraryFailure, "the token returned a \(length)-byte ECDSA signature, not 64 bytes")
        }
        return der
    }
}

enum HardwareKeys {
    /// SubjectPublicKeyInfo prefixes: P-256 (then the 65-byte point) and Ed25519 (then the 32-byte key).
    static let p256SPKIPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
        0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]
    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) throws -> R) rethrows -> R {
        guard let text else { return try body(nil) }
        return try text.withCString { try body($0) }
    }

    /// The PIN from `pin-value` or the `pin-source` file (first line), as bytes the caller wipes.
    static func pin(_ uri: PKCS11URI) throws -> [UInt8]? {
        if let value = uri.pinValue { return value }
        guard let path = uri.pinSource else { return nil }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw CryptoError(
                .tokenLoginFailed,
                "cannot read the PIN file \(path) (errno \(errno)): check pin-source= and the file's permissions")
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = read(fd, &buffer, buffer.count)
        guard n >= 0 else {
            SecretBytes.wipe(&buffer)
            throw CryptoError(.tokenLoginFailed, "cannot read the PIN file \(path) (errno \(errno))")
        }
        var end = n
        if let newline = buffer[0..<n].firstIndex(where: { $0 == 0x0a || $0 == 0x0d }) { end = newline }
        var pin = Array(buffer[0..<end])
        SecretBytes.wipe(&buffer)
        guard !pin.isEmpty else {
            SecretBytes.wipe(&pin)
            throw CryptoError(.tokenLoginFailed, "the PIN file \(path) is empty")
        }
        return pin
    }

    static func openPKCS11(_ uri: PKCS11URI, settings: TokenSettings) throws -> PrivateKey {
        guard let module = uri.modulePath ?? settings.resolvedModule else {
            throw CryptoError(
                .invalidKeyReference,
                "no PKCS#11 module for \(uri): add module-path=/path/to/module.so to the URI, or set WSC_PKCS11_MODULE "
                    + "(wscd: [signing] pkcs11_module)")
        }
        var pin = try pin(uri)
        defer { if pin != nil { SecretBytes.wipe(&pin!) } }
        var status = wsc_p11_status()
        let id = uri.id ?? []
        let handle = withOptionalCString(uri.token) { token in
            withOptionalCString(uri.serial) { serial in
                withOptionalCString(uri.object) { object in
                    id.withUnsafeBufferPointer { idBytes in
                        if var pin {
                            defer { SecretBytes.wipe(&pin) }
                            return pin.withUnsafeBufferPointer {
                                wsc_p11_open(
                                    module, token, serial, object, idBytes.baseAddress, idBytes.count, $0.baseAddress,
                                    $0.count, &status)
                            }
                        }
                        return wsc_p11_open(
                            module, token, serial, object, idBytes.baseAddress, idBytes.count, nil, 0, &status)
                    }
                }
            }
        }
        guard let handle else {
            let error = pkcs11Error(status, uri: "\(uri)", module: module)
            if error.code == .keyNotFound, pin == nil {
                throw CryptoError(
                    .keyNotFound,
                    error.reason + " (no PIN was given, and tokens hide private keys until login: add pin-source=)")
            }
            throw error
        }
        var point = [UInt8](repeating: 0, count: 65)
        let length = wsc_p11_public_key(handle, &point, point.count)
        let type: KeyType = wsc_p11_key_type(handle) == Int32(WSC_P11_ED25519) ? .ed25519 : .ecdsaP256
        let prefix = type == .ed25519 ? ed25519SPKIPrefix : p256SPKIPrefix
        let publicKey: PublicKey
        do {
            publicKey = try PublicKey(spkiDER: prefix + point.prefix(length))
        } catch {
            wsc_p11_close(handle)
            throw CryptoError(.invalidKey, "the token's public key for \(uri) is malformed: \(error)")
        }
        return PrivateKey(backend: .pkcs11(handle), type: type, publicKey: publicKey, location: .pkcs11)
    }

    static func pkcs11Error(_ status: wsc_p11_status, uri: String, module: String = "the module") -> CryptoError {
        let rv = "CKR 0x" + String(status.rv, radix: 16)
        switch Int32(status.stage) {
        case Int32(WSC_P11_MODULE):
            let detail = withUnsafeBytes(of: status.detail) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return CryptoError(
                .tokenUnavailable,
                "cannot load the PKCS#11 module \(module) (\(detail)): install it or fix module-path= / WSC_PKCS11_MODULE"
            )
        case Int32(WSC_P11_INIT):
            return CryptoError(
                .tokenUnavailable,
                "the PKCS#11 module \(module) failed to initialise (\(rv)): check its configuration (SoftHSM2: SOFTHSM2_CONF)"
            )
        case Int32(WSC_P11_NO_TOKEN):
            return CryptoError(
                .tokenUnavailable,
                "no token matching \(uri) is present: insert the token, or check token= (pkcs11-tool --list-slots)")
        case Int32(WSC_P11_SESSION):
            return CryptoError(.tokenUnavailable, "cannot open a session on the token for \(uri) (\(rv))")
        case Int32(WSC_P11_LOGIN):
            switch status.rv {
            case 0xA4:
                return CryptoError(
                    .tokenLoginFailed,
                    "the token's user PIN is locked: unlock it with the SO PIN (pkcs11-tool --init-pin)")
            case 0xA0, 0xA1, 0xA2:
                return CryptoError(
                    .tokenLoginFailed,
                    "the token refused the PIN for \(uri): check pin-source= / pin-value= (each wrong try counts toward locking it)"
                )
            default:
                return CryptoError(.tokenLoginFailed, "cannot log in to the token for \(uri) (\(rv))")
            }
        case Int32(WSC_P11_NO_KEY):
            return CryptoError(
                .keyNotFound,
                "no private key matching \(uri) on the token: check object= and id= (pkcs11-tool --list-objects --login)"
            )
        case Int32(WSC_P11_AMBIGUOUS):
            return CryptoError(
                .invalidKeyReference, "more than one private key matches \(uri): add id= or object= to name one")
        case Int32(WSC_P11_KEY_TYPE):
            return CryptoError(
                .unsupportedKeyType, "the key \(uri) is neither Ed25519 nor ECDSA P-256: make one of those on the token"
            )
        case Int32(WSC_P11_PUBLIC):
            return CryptoError(
                .keyNotFound,
                "the token has no public key object beside \(uri) (same id): import the public key with pkcs11-tool --write-object"
            )
        default:
            switch status.rv {
            case 0x32, 0xE0, 0xB3, 0xB0, 0x30:
                return CryptoError(
                    .tokenUnavailable, "the token went away while signing (\(rv)): reinsert it; the key is opened again"
                )
            default:
                return CryptoError(.libraryFailure, "the token failed to sign (\(rv))")
            }
        }
    }

    // MARK: TPM 2.0

    /// One OpenSSL library context per TCTI, holding the tpm2 and default providers. Never freed: keys refer to it.
    /// A context whose TPM went away is replaced (the old one leaks, bounded by how often the TPM disappears).
    private struct Contexts: @unchecked Sendable { var byTCTI: [String: OpaquePointer] = [:] }
    private static let contexts = Mutex(Contexts())
    /// Serialises every use of the tpm2 provider (opening keys, signing): its ESYS contexts are not thread-safe.
    static let tpmSerial = Mutex(0)

    /// A TPM operation failed: the TPM may have gone away, so the next open starts a new provider instance.
    static func tpmFailure(_ what: String) -> CryptoError {
        contexts.withLock { $0.byTCTI.removeAll() }
        let detail = OpenSSLErrors.drain().map { " (OpenSSL: \($0))" } ?? ""
        return CryptoError(
            .tokenUnavailable,
            "\(what)\(detail): check that the TPM is reachable; the key is opened again on the next use")
    }

    static func forgetContext(tcti: String) {
        contexts.withLock { _ = $0.byTCTI.removeValue(forKey: tcti) }
    }

    static func tpmContext(_ tcti: String) throws -> OpaquePointer {
        try contexts.withLock { c in
            if let existing = c.byTCTI[tcti] { return existing }
            guard let ctx = OSSL_LIB_CTX_new() else { throw OpenSSLErrors.error(.libraryFailure, "OSSL_LIB_CTX_new") }
            // The provider reads its TCTI from the environment when it starts (OpenSSL 3.0 cannot pass parameters
            // to OSSL_PROVIDER_load).
            setenv("TPM2OPENSSL_TCTI", tcti, 1)
            guard OSSL_PROVIDER_load(ctx, "default") != nil else {
                OSSL_LIB_CTX_free(ctx)
                throw OpenSSLErrors.error(.libraryFailure, "cannot load OpenSSL's default provider")
            }
            guard OSSL_PROVIDER_load(ctx, "tpm2") != nil else {
                let detail = OpenSSLErrors.drain() ?? "no detail"
                OSSL_LIB_CTX_free(ctx)
                return try throwing(
                    CryptoError(
                        .tokenUnavailable,
                        "cannot reach the TPM through TCTI \(tcti) with OpenSSL's tpm2 provider (\(detail)): check the "
                            + "TPM (device:/dev/tpmrm0 and the tss group), WSC_TPM2_TCTI or [signing] tpm2_tcti, and "
                            + "that tpm2-openssl is installed"))
            }
            c.byTCTI[tcti] = ctx
            return ctx
        }
    }

    private static func throwing(_ error: CryptoError) throws -> OpaquePointer { throw error }

    static func openTPM2(handle: UInt32, tcti: String) throws -> PrivateKey {
        let ctx = try tpmContext(tcti)
        let uri = "handle:0x" + String(handle, radix: 16)
        let name = "tpm2:handle=0x" + String(handle, radix: 16)
        guard let store = OSSL_STORE_open_ex(uri, ctx, nil, nil, nil, nil, nil, nil) else {
            forgetContext(tcti: tcti)
            throw tpmFailure("cannot open \(name) through TCTI \(tcti)")
        }
        defer { OSSL_STORE_close(store) }
        var pkey: OpaquePointer?
        while pkey == nil, OSSL_STORE_eof(store) == 0 {
            guard let info = OSSL_STORE_load(store) else { break }
            if OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY { pkey = OSSL_STORE_INFO_get1_PKEY(info) }
            OSSL_STORE_INFO_free(info)
        }
        guard let pkey else {
            let detail = OpenSSLErrors.drain().map { " (OpenSSL: \($0))" } ?? ""
            return try throwingKey(
                CryptoError(
                    .keyNotFound,
                    "the TPM has no usable key at \(name)\(detail): make one with tpm2_create and tpm2_evictcontrol "
                        + "(docs/operations.md, TPM 2.0 keys)"))
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(pkey, &out)
        guard length > 0, let out else {
            EVP_PKEY_free(pkey)
            throw OpenSSLErrors.error(.libraryFailure, "cannot read the public key of \(name)")
        }
        let spki = Array(UnsafeBufferPointer(start: out, count: Int(length)))
        wsc_OPENSSL_free(out)
        let publicKey: PublicKey
        do {
            publicKey = try PublicKey(spkiDER: spki)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        guard publicKey.type == .ecdsaP256 || publicKey.type == .ed25519 else {
            EVP_PKEY_free(pkey)
            throw CryptoError(
                .unsupportedKeyType, "the TPM key \(name) is \(publicKey.type): signing keys are ECDSA P-256 or Ed25519"
            )
        }
        return PrivateKey(
            backend: .evp(pkey, libraryContext: ctx), type: publicKey.type, publicKey: publicKey, location: .tpm2)
    }

    private static func throwingKey(_ error: CryptoError) throws -> PrivateKey { throw error }
}
