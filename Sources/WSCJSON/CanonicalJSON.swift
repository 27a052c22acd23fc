/// The OLPC canonical JSON encoding that TUF signatures are computed over, byte-identical to securesystemslib's
/// `encode_canonical`.
///
/// No whitespace; separators `,` and `:`; object keys in UTF-8 byte (code-point) order; strings escape only
/// `\` and `"`, everything else (control characters and non-ASCII included) is raw UTF-8; integers only;
/// `true`, `false`, `null`.
public enum CanonicalJSON {
    /// Encodes `value` canonically.
    ///
    /// - Throws: ``JSONError/Code/notAnInteger`` when `value` contains a ``JSONValue/number(_:)``, which
    ///   canonical JSON cannot represent.
    public static func encode(_ value: JSONValue) throws -> [UInt8] {
        var output: [UInt8] = []
        try write(value, into: &output)
        return output
    }

    static func write(_ value: JSONValue, into output: inout [UInt8]) throws {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .number(let lexeme):
            throw JSONError(
                .notAnInteger, "canonical JSON allows integers only; cannot encode the number \(lexeme)")
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(Byte.openBracket)
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(Byte.comma) }
                try write(element, into: &output)
            }
            output.append(Byte.closeBracket)
        case .object(let object):
            output.append(Byte.openBrace)
            for (index, member) in object.members.enumerated() {
                if index > 0 { output.append(Byte.comma) }
                writeString(member.key, into: &output)
                output.append(Byte.colon)
                try write(member.value, into: &output)
            }
            output.append(Byte.closeBrace)
        }
    }

    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(Byte.quote)
        for byte in text.utf8 {
            if byte == Byte.quote || byte == Byte.backslash { output.append(Byte.backslash) }
            output.append(byte)
        }
        output.append(Byte.quote)
    }
}
