internal import COpenSSL

/// Conversions between the two ECDSA signature encodings.
public enum ECDSASignature {
    static func scalarLength(_ type: KeyType) -> Int? {
        switch type {
        case .ecdsaP256: 32
        case .ecdsaP384: 48
        default: nil
        }
    }

    /// Converts IEEE P1363 `r ‖ s` to DER, or returns `nil` if the length does not fit the curve.
    static func p1363ToDER(_ raw: UnsafeRawBufferPointer, keyType: KeyType) -> [UInt8]? {
        guard let n = scalarLength(keyType), raw.count == 2 * n, let base = raw.baseAddress else { return nil }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        guard let sig = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(sig) }
        guard let r = BN_bin2bn(bytes, Int32(n), nil) else { return nil }
        guard let s = BN_bin2bn(bytes + n, Int32(n), nil) else {
            BN_free(r)
            return nil
        }
        guard ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_ECDSA_SIG(sig, &out)
        guard length > 0, let out else { return nil }
        defer { wsc_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// Converts a DER signature to IEEE P1363 `r ‖ s` for the given curve.
    public static func derToP1363(_ der: [UInt8], keyType: KeyType) throws -> [UInt8] {
        guard let n = scalarLength(keyType) else {
            throw CryptoError(.unsupportedKeyType, "P1363 encoding needs a P-256 or P-384 key")
        }
        let sig: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let sig = d2i_ECDSA_SIG(nil, &cursor, buffer.count)
            // Trailing bytes make a different byte string for the same signature: refuse them.
            if let sig, cursor != buffer.baseAddress! + buffer.count {
                ECDSA_SIG_free(sig)
                return nil
            }
            return sig
        }
        guard let sig else { throw OpenSSLErrors.error(.invalidSignature, "not a DER ECDSA signature") }
        defer { ECDSA_SIG_free(sig) }
        var out = [UInt8](repeating: 0, count: 2 * n)
        let ok = out.withUnsafeMutableBufferPointer { o in
            BN_bn2binpad(ECDSA_SIG_get0_r(sig), o.baseAddress, Int32(n)) == n
                && BN_bn2binpad(ECDSA_SIG_get0_s(sig), o.baseAddress! + n, Int32(n)) == n
        }
        guard ok else { throw OpenSSLErrors.error(.invalidSignature, "ECDSA signature scalars do not fit the curve") }
        return out
    }
}
