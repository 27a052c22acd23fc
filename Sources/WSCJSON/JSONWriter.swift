/// Writes ordinary JSON for output files and messages.
///
/// Strings use RFC 8259 escaping: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other C0 controls as `\u00XX`;
/// everything else, including non-ASCII, is written as raw UTF-8. Object members are written in stored order
/// (sorted by key bytes), so the output is deterministic and parses back to an equal ``JSONValue``.
public enum JSONWriter {
    /// Encodes `value` as UTF-8 JSON. Compact has no whitespace; `pretty` indents by two spaces per level and
    /// writes `"key": value`, with no trailing newline. ``JSONValue/number(_:)`` is written as its lexeme.
    public static func encode(_ value: JSONValue, pretty: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        write(value, pretty: pretty, indent: 0, into: &output)
        return output
    }

    static func write(_ value: JSONValue, pretty: Bool, indent: Int, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .number(let lexeme): output.append(contentsOf: lexeme.utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(Byte.openBracket)
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(Byte.comma) }
                if pretty { newline(indent + 1, into: &output) }
                write(element, pretty: pretty, indent: indent + 1, into: &output)
            }
            if pretty && !elements.isEmpty { newline(indent, into: &output) }
            output.append(Byte.closeBracket)
        case .object(let object):
            output.append(Byte.openBrace)
            for (index, member) in object.members.enumerated() {
                if index > 0 { output.append(Byte.comma) }
                if pretty { newline(indent + 1, into: &output) }
                writeString(member.key, into: &output)
                output.append(Byte.colon)
                if pretty { output.append(Byte.space) }
                write(member.value, pretty: pretty, indent: indent + 1, into: &output)
            }
            if pretty && !object.members.isEmpty { newline(indent, into: &output) }
            output.append(Byte.closeBrace)
        }
    }

    static func newline(_ indent: Int, into output: inout [UInt8]) {
        output.append(Byte.lineFeed)
        output.append(contentsOf: repeatElement(Byte.space, count: indent * 2))
    }

    static func writeString(_ text: String, into output: inout [UInt8]) {
        let hexDigits = Array("0123456789abcdef".utf8)
        output.append(Byte.quote)
        for byte in text.utf8 {
            switch byte {
            case Byte.quote, Byte.backslash:
                output.append(Byte.backslash)
                output.append(byte)
            case Byte.lineFeed: output.append(contentsOf: [Byte.backslash, Byte.letterN])
            case Byte.carriageReturn: output.append(contentsOf: [Byte.backslash, Byte.letterR])
            case Byte.tab: output.append(contentsOf: [Byte.backslash, Byte.letterT])
            case 0x08: output.append(contentsOf: [Byte.backslash, Byte.letterB])
            case 0x0C: output.append(contentsOf: [Byte.backslash, Byte.letterF])
            case 0..<0x20:
                output.append(contentsOf: [Byte.backslash, Byte.letterU, Byte.zero, Byte.zero])
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(Byte.quote)
    }

    /// `text` as a JSON string literal, for error messages (control characters escaped).
    static func quoted(_ text: String) -> String {
        var output: [UInt8] = []
        writeString(text, into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
