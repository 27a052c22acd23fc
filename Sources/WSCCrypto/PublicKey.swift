internal import COpenSSL

/// A public key of any supported type (Ed25519, ECDSA P-256/P-384, RSA), immutable once built.
///
/// Safe to share between threads: OpenSSL 3 allows concurrent read-only use of a key.
public final class PublicKey: @unchecked Sendable {
    let pkey: OpaquePointer
    /// The key's type.
    public let type: KeyType

    init(owning pkey: OpaquePointer) throws {
        self.pkey = pkey
        do {
            self.type = try PublicKey.classify(pkey)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    static func classify(_ pkey: OpaquePointer) throws -> KeyType {
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_ED25519:
            return .ed25519
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS:
            let bits = Int(EVP_PKEY_get_bits(pkey))
            guard bits >= 2048 else {
                throw CryptoError(
                    .unsupportedKeyType, "RSA keys shorter than 2048 bits are refused (this one has \(bits))")
            }
            return .rsa(bits: bits)
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 else {
                throw OpenSSLErrors.error(.invalidKey, "cannot read the curve of an EC key")
            }
            let curve = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let type: KeyType
            switch curve {
            case "prime256v1", "P-256": type = .ecdsaP256
            case "secp384r1", "P-384": type = .ecdsaP384
            default:
                throw CryptoError(.unsupportedKeyType, "EC curve \(curve) is not supported (use P-256 or P-384)")
            }
            // OpenSSL's decoder and point import both take the point at infinity (the one-byte encoding 00),
            // which no signature verifies under and which cannot be encoded again as a SubjectPublicKeyInfo.
            var pointLength = 0
            let read = OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY.withCString {
                EVP_PKEY_get_octet_string_param(pkey, $0, nil, 0, &pointLength)
            }
            guard read == 1, pointLength > 1 else {
                OpenSSLErrors.clear()
                throw CryptoError(.invalidKey, "the \(type) public key is the point at infinity, not a key")
            }
            return type
        default:
            OpenSSLErrors.clear()
            throw CryptoError(
                .unsupportedKeyType, "unsupported public key type (supported: Ed25519, ECDSA P-256/P-384, RSA)")
        }
    }

    // MARK: Import

    /// The fixed DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 key bytes follow.
    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// The fixed DER prefixes of P-256 and P-384 SubjectPublicKeyInfos with a named curve and an uncompressed
    /// point (RFC 5480); the point (`04 ‖ x ‖ y`) follows.
    static let p256SPKIPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48,
        0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]
    static let p384SPKIPrefix: [UInt8] = [
        0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81, 0x04,
        0x00, 0x22, 0x03, 0x62, 0x00,
    ]

    /// Parses a DER `SubjectPublicKeyInfo`.
    public convenience init(spkiDER der: [UInt8]) throws {
        guard !der.isEmpty else { throw CryptoError(.invalidKey, "the public key is empty") }
        // Ed25519 keys have one fixed encoding: skip OpenSSL 3's generic decoder, which costs tens of
        // microseconds per key (thousands of publishers load at start-up).
        if der.count == 44, der.starts(with: PublicKey.ed25519SPKIPrefix) {
            try self.init(ed25519Raw: Array(der[12...]))
            return
        }
        // Likewise the usual EC encodings: the point is imported directly (OpenSSL checks it is on the curve).
        for (prefix, type, pointLength) in [
            (PublicKey.p256SPKIPrefix, KeyType.ecdsaP256, 65), (PublicKey.p384SPKIPrefix, KeyType.ecdsaP384, 97),
        ] where der.count == prefix.count + pointLength && der.starts(with: prefix) && der[prefix.count] == 0x04 {
            try self.init(ecPoint: Array(der[prefix.count...]), type: type)
            return
        }
        let parsed: OpaquePointer? = der.withUnsafeBytes { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            // Trailing bytes after the structure are not part of a valid encoding.
            if key != nil, let cursor, cursor != buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + buffer.count
            {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let parsed else {
            throw OpenSSLErrors.error(.invalidKey, "not a valid DER SubjectPublicKeyInfo public key")
        }
        try self.init(owning: parsed)
    }

    /// Parses a PEM `PUBLIC KEY` block.
    public convenience init(pem: String) throws {
        let block = try PEM.decode(pem, expecting: ["PUBLIC KEY"])
        try self.init(spkiDER: block.der)
    }

    /// Builds an Ed25519 key from its 32 raw bytes.
    public convenience init(ed25519Raw raw: [UInt8]) throws {
        guard raw.count == 32 else {
            throw CryptoError(.invalidKey, "an Ed25519 public key is 32 bytes, got \(raw.count)")
        }
        guard let key = raw.withUnsafeBytes({ EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32) })
        else { throw OpenSSLErrors.error(.invalidKey, "invalid Ed25519 public key") }
        try self.init(owning: key)
    }

    /// Builds an ECDSA key from an uncompressed (`04 ‖ x ‖ y`) or compressed SEC1 point.
    public convenience init(ecPoint point: [UInt8], type: KeyType) throws {
        guard type == .ecdsaP256 || type == .ecdsaP384 else {
            throw CryptoError(.unsupportedKeyType, "an EC point needs a P-256 or P-384 key type")
        }
        // A copy of the curve's template key with the point set: OpenSSL checks the point is on the curve, and
        // the curve's group is copied rather than built again from its name (most of an EVP_PKEY_fromdata).
        if let template = ECKeyTemplate.shared.key(for: type), let key = EVP_PKEY_dup(template) {
            let ok = point.withUnsafeBytes { EVP_PKEY_set1_encoded_public_key(key, $0.baseAddress, $0.count) == 1 }
            guard ok else {
                EVP_PKEY_free(key)
                throw OpenSSLErrors.error(.invalidKey, "not a valid \(type) point")
            }
            try self.init(owning: key)
            return
        }
        try self.init(owning: try PublicKey.importPoint(point, type: type))
    }

    /// `EVP_PKEY_fromdata` of an EC point: the general import, which builds the curve's group from its name.
    static func importPoint(_ point: [UInt8], type: KeyType) throws -> OpaquePointer {
        let group = type == .ecdsaP384 ? "P-384" : "P-256"
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw OpenSSLErrors.error(.libraryFailure, "EVP_PKEY_CTX_new_from_name failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        // OSSL_PARAM keeps the key-name pointers, so they too need storage that outlives the call
        // (passing the imported String constants directly would leave dangling temporaries).
        let ok: Bool = OSSL_PKEY_PARAM_GROUP_NAME.withCString { groupKey in
            OSSL_PKEY_PARAM_PUB_KEY.withCString { pubKey in
                group.withCString { groupName in
                    point.withUnsafeBytes { p in
                        var params: [OSSL_PARAM] = [
                            OSSL_PARAM_construct_utf8_string(groupKey, UnsafeMutablePointer(mutating: groupName), 0),
                            OSSL_PARAM_construct_octet_string(
                                pubKey, UnsafeMutableRawPointer(mutating: p.baseAddress), p.count),
                            OSSL_PARAM_construct_end(),
                        ]
                        return EVP_PKEY_fromdata_init(ctx) == 1
                            && EVP_PKEY_fromdata(ctx, &key, wsc_EVP_PKEY_PUBLIC_KEY(), &params) == 1
                    }
                }
            }
        }
        guard ok, let key else { throw OpenSSLErrors.error(.invalidKey, "not a valid \(type) point") }
        return key
    }

    // MARK: Export

    /// The DER `SubjectPublicKeyInfo` encoding.
    public var spkiDER: [UInt8] {
        if type == .ed25519, let raw = ed25519Raw { return PublicKey.ed25519SPKIPrefix + raw }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(pkey, &out)
        precondition(length > 0 && out != nil, "i2d_PUBKEY failed")
        defer { wsc_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// The PEM `PUBLIC KEY` encoding.
    public var pem: String { PEM.encode(spkiDER, label: "PUBLIC KEY") }

    /// The 32 raw bytes of an Ed25519 key, or `nil` for other key types.
    public var ed25519Raw: [UInt8]? {
        guard type == .ed25519 else { return nil }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &raw, &length) == 1, length == 32 else {
            OpenSSLErrors.clear()
            return nil
        }
        return raw
    }

    // MARK: Verify

    /// Whether `signature` is a valid signature of `message` under this key and `scheme`.
    ///
    /// Returns `false` for a wrong or malformed signature. Throws only when the scheme does not fit the
    /// key type, which is a caller's mistake rather than an attacker's input.
    public func verify(
        signature: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer, scheme: SignatureScheme
    ) throws -> Bool {
        var derStorage: [UInt8] = []
        let md: OpaquePointer?
        var padding: Int32? = nil
        switch (scheme, type) {
        case (.ed25519, .ed25519):
            guard signature.count == 64 else { return false }
            md = nil
        case (.ecdsa(let digest, let encoding), .ecdsaP256), (.ecdsa(let digest, let encoding), .ecdsaP384):
            md = digest.evpMD
            if encoding == .p1363 {
                guard let der = ECDSASignature.p1363ToDER(signature, keyType: type) else { return false }
                derStorage = der
            }
        case (.rsaPKCS1v15(let digest), .rsa):
            md = digest.evpMD
            padding = RSA_PKCS1_PADDING
        case (.rsaPSS(let digest), .rsa):
            md = digest.evpMD
            padding = RSA_PKCS1_PSS_PADDING
        default:
            throw CryptoError(.unsupportedAlgorithm, "signature scheme \(scheme) does not apply to a \(type) key")
        }
        guard let ctx = EVP_MD_CTX_new() else { throw OpenSSLErrors.error(.libraryFailure, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer?
        guard EVP_DigestVerifyInit(ctx, &pctx, md, nil, pkey) == 1 else {
            throw OpenSSLErrors.error(.libraryFailure, "EVP_DigestVerifyInit failed for a \(type) key")
        }
        if let padding {
            guard EVP_PKEY_CTX_set_rsa_padding(pctx, padding) == 1 else {
                throw OpenSSLErrors.error(.libraryFailure, "cannot set RSA padding")
            }
            if padding == RSA_PKCS1_PSS_PADDING {
                // Accept the salt length the signature carries (RSA_PSS_SALTLEN_AUTO), as TUF and Sigstore do.
                guard EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1,
                    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1
                else { throw OpenSSLErrors.error(.libraryFailure, "cannot set RSA-PSS parameters") }
            }
        }
        let rc: Int32
        if derStorage.isEmpty {
            rc = EVP_DigestVerify(
                ctx, signature.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count,
                message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count)
        } else {
            rc = derStorage.withUnsafeBufferPointer { der in
                EVP_DigestVerify(
                    ctx, der.baseAddress, der.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    message.count)
            }
        }
        if rc != 1 { OpenSSLErrors.clear() }
        return rc == 1
    }

    /// Whether `signature` is a valid signature of `message` under this key and `scheme`.
    public func verify(signature: [UInt8], message: [UInt8], scheme: SignatureScheme) throws -> Bool {
        try signature.withUnsafeBytes { s throws in
            try message.withUnsafeBytes { m throws in try verify(signature: s, message: m, scheme: scheme) }
        }
    }

    /// A verification scheme that fits this key when the format leaves no choice: Ed25519 for Ed25519 keys,
    /// DER ECDSA with SHA-256 (P-256) or SHA-384 (P-384); `nil` for RSA, whose padding must be named.
    public var defaultScheme: SignatureScheme? {
        switch type {
        case .ed25519: .ed25519
        case .ecdsaP256: .ecdsa(.sha256, .der)
        case .ecdsaP384: .ecdsa(.sha384, .der)
        case .rsa: nil
        }
    }
}

extension PublicKey: Equatable {
    /// Two keys are equal when their `SubjectPublicKeyInfo` encodings are.
    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.spkiDER == rhs.spkiDER }
}
