/// Hexadecimal text for digests, key ids and signatures, without Foundation. Output is always lower case.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two lower-case hexadecimal digits per byte (`[0xAB, 0x01]` is `"ab01"`).
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes written as hexadecimal text; `nil` if the length is odd or any character is not a hexadecimal
    /// digit. Strict by default: only lower case, as ``encode(_:)`` writes it, so one value has one spelling (no
    /// sign, no `0x`, no spaces). Pass `acceptingUppercase: true` where a format allows `A`-`F` too (TUF metadata,
    /// percent escapes, digests in Rekor entries).
    public static func decode<S: StringProtocol>(_ text: S, acceptingUppercase: Bool = false) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46 where acceptingUppercase: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let high = nibble(chars[i]), let low = nibble(chars[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}
