/// The line on which each table header and key of a TOML text first appears, for error messages (the TOML reader
/// reports lines for syntax errors only).
///
/// A light scanner, run only on text that the TOML reader accepted: it follows `[table]` and `[[table]]` headers,
/// `key =` and `dotted.key =` lines (bare, "basic" and 'literal' key parts) and skips multi-line strings.
/// Keys inside inline tables are not indexed; ``line(of:)`` then answers with the line of the enclosing key.
struct TOMLLineIndex {
    private var lines: [[String]: Int] = [:]

    init(text: String) {
        var table: [String] = []
        var openString: [UInt8]? = nil  // the delimiter of a multi-line string left open on a previous line
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let bytes = Array(line.utf8)
            if let delimiter = openString {
                guard let end = Self.closing(delimiter, in: bytes, from: 0) else { continue }
                openString = Self.unclosedString(in: bytes, from: end)
                continue
            }
            var i = Self.skipSpace(bytes, 0)
            if i < bytes.count, bytes[i] == UInt8(ascii: "[") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "[") { i += 1 }
                if let path = Self.keyPath(bytes, &i), i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                    table = path
                    record(path, number)
                }
                continue
            }
            var start = 0
            if let path = Self.keyPath(bytes, &i), i < bytes.count, bytes[i] == UInt8(ascii: "=") {
                for end in 1...path.count { record(table + path[..<end], number) }
                start = i + 1
            }
            openString = Self.unclosedString(in: bytes, from: start)
        }
    }

    /// The line of `path` (table names then key), else of its longest prefix that has one, else `nil`.
    func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }

    private mutating func record(_ path: [String], _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    private static func skipSpace(_ bytes: [UInt8], _ start: Int) -> Int {
        var i = start
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
        return i
    }

    /// Parses `part(.part)*` at `i`; leaves `i` on the first byte after the path and its trailing blanks.
    private static func keyPath(_ bytes: [UInt8], _ i: inout Int) -> [String]? {
        var parts: [String] = []
        while true {
            i = skipSpace(bytes, i)
            guard i < bytes.count else { return nil }
            var part: [UInt8] = []
            let quote = bytes[i]
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                i += 1
                while i < bytes.count, bytes[i] != quote {
                    if quote == UInt8(ascii: "\""), bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { i += 1 }
                    part.append(bytes[i])
                    i += 1
                }
                guard i < bytes.count else { return nil }
                i += 1
            } else {
                while i < bytes.count, isBareKeyByte(bytes[i]) {
                    part.append(bytes[i])
                    i += 1
                }
                guard !part.isEmpty else { return nil }
            }
            parts.append(String(decoding: part, as: UTF8.self))
            i = skipSpace(bytes, i)
            guard i < bytes.count, bytes[i] == UInt8(ascii: ".") else { return parts }
            i += 1
        }
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// Scans values from `start` for strings; returns the delimiter of a multi-line string left open.
    private static func unclosedString(in bytes: [UInt8], from start: Int) -> [UInt8]? {
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "#") { return nil }
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") else {
                i += 1
                continue
            }
            let triple = [byte, byte, byte]
            if i + 3 <= bytes.count, Array(bytes[i..<i + 3]) == triple {
                guard let end = closing(triple, in: bytes, from: i + 3) else { return triple }
                i = end
            } else {
                i += 1
                while i < bytes.count, bytes[i] != byte {
                    if byte == UInt8(ascii: "\""), bytes[i] == UInt8(ascii: "\\") { i += 1 }
                    i += 1
                }
                i += 1
            }
        }
        return nil
    }

    /// The index after the closing `delimiter` at or after `start`, honouring backslash escapes in basic strings.
    private static func closing(_ delimiter: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        var i = start
        while i < bytes.count {
            if delimiter[0] == UInt8(ascii: "\""), bytes[i] == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if i + 3 <= bytes.count, Array(bytes[i..<i + 3]) == delimiter {
                var end = i + 3
                // A closing delimiter may be preceded by up to two more quotes that belong to the string.
                while end < bytes.count, end < i + 5, bytes[end] == delimiter[0] { end += 1 }
                return end
            }
            i += 1
        }
        return nil
    }
}
