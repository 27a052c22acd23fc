import WSCCrypto
import WSCJSON

/// Typed access to proto3-JSON fields, throwing ``SigstoreError`` with a chosen code.
struct FieldReader {
    let code: SigstoreError.Code

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as JSONError {
            throw SigstoreError(code, error.reason)
        }
    }

    func object(_ value: JSONValue?, _ path: String) throws -> JSONObject {
        guard let value else { throw SigstoreError(code, "\(path) is required") }
        return try wrap { try value.asObject(path) }
    }

    func string(_ value: JSONValue?, _ path: String) throws -> String {
        guard let value else { throw SigstoreError(code, "\(path) is required") }
        return try wrap { try value.asString(path) }
    }

    func array(_ value: JSONValue?, _ path: String) throws -> [JSONValue] {
        guard let value else { throw SigstoreError(code, "\(path) is required") }
        return try wrap { try value.asArray(path) }
    }

    /// Standard base64 (proto3 JSON `bytes`), with padding; URL-safe letters are refused. Line breaks
    /// (CR, LF) are skipped, as Go's decoder (and so protojson) does: `base64` tools wrap long values.
    func base64(_ value: JSONValue?, _ path: String) throws -> [UInt8] {
        var text = try string(value, path)
        // Line breaks are not Base64 characters, so a value that decodes as it is has none: only a value that
        // fails is searched for them.
        if let bytes = Base64.decode(text) { return bytes }
        let hasLineBreaks =
            text.utf8.withContiguousStorageIfAvailable { $0.contains(0x0A) || $0.contains(0x0D) }
            ?? text.utf8.contains { $0 == 0x0A || $0 == 0x0D }
        guard hasLineBreaks else { throw SigstoreError(code, "\(path) is not valid base64") }
        text = String(decoding: text.utf8.filter { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
        guard let bytes = Base64.decode(text) else { throw SigstoreError(code, "\(path) is not valid base64") }
        return bytes
    }

    /// A proto3 JSON int64: a decimal string (the canonical form) or a JSON integer, never negative.
    func nonNegativeInteger(_ value: JSONValue?, _ path: String) throws -> Int64 {
        guard let value else { throw SigstoreError(code, "\(path) is required") }
        let number: Int64
        switch value {
        case .integer(let n): number = n
        case .string(let text):
            let digits = Array(text.utf8)
            guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let n = Int64(text)
            else {
                throw SigstoreError(code, "\(path) must be a non-negative decimal integer, found \"\(text)\"")
            }
            number = n
        default:
            throw SigstoreError(code, "\(path) must be an integer")
        }
        guard number >= 0 else { throw SigstoreError(code, "\(path) must not be negative, found \(number)") }
        return number
    }
}
