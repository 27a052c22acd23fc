/// Unsigned LEB128 as WebAssembly uses it, read strictly: no more bytes than needed, no bits beyond the
/// value's width.
enum LEB128 {
    /// Appends the minimal encoding of `value`.
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
    }

    /// The minimal encoding of `value`.
    static func encode(_ value: Int) -> [UInt8] {
        var out: [UInt8] = []
        append(UInt64(value), to: &out)
        return out
    }
}

/// A bounds-checked cursor over a byte array (the array is shared, never copied).
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        let r = range ?? 0..<bytes.count
        self.offset = r.lowerBound
        self.end = r.upperBound
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    mutating func readByte(_ what: @autoclosure () -> String) throws -> UInt8 {
        guard offset < end else {
            throw WasmSignatureError(.malformedModule, "unexpected end of input while reading \(what())")
        }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a strict varuint32: at most 5 bytes, minimal, and no bits above 32 in the fifth byte.
    mutating func readVarUInt32(_ what: @autoclosure () -> String) throws -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        let start = offset
        for index in 0..<5 {
            guard offset < end else {
                throw WasmSignatureError(.malformedModule, "unexpected end of input inside the LEB128 \(what())")
            }
            let byte = bytes[offset]
            offset += 1
            if index == 4, byte & 0xF0 != 0 {
                throw WasmSignatureError(
                    .malformedModule,
                    "the LEB128 \(what()) at offset \(start) overflows 32 bits (fifth byte 0x\(String(byte, radix: 16)))"
                )
            }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                // A final zero byte after the first means the encoding was padded: not minimal.
                if index > 0, byte == 0 {
                    throw WasmSignatureError(
                        .malformedModule, "the LEB128 \(what()) at offset \(start) is overlong (not minimally encoded)")
                }
                return result
            }
            shift += 7
        }
        throw WasmSignatureError(.malformedModule, "the LEB128 \(what()) at offset \(start) is longer than 5 bytes")
    }

    /// Reads a varuint32 length and checks it against what is left and a limit, before anything is allocated.
    mutating func readLength(_ what: @autoclosure () -> String, limit: Int) throws -> Int {
        let name = what()
        let length = Int(try readVarUInt32(name))
        guard length <= remaining else {
            throw WasmSignatureError(
                .malformedModule, "\(name) claims \(length) bytes but only \(remaining) remain: the input is truncated")
        }
        guard length <= limit else {
            throw WasmSignatureError(.limitExceeded, "\(name) is \(length) bytes, above the limit of \(limit)")
        }
        return length
    }

    /// Reads `count` bytes (already checked against `remaining` by the caller or here).
    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
        guard count <= remaining else {
            throw WasmSignatureError(.malformedModule, "unexpected end of input while reading \(what())")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a varuint32-length-prefixed byte string.
    mutating func readSlice(_ what: @autoclosure () -> String, limit: Int) throws -> [UInt8] {
        let name = what()
        let length = try readLength(name, limit: limit)
        return try readBytes(length, name)
    }

    mutating func skip(_ count: Int) { offset += count }
}
