/// Strict Base64 (RFC 4648 section 4, with padding), without Foundation.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    /// Standard Base64 with `=` padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        encode(bytes, appendingTo: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the standard Base64 (with `=` padding) of `bytes` to `out`, written in place: verification encodes
    /// whole log entry bodies (SET payloads).
    public static func encode(_ bytes: [UInt8], appendingTo out: inout [UInt8]) {
        let count = (bytes.count + 2) / 3 * 4
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        out.withUnsafeMutableBufferPointer { whole in
            let buffer = UnsafeMutableBufferPointer(rebasing: whole[base...])
            alphabet.withUnsafeBufferPointer { table in
                bytes.withUnsafeBufferPointer { input in
                    var i = 0
                    var o = 0
                    while i + 3 <= input.count {
                        let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                        buffer[o] = table[Int(v >> 18 & 63)]
                        buffer[o + 1] = table[Int(v >> 12 & 63)]
                        buffer[o + 2] = table[Int(v >> 6 & 63)]
                        buffer[o + 3] = table[Int(v & 63)]
                        i += 3
                        o += 4
                    }
                    let rest = input.count - i
                    if rest > 0 {
                        let v = UInt32(input[i]) << 16 | (rest == 2 ? UInt32(input[i + 1]) << 8 : 0)
                        buffer[o] = table[Int(v >> 18 & 63)]
                        buffer[o + 1] = table[Int(v >> 12 & 63)]
                        buffer[o + 2] = rest == 2 ? table[Int(v >> 6 & 63)] : UInt8(ascii: "=")
                        buffer[o + 3] = UInt8(ascii: "=")
                    }
                }
            }
        }
    }

    /// Decodes standard padded Base64; `nil` if any character, the padding or the trailing bits are wrong.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        if let done = text.utf8.withContiguousStorageIfAvailable({ decodeBytes($0) }) { return done }
        return Array(text.utf8).withUnsafeBufferPointer { decodeBytes($0) }
    }

    /// Byte-level decoding with one table lookup per character and one allocation.
    static func decodeBytes(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard input.count % 4 == 0 else { return nil }
        if input.isEmpty { return [] }
        var padding = 0
        if input[input.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if input[input.count - 2] == UInt8(ascii: "=") { padding += 1 }
        let outputCount = input.count / 4 * 3 - padding
        var failed = false
        let out = [UInt8](unsafeUninitializedCapacity: outputCount) { buffer, initialized in
            var o = 0
            var i = 0
            reverse.withUnsafeBufferPointer { table in
                // Every quad but the last has no padding: four lookups, one combined validity check.
                let body = input.count - 4
                var invalid: Int8 = 0
                while i < body {
                    let c0 = table[Int(input[i])]
                    let c1 = table[Int(input[i + 1])]
                    let c2 = table[Int(input[i + 2])]
                    let c3 = table[Int(input[i + 3])]
                    invalid |= c0 | c1 | c2 | c3
                    let high = UInt32(truncatingIfNeeded: c0) << 18 | UInt32(truncatingIfNeeded: c1) << 12
                    let v = high | UInt32(truncatingIfNeeded: c2) << 6 | UInt32(truncatingIfNeeded: c3)
                    buffer[o] = UInt8(truncatingIfNeeded: v >> 16)
                    buffer[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    buffer[o + 2] = UInt8(truncatingIfNeeded: v)
                    o += 3
                    i += 4
                }
                // A negative table entry (an invalid character) sets the sign bit.
                if invalid < 0 {
                    failed = true
                    return
                }
                let c0 = table[Int(input[i])]
                let c1 = table[Int(input[i + 1])]
                let c2 = padding == 2 ? 0 : table[Int(input[i + 2])]
                let c3 = padding >= 1 ? 0 : table[Int(input[i + 3])]
                if c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0 {
                    failed = true
                    return
                }
                let v = UInt32(c0) << 18 | UInt32(c1) << 12 | UInt32(c2) << 6 | UInt32(c3)
                // Non-zero bits under the padding mean a non-canonical encoding.
                if padding == 1, v & 0xFF != 0 || input[i + 2] == UInt8(ascii: "=") {
                    failed = true
                    return
                }
                if padding == 2, v & 0xFFFF != 0 {
                    failed = true
                    return
                }
                buffer[o] = UInt8(v >> 16 & 0xFF)
                o += 1
                if padding < 2 {
                    buffer[o] = UInt8(v >> 8 & 0xFF)
                    o += 1
                }
                if padding < 1 {
                    buffer[o] = UInt8(v & 0xFF)
                    o += 1
                }
            }
            initialized = failed ? 0 : o
        }
        return failed ? nil : out
    }
}
