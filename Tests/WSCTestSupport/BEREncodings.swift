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
