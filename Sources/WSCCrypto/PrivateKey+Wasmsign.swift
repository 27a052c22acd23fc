extension PrivateKey {
    /// The type byte wasmsign2 puts before a raw Ed25519 secret key.
    public static let wasmsignSecretKeyType: UInt8 = 0x81

    /// Parses wasmsign2's raw secret key form, `0x81 ‖ seed[32] ‖ pk[32]` (65 bytes), and checks that
    /// the public half belongs to the seed.
    public convenience init(wasmsignRaw raw: UnsafeRawBufferPointer) throws {
        guard raw.count == 65 else {
            throw CryptoError(
                .invalidKey,
                "a wasmsign2 secret key file is 65 bytes (0x81, 32 seed bytes, 32 public key bytes), got \(raw.count)")
        }
        guard raw[0] == PrivateKey.wasmsignSecretKeyType else {
            throw CryptoError(
                .unsupportedKeyType,
                "unsupported secret key type byte 0x\(String(raw[0], radix: 16)) (wasmsign2 Ed25519 secret keys start with 0x81)"
            )
        }
        try self.init(ed25519Seed: UnsafeRawBufferPointer(rebasing: raw[1..<33]))
        guard let derived = publicKey.ed25519Raw, constantTimeEquals(derived, Array(raw[33..<65])) else {
            throw CryptoError(
                .invalidKey,
                "the public key inside the secret key file does not belong to its seed: the file is corrupt")
        }
    }

    /// wasmsign2's raw secret key form, `0x81 ‖ seed[32] ‖ pk[32]`.
    public func wasmsignRaw() throws -> SecretBytes {
        let seed = try ed25519Seed()
        guard let pk = publicKey.ed25519Raw else {
            throw CryptoError(.unsupportedKeyType, "only Ed25519 keys have a wasmsign2 raw form")
        }
        var raw = [PrivateKey.wasmsignSecretKeyType]
        seed.withUnsafeBytes { raw.append(contentsOf: $0) }
        raw.append(contentsOf: pk)
        return SecretBytes(consuming: &raw)
    }
}
