import WSCCrypto

/// An RFC 6962 signed certificate timestamp embedded in a certificate (extension 1.3.6.1.4.1.11129.2.4.2).
struct SignedCertificateTimestamp {
    static let extensionOID = "1.3.6.1.4.1.11129.2.4.2"

    let logID: [UInt8]
    let timestamp: UInt64
    let extensions: [UInt8]
    let hashAlgorithm: UInt8
    let signatureAlgorithm: UInt8
    let signature: [UInt8]

    static func fail(_ why: String) -> SigstoreError { SigstoreError(.sctInvalid, why) }

    /// The SCTs in `certificate`'s embedded list. Throws `.sctInvalid` when the extension is absent or malformed.
    static func embedded(in certificate: Certificate) throws -> [SignedCertificateTimestamp] {
        guard let ext = certificate.extensionValue(oid: extensionOID) else {
            throw fail("the signing certificate carries no embedded SCT list")
        }
        // The extension value is a DER OCTET STRING holding the TLS-encoded list.
        var reader = ByteReader(ext.value)
        guard reader.u8() == 0x04, let length = reader.derLength(), length == reader.remaining else {
            throw fail("the SCT list extension is not an OCTET STRING")
        }
        guard let listLength = reader.u16(), Int(listLength) == reader.remaining else {
            throw fail("the SCT list length is wrong")
        }
        var result: [SignedCertificateTimestamp] = []
        while reader.remaining > 0 {
            guard let sctLength = reader.u16(), let bytes = reader.bytes(Int(sctLength)) else {
                throw fail("an SCT in the list is truncated")
            }
            result.append(try SignedCertificateTimestamp(bytes))
        }
        guard !result.isEmpty else { throw fail("the SCT list is empty") }
        return result
    }

    init(_ bytes: [UInt8]) throws {
        var reader = ByteReader(bytes)
        guard reader.u8() == 0 else { throw Self.fail("an SCT is not version 1") }
        guard let logID = reader.bytes(32), let timestamp = reader.u64(), let extLength = reader.u16(),
            let extensions = reader.bytes(Int(extLength)), let hash = reader.u8(), let algorithm = reader.u8(),
            let sigLength = reader.u16(), let signature = reader.bytes(Int(sigLength)), reader.remaining == 0
        else { throw Self.fail("an SCT is malformed") }
        self.logID = logID
        self.timestamp = timestamp
        self.extensions = extensions
        self.hashAlgorithm = hash
        self.signatureAlgorithm = algorithm
        self.signature = signature
    }

    /// The data the log signed for a precertificate entry (RFC 6962 section 3.2).
    func signedData(issuerKeyHash: [UInt8], tbsCertificate: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0]
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: timestamp >> UInt64(shift)))
        }
        out += [0, 1]
        out += issuerKeyHash
        let n = tbsCertificate.count
        out += [UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
        out += tbsCertificate
        out += [UInt8(truncatingIfNeeded: extensions.count >> 8), UInt8(truncatingIfNeeded: extensions.count)]
        out += extensions
        return out
    }
}

/// A bounds-checked big-endian reader.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func u8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16? {
        guard let high = u8(), let low = u8() else { return nil }
        return UInt16(high) << 8 | UInt16(low)
    }

    mutating func u64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(bytes[offset]); offset += 1 }
        return value
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A DER length (short or long form, up to 4 bytes).
    mutating func derLength() -> Int? {
        guard let first = u8() else { return nil }
        if first < 0x80 { return Int(first) }
        let count = Int(first & 0x7F)
        guard count >= 1, count <= 4 else { return nil }
        var value = 0
        for _ in 0..<count {
            guard let byte = u8() else { return nil }
            value = value << 8 | Int(byte)
        }
        return value
    }
}
