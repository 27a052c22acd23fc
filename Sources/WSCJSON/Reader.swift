/// The byte-level recursive-descent reader behind ``JSONParser``.
struct Reader {
    let input: UnsafeBufferPointer<UInt8>
    let limits: JSONLimits
    var position = 0
    var depth = 0
    var scratch: [UInt8] = []

    init(input: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.input = input
        self.limits = limits
    }

    mutating func parseDocument() throws -> JSONValue {
        guard !input.isEmpty else { throw JSONError(.syntax, "empty input; expected a JSON value", offset: 0) }
        if input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF {
            throw JSONError(.syntax, "a UTF-8 byte order mark is not allowed; expected a JSON value", offset: 0)
        }
        if let bad = UTF8Validation.firstInvalidOffset(input) {
            throw JSONError(
                .invalidUTF8, "input is not well-formed UTF-8: invalid, overlong or surrogate sequence", offset: bad)
        }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == input.count else {
            throw error(.syntax, "unexpected data after the JSON value; expected end of input, found \(found())")
        }
        return value
    }

    // MARK: - Helpers

    func error(_ code: JSONError.Code, _ reason: String, at offset: Int? = nil) -> JSONError {
        JSONError(code, reason, offset: offset ?? position)
    }

    /// Describes the byte at the current position for an error message.
    func found() -> String {
        guard position < input.count else { return "end of input" }
        let byte = input[position]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + hex(byte)
    }

    func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case Byte.space, Byte.tab, Byte.lineFeed, Byte.carriageReturn: position += 1
            default: return
            }
        }
    }

    // MARK: - Values

    mutating func parseValue() throws -> JSONValue {
        guard position < input.count else {
            throw error(.syntax, "expected a JSON value, found end of input")
        }
        switch input[position] {
        case Byte.openBrace: return try parseObject()
        case Byte.openBracket: return try parseArray()
        case Byte.quote: return .string(try parseString())
        case Byte.letterT: return try parseLiteral("true", .bool(true))
        case Byte.letterF: return try parseLiteral("false", .bool(false))
        case Byte.letterN: return try parseLiteral("null", .null)
        case Byte.minus, Byte.zero...Byte.nine: return try parseNumber()
        default:
            throw error(
                .syntax, "expected a JSON value (object, array, string, number, true, false or null), found \(found())")
        }
    }

    mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws -> JSONValue {
        let start = position
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { expected in
            input.count - start >= count && (0..<count).allSatisfy { input[start + $0] == expected[$0] }
        }
        guard matches else { throw error(.syntax, "expected '\(word)'", at: start) }
        position += count
        return value
    }

    mutating func enter() throws {
        depth += 1
        guard depth <= limits.maximumDepth else {
            throw error(.limitExceeded, "nesting is deeper than the limit of \(limits.maximumDepth) levels")
        }
    }

    mutating func parseArray() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        var elements: [JSONValue] = []
        if position < input.count && input[position] == Byte.closeBracket {
            position += 1
            return .array(elements)
        }
        while true {
            guard elements.count < limits.maximumArrayCount else {
                throw error(.limitExceeded, "array has more than the limit of \(limits.maximumArrayCount) elements")
            }
            elements.append(try parseValue())
            skipWhitespace()
            guard position < input.count else {
                throw error(.syntax, "expected ',' or ']' after an array element, found end of input")
            }
            switch input[position] {
            case Byte.comma:
                position += 1
                skipWhitespace()
            case Byte.closeBracket:
                position += 1
                return .array(elements)
            default:
                throw error(.syntax, "expected ',' or ']' after an array element, found \(found())")
            }
        }
    }

    mutating func parseObject() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        var members: [JSONObject.Member] = []
        var keyOffsets: [Int] = []
        if position < input.count && input[position] == Byte.closeBrace {
            position += 1
            return .object(JSONObject(sortedUniqueMembers: members))
        }
        while true {
            guard members.count < limits.maximumObjectMembers else {
                throw error(
                    .limitExceeded, "object has more than the limit of \(limits.maximumObjectMembers) members")
            }
            guard position < input.count && input[position] == Byte.quote else {
                throw error(.syntax, "expected a string key, found \(found())")
            }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            guard position < input.count && input[position] == Byte.colon else {
                throw error(.syntax, "expected ':' after the object key, found \(found())")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            members.append(JSONObject.Member(key: key, value: value))
            keyOffsets.append(keyOffset)
            skipWhitespace()
            guard position < input.count else {
                throw error(.syntax, "expected ',' or '}' after an object member, found end of input")
            }
            switch input[position] {
            case Byte.comma:
                position += 1
                skipWhitespace()
            case Byte.closeBrace:
                position += 1
                return .object(try makeObject(members, keyOffsets))
            default:
                throw error(.syntax, "expected ',' or '}' after an object member, found \(found())")
            }
        }
    }

    /// Sorts members by key bytes (skipped when already strictly ascending) and rejects byte-equal keys.
    func makeObject(_ members: [JSONObject.Member], _ keyOffsets: [Int]) throws -> JSONObject {
        var ascending = true
        for index in members.indices.dropFirst()
        where UTF8Order.compare(members[index - 1].key, members[index].key) >= 0 {
            ascending = false
            break
        }
        if ascending { return JSONObject(sortedUniqueMembers: members) }
        let order = members.indices.sorted { a, b in
            let result = UTF8Order.compare(members[a].key, members[b].key)
            return result != 0 ? result < 0 : a < b
        }
        for index in order.indices.dropFirst() {
            let previous = order[index - 1]
            let current = order[index]
            if UTF8Order.equal(members[previous].key, members[current].key) {
                throw error(
                    .duplicateKey,
                    "duplicate key \(JSONWriter.quoted(members[current].key)) in object; keys must be unique "
                        + "(compared byte for byte)", at: keyOffsets[current])
            }
        }
        return JSONObject(sortedUniqueMembers: order.map { members[$0] })
    }

    // MARK: - Numbers

    mutating func parseNumber() throws -> JSONValue {
        let start = position
        var negative = false
        if input[position] == Byte.minus {
            negative = true
            position += 1
        }
        guard position < input.count && Byte.isDigit(input[position]) else {
            throw error(.syntax, "expected a digit after '-', found \(found())")
        }
        var value: Int64 = 0
        var overflow = false
        if input[position] == Byte.zero {
            position += 1
            if position < input.count && Byte.isDigit(input[position]) {
                throw error(.syntax, "leading zeros are not allowed in numbers", at: start)
            }
        } else {
            while position < input.count && Byte.isDigit(input[position]) {
                if !overflow {
                    let digit = Int64(input[position] &- Byte.zero)
                    let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                    let (next, o2) =
                        negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
                    if o1 || o2 { overflow = true } else { value = next }
                }
                position += 1
            }
        }
        var isInteger = true
        if position < input.count && input[position] == Byte.dot {
            isInteger = false
            position += 1
            try digits(after: "'.'")
        }
        if position < input.count && (input[position] == Byte.letterE || input[position] == Byte.capitalE) {
            isInteger = false
            position += 1
            if position < input.count && (input[position] == Byte.plus || input[position] == Byte.minus) {
                position += 1
            }
            try digits(after: "the exponent marker")
        }
        if isInteger && !overflow { return .integer(value) }
        let lexeme = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        if limits.allowNonIntegerNumbers { return .number(lexeme) }
        let shown = lexeme.utf8.count > 40 ? String(lexeme.prefix(40)) + "…" : lexeme
        if !isInteger {
            throw error(
                .notAnInteger, "number \(shown) is not an integer; fractions and exponents are not accepted",
                at: start)
        }
        throw error(.limitExceeded, "integer \(shown) is outside the 64-bit signed range", at: start)
    }

    mutating func digits(after what: String) throws {
        guard position < input.count && Byte.isDigit(input[position]) else {
            throw error(.syntax, "expected a digit after \(what), found \(found())")
        }
        while position < input.count && Byte.isDigit(input[position]) { position += 1 }
    }

    // MARK: - Strings

    /// Parses a string starting at its opening quote. The input is already known to be valid UTF-8.
    mutating func parseString() throws -> String {
        let open = position
        position += 1
        let start = position
        let maximum = limits.maximumStringBytes
        // The length limit bounds the scan once, rather than being checked after every byte.
        let (limit, overflow) = start.addingReportingOverflow(Swift.max(maximum, 0))
        let end = overflow || limit >= input.count ? input.count : limit + 1
        while position < end {
            let byte = input[position]
            if byte == Byte.quote || byte == Byte.backslash || byte < 0x20 {
                if byte == Byte.quote {
                    let text = String(
                        decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
                    position += 1
                    return text
                }
                if byte == Byte.backslash { return try parseEscapedString(open: open, start: start) }
                throw controlCharacter(byte)
            }
            position += 1
        }
        if position - start > maximum { throw stringTooLong(open) }
        throw error(.syntax, "unterminated string; expected '\"'", at: open)
    }

    mutating func parseEscapedString(open: Int, start: Int) throws -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<position]))
        let maximum = limits.maximumStringBytes
        while position < input.count {
            let byte = input[position]
            switch byte {
            case Byte.quote:
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            case Byte.backslash:
                try parseEscape()
            case 0..<0x20:
                throw controlCharacter(byte)
            default:
                scratch.append(byte)
                position += 1
            }
            if scratch.count > maximum { throw stringTooLong(open) }
        }
        throw error(.syntax, "unterminated string; expected '\"'", at: open)
    }

    mutating func parseEscape() throws {
        let escapeStart = position
        position += 1
        guard position < input.count else {
            throw error(.syntax, "unterminated escape sequence; expected a character after '\\'", at: escapeStart)
        }
        let letter = input[position]
        position += 1
        switch letter {
        case Byte.quote, Byte.backslash, Byte.slash: scratch.append(letter)
        case Byte.letterB: scratch.append(0x08)
        case Byte.letterF: scratch.append(0x0C)
        case Byte.letterN: scratch.append(0x0A)
        case Byte.letterR: scratch.append(0x0D)
        case Byte.letterT: scratch.append(0x09)
        case Byte.letterU:
            let unit = try hexQuad(escapeStart)
            var scalar = unit
            if (0xD800...0xDBFF).contains(unit) {
                let lowStart = position
                guard
                    position + 1 < input.count && input[position] == Byte.backslash
                        && input[position + 1] == Byte.letterU
                else {
                    throw error(
                        .invalidString,
                        "high surrogate escape must be followed by a low surrogate escape \\uDC00-\\uDFFF",
                        at: escapeStart)
                }
                position += 2
                let low = try hexQuad(lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error(
                        .invalidString,
                        "high surrogate escape must be followed by a low surrogate escape \\uDC00-\\uDFFF",
                        at: escapeStart)
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw error(
                    .invalidString, "lone low surrogate escape; it must follow a high surrogate escape", at: escapeStart
                )
            }
            appendUTF8(scalar)
        default:
            throw error(
                .invalidString,
                "invalid escape sequence; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX after '\\'",
                at: escapeStart)
        }
    }

    mutating func hexQuad(_ escapeStart: Int) throws -> UInt32 {
        guard input.count - position >= 4 else {
            throw error(.invalidString, "expected four hex digits after \\u", at: escapeStart)
        }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = input[position]
            let digit: UInt8
            switch byte {
            case Byte.zero...Byte.nine: digit = byte - Byte.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidString, "expected four hex digits after \\u", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    func controlCharacter(_ byte: UInt8) -> JSONError {
        error(.invalidString, "control character U+00\(hex(byte)) must be escaped inside a string")
    }

    func stringTooLong(_ open: Int) -> JSONError {
        error(.limitExceeded, "string is longer than the limit of \(limits.maximumStringBytes) bytes", at: open)
    }
}
