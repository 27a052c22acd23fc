extension PublicKey {
    /// The type byte wasmsign2 puts before a raw Ed25519 public key.
    public static let wasmsignPublicKeyType: UInt8 = 0x01

    /// Parses wasmsign2's raw public key form: `0x01 ‖ pk[32]` (33 bytes).
    public convenience init(wasmsignRaw raw: [UInt8]) throws {
        guard raw.count == 33 else {
            throw CryptoError(
                .invalidKey, "a wasmsign2 public key file is 33 bytes (0x01 followed by 32 key bytes), got \(raw.count)"
            )
        }
        guard raw[0] == PublicKey.wasmsignPublicKeyType else {
            throw CryptoError(
                .unsupportedKeyType,
                "unsupported public key type byte 0x\(String(raw[0], radix: 16)) (wasmsign2 Ed25519 keys start with 0x01)"
            )
        }
        try self.init(ed25519Raw: Array(raw[1...]))
    }

    /// wasmsign2's raw public key form, `0x01 ‖ pk[32]`; `nil` for keys other than Ed25519.
    public var wasmsignRaw: [UInt8]? {
        ed25519Raw.map { [PublicKey.wasmsignPublicKeyType] + $0 }
    }

    /// The wasmsig key identifier: the first 12 bytes of HMAC-SHA-256 with the raw key as the HMAC key
    /// and `"key_id"` as the message (wasmsign2's `attach_default_key_id`). `nil` for non-Ed25519 keys.
    public var wasmsigKeyID: [UInt8]? {
        guard let raw = ed25519Raw else { return nil }
        return Array(HMAC.sha256(key: raw, message: Array("key_id".utf8)).prefix(12))
    }
}
