internal import COpenSSL

extension PublicKey {
    /// Whether `signature` is a valid signature under this key of a message whose digest is `digest`
    /// (computed by the caller with the scheme's digest algorithm).
    ///
    /// For ECDSA and RSA only: Ed25519 signs the message itself and cannot be checked against a digest, so
    /// it throws `.unsupportedAlgorithm`, as does a scheme that does not fit the key type. A wrong or
    /// malformed signature, or a digest of the wrong length, returns `false`.
    public func verify(signature: [UInt8], digest: [UInt8], scheme: SignatureScheme) throws -> Bool {
        var signatureBytes = signature
        let algorithm: DigestAlgorithm
        var padding: Int32? = nil
        switch (scheme, type) {
        case (.ecdsa(let digestAlgorithm, let encoding), .ecdsaP256),
            (.ecdsa(let digestAlgorithm, let encoding), .ecdsaP384):
            algorithm = digestAlgorithm
            if encoding == .p1363 {
                guard let der = signature.withUnsafeBytes({ ECDSASignature.p1363ToDER($0, keyType: type) }) else {
                    return false
                }
                signatureBytes = der
            }
        case (.rsaPKCS1v15(let digestAlgorithm), .rsa):
            algorithm = digestAlgorithm
            padding = RSA_PKCS1_PADDING
        case (.rsaPSS(let digestAlgorithm), .rsa):
            algorithm = digestAlgorithm
            padding = RSA_PKCS1_PSS_PADDING
        default:
            throw CryptoError(
                .unsupportedAlgorithm, "signature scheme \(scheme) cannot verify a digest with a \(type) key")
        }
        guard digest.count == algorithm.byteCount else { return false }
        guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else {
            throw OpenSSLErrors.error(.libraryFailure, "EVP_PKEY_CTX_new failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_verify_init(ctx) == 1, EVP_PKEY_CTX_set_signature_md(ctx, algorithm.evpMD) == 1 else {
            throw OpenSSLErrors.error(.libraryFailure, "cannot set up digest verification for a \(type) key")
        }
        if let padding {
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, padding) == 1 else {
                throw OpenSSLErrors.error(.libraryFailure, "cannot set RSA padding")
            }
            if padding == RSA_PKCS1_PSS_PADDING {
                guard EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) == 1,
                    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, algorithm.evpMD) == 1
                else { throw OpenSSLErrors.error(.libraryFailure, "cannot set RSA-PSS parameters") }
            }
        }
        let rc = withExtendedLifetime(self) {
            signatureBytes.withUnsafeBufferPointer { s in
                digest.withUnsafeBufferPointer { d in
                    EVP_PKEY_verify(ctx, s.baseAddress, s.count, d.baseAddress, d.count)
                }
            }
        }
        if rc != 1 { OpenSSLErrors.clear() }
        return rc == 1
    }
}
