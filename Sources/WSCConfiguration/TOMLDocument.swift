/// A strict reader for the TOML the configuration uses, written here instead of depending on TOMLKit: TOMLKit
/// imports Foundation (and with it ICU), which alone cost wscd ~6 MiB of resident memory and ~5 ms of start-up.
///
/// Supported (TOML 1.0): comments; `[table]` and `[a.b]` headers; `[[array]]` headers (read as arrays of tables,
/// so the reader can say they are not allowed); bare, quoted and dotted keys; basic, literal and multi-line
/// strings with every escape; integers (decimal with `_`, `0x`, `0o`, `0b`, signs); floats (`1.5`, `1e3`, `inf`,
/// `nan`); booleans; dates and times (recognized, kept as text); arrays (multi-line, trailing comma, comments);
/// inline tables. Duplicate keys and redefined tables are errors. Every error names its line.

/// The kind of a TOML value.
enum TOMLType: String, CustomStringConvertible {
    case string, int, double, bool, array, table, date, time, dateTime
    var description: String { rawValue }
}

/// A TOML value, as the configuration reader sees it.
protocol TOMLValueConvertible {
    var type: TOMLType { get }
    var string: String? { get }
    var int: Int? { get }
    var double: Double? { get }
    var bool: Bool? { get }
    var array: TOMLArray? { get }
    var table: TOMLTable? { get }
}

extension TOMLValueConvertible {
    var string: String? { nil }
    var int: Int? { nil }
    var double: Double? { nil }
    var bool: Bool? { nil }
    var array: TOMLArray? { nil }
    var table: TOMLTable? { nil }
}

/// A syntax error with the line it is on.
struct TOMLParseError: Error, CustomStringConvertible {
    struct Position { let line: Int }
    struct Source { let begin: Position }
    let source: Source
    let description: String

    init(line: Int, _ description: String) {
        source = Source(begin: Position(line: line))
        self.description = description
    }
}

/// A scalar TOML value.
struct TOMLScalar: TOMLValueConvertible {
    enum Value {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)
        case dateTime(String, TOMLType)
    }
    let value: Value

    var type: TOMLType {
        switch value {
        case .string: .string
        case .int: .int
        case .double: .double
        case .bool: .bool
        case .dateTime(_, let t): t
        }
    }
    var string: String? { if case .string(let s) = value { s } else { nil } }
    var int: Int? { if case .int(let i) = value { i } else { nil } }
    var double: Double? { if case .double(let d) = value { d } else { nil } }
    var bool: Bool? { if case .bool(let b) = value { b } else { nil } }
}

/// A TOML array.
final class TOMLArray: TOMLValueConvertible, Sequence {
    var elements: [any TOMLValueConvertible] = []
    /// Made by `[[name]]` headers (may be appended to); inline arrays are closed.
    let isArrayOfTables: Bool

    init(arrayOfTables: Bool = false) { isArrayOfTables = arrayOfTables }

    var type: TOMLType { .array }
    var array: TOMLArray? { self }
    var count: Int { elements.count }
    func makeIterator() -> IndexingIterator<[any TOMLValueConvertible]> { elements.makeIterator() }
}

/// A TOML table: keys in insertion order.
final class TOMLTable: TOMLValueConvertible {
    private(set) var keys: [String] = []
    private var values: [[UInt8]: any TOMLValueConvertible] = [:]
    /// Defined by a header or by dotted keys; inline tables are sealed (nothing may be added later).
    var explicitlyDefined = false
    var sealed = false

    var type: TOMLType { .table }
    var table: TOMLTable? { self }

    /// Keys are compared byte for byte (Swift's `==` would merge Unicode-equivalent keys).
    subscript(key: String) -> (any TOMLValueConvertible)? { values[Array(key.utf8)] }

    func insert(_ key: String, _ value: any TOMLValueConvertible) -> Bool {
        let bytes = Array(key.utf8)
        guard values[bytes] == nil else { return false }
        values[bytes] = value
        keys.append(key)
        return true
    }

    init() {}

    /// Parses a whole document.
    convenience init(string: String) throws {
        self.init()
        var parser = TOMLParser(Array(string.utf8), root: self)
        try parser.parseDocument()
    }
}

/// The parser: a cursor over UTF-8 bytes with a line counter.
struct TOMLParser {
    let b: [UInt8]
    var i = 0
    var line = 1
    let root: TOMLTable
    var current: TOMLTable

    init(_ bytes: [UInt8], root: TOMLTable) {
        b = bytes
        self.root = root
        current = root
    }

    func fail(_ message: String) -> TOMLParseError { TOMLParseError(line: line, message) }

    var atEnd: Bool { i >= b.count }
    func peek(_ offset: Int = 0) -> UInt8? { i + offset < b.count ? b[i + offset] : nil }

    mutating func skipSpaces() {
        while let c = peek(), c == 0x20 || c == 0x09 { i += 1 }
    }

    mutating func skipComment() throws {
        guard peek() == 0x23 else { return }
        while let c = peek(), c != 0x0A {
            if c < 0x20 && c != 0x09 && c != 0x0D || c == 0x7F { throw fail("control character in a comment") }
            i += 1
        }
    }

    /// Expects the end of a line (spaces, an optional comment, then a newline or the end).
    mutating func endOfLine() throws {
        skipSpaces()
        try skipComment()
        if atEnd { return }
        if peek() == 0x0D, peek(1) == 0x0A { i += 1 }
        guard peek() == 0x0A else { throw fail("expected the end of the line, found \(describe(peek()))") }
        i += 1
        line += 1
    }

    func describe(_ c: UInt8?) -> String {
        guard let c else { return "the end of the file" }
        if c >= 0x21 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))'" }
        return "byte 0x\(String(c, radix: 16))"
    }

    mutating func parseDocument() throws {
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while !atEnd {
            skipSpaces()
            guard let c = peek() else { break }
            switch c {
            case 0x0A, 0x0D, 0x23:
                try endOfLine()
            case 0x5B:
                try parseHeader()
            default:
                try parseKeyValue(into: current)
                try endOfLine()
            }
        }
    }

    mutating func parseHeader() throws {
        i += 1
        let isArray = peek() == 0x5B
        if isArray { i += 1 }
        skipSpaces()
        let path = try parseKey()
        skipSpaces()
        guard peek() == 0x5D else { throw fail("expected ']' to close the table header") }
        i += 1
        if isArray {
            guard peek() == 0x5D else { throw fail("expected ']]' to close the array-of-tables header") }
            i += 1
        }
        try endOfLine()
        var table = root
        for (n, key) in path.enumerated() {
            let last = n == path.count - 1
            if let existing = table[key] {
                if let array = existing as? TOMLArray, array.isArrayOfTables {
                    if last, isArray {
                        let fresh = TOMLTable()
                        fresh.explicitlyDefined = true
                        array.elements.append(fresh)
                        table = fresh
                    } else {
                        guard let lastTable = array.elements.last as? TOMLTable else {
                            throw fail("\(key) is not a table")
                        }
                        table = lastTable
                    }
                } else if let sub = existing as? TOMLTable, !sub.sealed, !isArray || !last {
                    if last {
                        guard !sub.explicitlyDefined else {
                            throw fail("table [\(path.joined(separator: "."))] is defined twice")
                        }
                        sub.explicitlyDefined = true
                    }
                    table = sub
                } else {
                    throw fail("\(key) is already defined as a value, not a table")
                }
            } else if last, isArray {
                let array = TOMLArray(arrayOfTables: true)
                let fresh = TOMLTable()
                fresh.explicitlyDefined = true
                array.elements.append(fresh)
                _ = table.insert(key, array)
                table = fresh
            } else {
                let sub = TOMLTable()
                sub.explicitlyDefined = last
                _ = table.insert(key, sub)
                table = sub
            }
        }
        current = table
    }

    /// A key: bare, quoted or dotted.
    mutating func parseKey() throws -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = peek() else { throw fail("expected a key") }
            if c == 0x22 {
                parts.append(try parseBasicString(multiline: false))
            } else if c == 0x27 {
                parts.append(try parseLiteralString(multiline: false))
            } else {
                let start = i
                while let k = peek(), isBareKey(k) { i += 1 }
                guard i > start else { throw fail("expected a key, found \(describe(c))") }
                parts.append(String(decoding: b[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard peek() == 0x2E else { return parts }
            i += 1
        }
    }

    func isBareKey(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    mutating func parseKeyValue(into table: TOMLTable) throws {
        let path = try parseKey()
        skipSpaces()
        guard peek() == 0x3D else { throw fail("expected '=' after the key \(path.joined(separator: "."))") }
        i += 1
        skipSpaces()
        let value = try parseValue()
        var target = table
        for key in path.dropLast() {
            if let existing = target[key] {
                guard let sub = existing as? TOMLTable, !sub.sealed else {
                    throw fail("\(key) is already defined as a value, not a table")
                }
                target = sub
            } else {
                let sub = TOMLTable()
                _ = target.insert(key, sub)
                target = sub
            }
        }
        guard target.insert(path.last!, value) else {
            throw fail("the key \(path.joined(separator: ".")) is defined twice")
        }
    }

    mutating func parseValue() throws -> any TOMLValueConvertible {
        guard let c = peek() else { throw fail("expected a value") }
        switch c {
        case 0x22:
            let multi = peek(1) == 0x22 && peek(2) == 0x22
            return TOMLScalar(value: .string(try parseBasicString(multiline: multi)))
        case 0x27:
            let multi = peek(1) == 0x27 && peek(2) == 0x27
            return TOMLScalar(value: .string(try parseLiteralString(multiline: multi)))
        case 0x5B: return try parseArray()
        case 0x7B: return try parseInlineTable()
        default: return try parseScalarWord()
        }
    }

    mutating func skipWhitespaceNewlinesComments() throws {
        while let c = peek() {
            if c == 0x20 || c == 0x09 || c == 0x0D {
                i += 1
            } else if c == 0x0A {
                i += 1
                line += 1
            } else if c == 0x23 {
                try skipComment()
            } else {
                return
            }
        }
    }

    mutating func parseArray() throws -> TOMLArray {
        i += 1
        let array = TOMLArray()
        while true {
            try skipWhitespaceNewlinesComments()
            guard let c = peek() else { throw fail("the array is not closed with ']'") }
            if c == 0x5D {
                i += 1
                return array
            }
            array.elements.append(try parseValue())
            try skipWhitespaceNewlinesComments()
            if peek() == 0x2C {
                i += 1
            } else if peek() != 0x5D {
                throw fail("expected ',' or ']' in the array, found \(describe(peek()))")
            }
        }
    }

    mutating func parseInlineTable() throws -> TOMLTable {
        i += 1
        let table = TOMLTable()
        skipSpaces()
        if peek() == 0x7D {
            i += 1
            table.sealed = true
            return table
        }
        while true {
            skipSpaces()
            try parseKeyValue(into: table)
            skipSpaces()
            if peek() == 0x2C {
                i += 1
            } else if peek() == 0x7D {
                i += 1
                table.sealed = true
                return table
            } else {
                throw fail("expected ',' or '}' in the inline table, found \(describe(peek()))")
            }
        }
    }

    mutating func parseBasicString(multiline: Bool) throws -> String {
        i += multiline ? 3 : 1
        if multiline, peek() == 0x0A {
            i += 1
            line += 1
        } else if multiline, peek() == 0x0D, peek(1) == 0x0A {
            i += 2
            line += 1
        }
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw fail("the string is not closed") }
            if c == 0x22 {
                if !multiline {
                    i += 1
                    break
                }
                if peek(1) == 0x22, peek(2) == 0x22 {
                    // Up to two quotes may end the content just before the closing delimiter.
                    var extra = 0
                    while peek(3 + extra) == 0x22, extra < 2 { extra += 1 }
                    out += [UInt8](repeating: 0x22, count: extra)
                    i += 3 + extra
                    break
                }
                out.append(c)
                i += 1
            } else if c == 0x5C {
                i += 1
                guard let e = peek() else { throw fail("the string ends inside an escape") }
                i += 1
                switch e {
                case 0x62: out.append(0x08)
                case 0x74: out.append(0x09)
                case 0x6E: out.append(0x0A)
                case 0x66: out.append(0x0C)
                case 0x72: out.append(0x0D)
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x75, 0x55:
                    let n = e == 0x75 ? 4 : 8
                    guard i + n <= b.count, let v = UInt32(String(decoding: b[i..<i + n], as: UTF8.self), radix: 16),
                        let scalar = UnicodeScalar(v)
                    else { throw fail("invalid \\u escape") }
                    out += Array(String(Character(scalar)).utf8)
                    i += n
                case 0x20, 0x09, 0x0A, 0x0D:
                    guard multiline else { throw fail("invalid escape in a single-line string") }
                    // A line-ending backslash trims the newline and the whitespace that follows.
                    i -= 1
                    var j = i
                    while j < b.count, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
                    guard j < b.count, b[j] == 0x0A || b[j] == 0x0D else { throw fail("invalid escape '\\ '") }
                    i = j
                    while let w = peek(), w == 0x20 || w == 0x09 || w == 0x0A || w == 0x0D {
                        if w == 0x0A { line += 1 }
                        i += 1
                    }
                default:
                    throw fail("invalid escape \\\(Character(UnicodeScalar(e)))")
                }
            } else if c == 0x0A {
                guard multiline else { throw fail("a newline inside a single-line string") }
                out.append(c)
                line += 1
                i += 1
            } else {
                if (c < 0x20 && c != 0x09 && c != 0x0D) || c == 0x7F {
                    throw fail("a control character inside a string")
                }
                out.append(c)
                i += 1
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("the string is not valid UTF-8") }
        return s
    }

    mutating func parseLiteralString(multiline: Bool) throws -> String {
        i += multiline ? 3 : 1
        if multiline, peek() == 0x0A {
            i += 1
            line += 1
        }
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw fail("the string is not closed") }
            if c == 0x27 {
                if !multiline {
                    i += 1
                    break
                }
                if peek(1) == 0x27, peek(2) == 0x27 {
                    var extra = 0
                    while peek(3 + extra) == 0x27, extra < 2 { extra += 1 }
                    out += [UInt8](repeating: 0x27, count: extra)
                    i += 3 + extra
                    break
                }
            }
            if c == 0x0A {
                guard multiline else { throw fail("a newline inside a single-line string") }
                line += 1
            } else if (c < 0x20 && c != 0x09 && c != 0x0D) || c == 0x7F {
                throw fail("a control character inside a string")
            }
            out.append(c)
            i += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("the string is not valid UTF-8") }
        return s
    }

    /// Booleans, numbers, dates and times: a run of characters up to a delimiter.
    mutating func parseScalarWord() throws -> any TOMLValueConvertible {
        let start = i
        while let c = peek(), !(c == 0x2C || c == 0x5D || c == 0x7D || c == 0x0A || c == 0x0D || c == 0x23 || c == 0x09)
        {
            // A space belongs to the word only between a date and a time ("1979-05-27 07:32:00").
            if c == 0x20 {
                let word = b[start..<i]
                if word.count == 10, word.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }), let n = peek(1),
                    n >= 0x30, n <= 0x39
                {
                    i += 1
                    continue
                }
                break
            }
            i += 1
        }
        let word = String(decoding: b[start..<i], as: UTF8.self)
        switch word {
        case "true": return TOMLScalar(value: .bool(true))
        case "false": return TOMLScalar(value: .bool(false))
        case "inf", "+inf": return TOMLScalar(value: .double(.infinity))
        case "-inf": return TOMLScalar(value: .double(-.infinity))
        case "nan", "+nan", "-nan": return TOMLScalar(value: .double(.nan))
        default: break
        }
        guard !word.isEmpty else { throw fail("expected a value, found \(describe(peek()))") }
        if let dateType = dateTimeType(word) { return TOMLScalar(value: .dateTime(word, dateType)) }
        if let integer = parseInteger(word) { return TOMLScalar(value: .int(integer)) }
        if let double = parseFloat(word) { return TOMLScalar(value: .double(double)) }
        throw fail("invalid value \(word) (strings need quotes)")
    }

    func dateTimeType(_ w: String) -> TOMLType? {
        let u = Array(w.utf8)
        func digits(_ r: Range<Int>) -> Bool { r.upperBound <= u.count && u[r].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        let isDate = u.count >= 10 && digits(0..<4) && u[4] == 0x2D && digits(5..<7) && u[7] == 0x2D && digits(8..<10)
        let isTime = u.count >= 8 && digits(0..<2) && u[2] == 0x3A && digits(3..<5) && u[5] == 0x3A && digits(6..<8)
        if isTime { return .time }
        guard isDate else { return nil }
        return u.count == 10 ? .date : .dateTime
    }

    func parseInteger(_ w: String) -> Int? {
        var u = Array(w.utf8)
        var negative = false
        if let f = u.first, f == 0x2B || f == 0x2D {
            negative = f == 0x2D
            u.removeFirst()
        }
        var radix = 10
        if u.count > 2, u[0] == 0x30, [0x78, 0x6F, 0x62].contains(u[1]) {
            guard !negative, w.utf8.first != 0x2B else { return nil }
            radix = u[1] == 0x78 ? 16 : (u[1] == 0x6F ? 8 : 2)
            u.removeFirst(2)
        } else if u.count > 1, u[0] == 0x30 {
            return nil  // leading zeros are not allowed
        }
        // One sign at most, before any prefix: Int(_:radix:) below would accept another (`--5`, `0x+5`).
        guard !u.isEmpty, u.first != 0x5F, u.last != 0x5F, u.first != 0x2B, u.first != 0x2D else { return nil }
        var previousUnderscore = false
        var digits: [UInt8] = []
        for c in u {
            if c == 0x5F {
                guard !previousUnderscore else { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            digits.append(c)
        }
        guard let magnitude = Int(String(decoding: digits, as: UTF8.self), radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    func parseFloat(_ w: String) -> Double? {
        let cleaned = w.replacing("_", with: "")
        guard cleaned.utf8.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }), let d = Double(cleaned) else {
            return nil
        }
        return d
    }
}
