/// Certificates re-encoded in BER forms that OpenSSL's parser accepts but DER forbids, to test what reads them:
/// the validity field with an indefinite length, or with a five-byte length, the rest of the certificate as it
/// was (so its signature no longer matches, which does not matter to a parser).
public enum BEREncodings {
    public enum Form: String, Sendable, CaseIterable {
        case indefiniteLength, fiveByteLength
    }

    /// `der` with its `Validity` re-encoded in `form`; `nil` if `der` is not a certificate of the usual shape.
    public static func certificate(_ der: [UInt8], validityIn form: Form) -> [UInt8]? {
        guard let top = element(der, at: 0), let parts = children(der, of: top), parts.count == 3,
            let fields = children(der, of: parts[0]), fields.count > 5
        else { return nil }
        let index = der[fields[0].start] == 0xA0 ? 4 : 3
        let validity = fields[index]
        let content = Array(der[validity.contentStart..<validity.end])
        let reencoded: [UInt8] =
            switch form {
            case .indefiniteLength: [0x30, 0x80] + content + [0x00, 0x00]
            case .fiveByteLength:
                [0x30, 0x85, 0x00] + withUnsafeBytes(of: UInt32(content.count).bigEndian, Array.init) + content
            }
        var tbs: [UInt8] = []
        for (position, field) in fields.enumerated() {
            tbs += position == index ? reencoded : Array(der[field.start..<field.end])
        }
        let body = wrap(0x30, tbs) + Array(der[parts[1].start..<parts[2].end])
        return wrap(0x30, body)
    }

    /// The order of P-256 and of secp256k1 (a curve OpenSSL verifies chains with, though wsc's keys never use it).
    public static let p256Order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]
    public static let secp256k1Order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
        0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
    ]

    /// `der` (a DER certificate with a 256-bit ECDSA signature) with its signature's s replaced by n − s for
    /// `curveOrder` n (the issuer's curve): still
    /// a valid signature by the same CA over the same signed part, and another certificate hash. `nil` if the
    /// shape is not that.
    public static func certificateWithNegatedS(_ der: [UInt8], curveOrder order: [UInt8] = p256Order) -> [UInt8]? {
        guard let top = element(der, at: 0), let parts = children(der, of: top), parts.count == 3,
            der[parts[2].start] == 0x03, der[parts[2].contentStart] == 0
        else { return nil }
        let signature = Array(der[(parts[2].contentStart + 1)..<parts[2].end])
        guard let sequence = element(signature, at: 0), let integers = children(signature, of: sequence),
            integers.count == 2
        else { return nil }
        var s = Array(signature[integers[1].contentStart..<integers[1].end])
        while s.first == 0 { s.removeFirst() }
        guard s.count <= 32 else { return nil }
        s = [UInt8](repeating: 0, count: 32 - s.count) + s
        // n − s, byte by byte from the right.
        var negated = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for i in (0..<32).reversed() {
            var value = Int(order[i]) - Int(s[i]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            negated[i] = UInt8(value)
        }
        while negated.first == 0 { negated.removeFirst() }
        if let first = negated.first, first & 0x80 != 0 { negated.insert(0, at: 0) }
        let r = Array(signature[integers[0].start..<integers[0].end])
        let newSignature = wrap(0x30, r + wrap(0x02, negated))
        return wrap(0x30, Array(der[parts[0].start..<parts[1].end]) + wrap(0x03, [0] + newSignature))
    }

    /// `der` with its outer SEQUENCE's length written in four bytes (BER): the signed part is untouched.
    public static func certificateWithLongOuterLength(_ der: [UInt8]) -> [UInt8]? {
        guard let top = element(der, at: 0) else { return nil }
        let content = Array(der[top.contentStart..<top.end])
        return [0x30, 0x84] + withUnsafeBytes(of: UInt32(content.count).bigEndian, Array.init) + content
    }

    struct Element {
        let start: Int
        let contentStart: Int
        let end: Int
    }

    static func element(_ bytes: [UInt8], at index: Int) -> Element? {
        guard index + 2 <= bytes.count else { return nil }
        var length = Int(bytes[index + 1])
        var header = 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 4, index + 2 + count <= bytes.count else { return nil }
            length = bytes[(index + 2)..<(index + 2 + count)].reduce(0) { $0 << 8 | Int($1) }
            header += count
        }
        guard index + header + length <= bytes.count else { return nil }
        return Element(start: index, contentStart: index + header, end: index + header + length)
    }

    static func children(_ bytes: [UInt8], of parent: Element) -> [Element]? {
        var out: [Element] = []
        var index = parent.contentStart
        while index < parent.end {
            guard let child = element(bytes, at: index) else { return nil }
            out.append(child)
            index = child.end
        }
        return out
    }

    static func wrap(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let n = content.count
        if n < 0x80 { return [tag, UInt8(n)] + content }
        let length = withUnsafeBytes(of: UInt32(n).bigEndian, Array.init).drop { $0 == 0 }
        return [tag, 0x80 | UInt8(length.count)] + length + content
    }
}
