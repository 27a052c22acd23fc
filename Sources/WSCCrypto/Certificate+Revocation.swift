internal import COpenSSL

extension Certificate {
    /// The orders of the curves an ECDSA certificate signature can use here (P-256, P-384, P-521), big-endian.
    static let ecdsaCurveOrders: [[UInt8]] = [
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
    ].compactMap { Hex.decode($0, acceptingUppercase: true) }

    /// SHA-256 of every encoding of this certificate that carries the same signed content, this one first: the
    /// bytes as given; the certificate written again in DER around its signed part (so BER lengths outside the
    /// signed part do not count); and, for an ECDSA signature (r, s), the same with s replaced by n − s for each
    /// curve order n above s, which verifies as well.
    ///
    /// The holder of a certificate's key can produce any of these without the CA, so a revocation by
    /// certificate hash must match them all. The CA's signature fixes the signed part (`TBSCertificate`), and
    /// OpenSSL accepts an ECDSA signature only in DER, so these are all the forms that verify.
    public var equivalentEncodingSHA256: [[UInt8]] { equivalentEncodingSHA256(issuerCurveOrder: nil) }

    /// ``equivalentEncodingSHA256`` with the order of the issuer's curve as well, for an issuer on a curve other
    /// than P-256, P-384 and P-521 (OpenSSL verifies a chain with any named curve).
    public func equivalentEncodingSHA256(issuerCurveOrder: [UInt8]?) -> [[UInt8]] {
        var orders = Self.ecdsaCurveOrders
        if let order = issuerCurveOrder.map(Self.unsigned), !order.isEmpty, !orders.contains(order) {
            orders.append(order)
        }
        var out = [sha256Fingerprint]
        var encoded: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(x509, &encoded)
        guard length > 0, let encoded else {
            OpenSSLErrors.clear()
            return out
        }
        let canonical = Array(UnsafeBufferPointer(start: encoded, count: Int(length)))
        wsc_OPENSSL_free(encoded)
        func add(_ der: [UInt8]) {
            let digest = Digest.sha256(der)
            if !out.contains(digest) { out.append(digest) }
        }
        add(canonical)
        // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }, now in DER.
        guard let top = DERWalker.element(canonical, at: 0, limit: canonical.count), top.tag == 0x30,
            let parts = DERWalker.children(canonical, of: top), parts.count == 3, parts[2].tag == 0x03,
            parts[2].end - parts[2].contentStart > 1, canonical[parts[2].contentStart] == 0
        else { return out }
        let signature = Array(canonical[(parts[2].contentStart + 1)..<parts[2].end])
        guard let sequence = DERWalker.element(signature, at: 0, limit: signature.count), sequence.tag == 0x30,
            sequence.end == signature.count, let integers = DERWalker.children(signature, of: sequence),
            integers.count == 2, integers.allSatisfy({ $0.tag == 0x02 })
        else { return out }
        let r = Array(signature[integers[0].start..<integers[0].end])
        let s = Self.unsigned(Array(signature[integers[1].contentStart..<integers[1].end]))
        let signedPart = Array(canonical[parts[0].start..<parts[1].end])
        for order in orders {
            guard let complement = Self.subtract(order, s), !complement.isEmpty else { continue }
            let newSignature = DERWalker.wrap(0x30, r + DERWalker.wrap(0x02, Self.derInteger(complement)))
            add(DERWalker.wrap(0x30, signedPart + DERWalker.wrap(0x03, [0] + newSignature)))
        }
        return out
    }

    /// The order of the curve of this certificate's EC key (big-endian), or `nil` for other keys: what an
    /// ECDSA signature by this certificate's key can be negated with.
    public var ecCurveOrder: [UInt8]? {
        guard !keyDeferred, let key = X509_get0_pubkey(x509), EVP_PKEY_get_base_id(key) == EVP_PKEY_EC else {
            OpenSSLErrors.clear()
            return nil
        }
        var order: OpaquePointer? = nil
        let read = OSSL_PKEY_PARAM_EC_ORDER.withCString { EVP_PKEY_get_bn_param(key, $0, &order) }
        defer { BN_free(order) }
        guard read == 1, let order else {
            OpenSSLErrors.clear()
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(order) + 7) / 8))
        BN_bn2bin(order, &bytes)
        return bytes
    }

    /// An INTEGER's content read as an unsigned magnitude, without leading zero bytes.
    static func unsigned(_ content: [UInt8]) -> [UInt8] { Array(content.drop { $0 == 0 }) }

    /// `a − b` for big-endian magnitudes, without leading zeros; `nil` unless 0 < b < a.
    static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8]? {
        let a = unsigned(a)
        let b = unsigned(b)
        let aIsGreater = a.count != b.count ? a.count > b.count : (a != b && !a.lexicographicallyPrecedes(b))
        guard !b.isEmpty, aIsGreater else { return nil }
        var result = [UInt8](repeating: 0, count: a.count)
        var borrow = 0
        for index in 0..<a.count {
            let i = a.count - 1 - index
            let j = b.count - 1 - index
            var value = Int(a[i]) - borrow - (j >= 0 ? Int(b[j]) : 0)
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            result[i] = UInt8(value)
        }
        return unsigned(result)
    }

    /// The DER content of a non-negative INTEGER with magnitude `magnitude`.
    static func derInteger(_ magnitude: [UInt8]) -> [UInt8] {
        guard let first = magnitude.first else { return [0] }
        return first & 0x80 != 0 ? [0] + magnitude : magnitude
    }
}
