/// A strict JSON reader for untrusted and signed documents.
///
/// It accepts exactly RFC 8259 JSON in well-formed UTF-8 without a byte order mark, and additionally:
/// - rejects duplicate object keys, compared by UTF-8 bytes (NFC and NFD spellings are two distinct keys);
/// - accepts only integers unless ``JSONLimits/allowNonIntegerNumbers`` is set (`-0` is read as `0`);
/// - rejects raw control characters in strings, unknown escapes and lone surrogate escapes;
/// - enforces every ``JSONLimits`` bound before allocating more.
///
/// Every error carries the byte offset where it was found and says what was expected.
public enum JSONParser {
    /// Parses one JSON value from UTF-8 bytes; only whitespace may follow it.
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .default) throws -> JSONValue {
        guard bytes.count <= limits.maximumBytes else {
            throw JSONError(
                .limitExceeded, "input of \(bytes.count) bytes is larger than the limit of \(limits.maximumBytes)",
                offset: 0)
        }
        return try bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(input: buffer, limits: limits)
            return try reader.parseDocument()
        }
    }

    /// Parses one JSON value from the UTF-8 encoding of `text`; only whitespace may follow it.
    public static func parse(_ text: String, limits: JSONLimits = .default) throws -> JSONValue {
        let count = text.utf8.count
        guard count <= limits.maximumBytes else {
            throw JSONError(
                .limitExceeded, "input of \(count) bytes is larger than the limit of \(limits.maximumBytes)",
                offset: 0)
        }
        return try parse(Array(text.utf8), limits: limits)
    }
}
