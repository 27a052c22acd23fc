/// A JSON value as read by ``JSONParser``: every object is a ``JSONObject`` with unique keys sorted by their
/// UTF-8 bytes.
///
/// Equality and hashing are byte-exact: strings, keys and number lexemes compare by their UTF-8 bytes, never by
/// Unicode canonical equivalence (Swift's `String ==`). Two values are equal exactly when their
/// ``CanonicalJSON`` encodings are.
public indirect enum JSONValue: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// JSON `true` or `false`.
    case bool(Bool)
    /// A number that is lexically an integer, `-?(0|[1-9][0-9]*)`, and fits in `Int64`. `-0` is read as `0`.
    case integer(Int64)
    /// Any other valid JSON number (fraction, exponent, or an integer outside `Int64`), kept as its exact lexeme,
    /// for example `"1.0"` or `"1e2"`. The parser produces it only when ``JSONLimits/allowNonIntegerNumbers``
    /// is set.
    case number(String)
    /// A JSON string, with escapes decoded. It holds exactly the decoded UTF-8 bytes; no normalization is applied.
    case string(String)
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object.
    case object(JSONObject)

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.number(let a), .number(let b)): return UTF8Order.equal(a, b)
        case (.string(let a), .string(let b)): return UTF8Order.equal(a, b)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0)
        case .bool(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .integer(let value):
            hasher.combine(2)
            hasher.combine(value)
        case .number(let lexeme):
            hasher.combine(3)
            UTF8Order.hash(lexeme, into: &hasher)
        case .string(let value):
            hasher.combine(4)
            UTF8Order.hash(value, into: &hasher)
        case .array(let elements):
            hasher.combine(5)
            hasher.combine(elements)
        case .object(let object):
            hasher.combine(6)
            hasher.combine(object)
        }
    }
}
