/// Bounds the parser enforces on untrusted input. Each is checked before more memory is allocated, so a
/// hostile document fails early with ``JSONError/Code/limitExceeded`` instead of exhausting memory or stack.
public struct JSONLimits: Sendable, Hashable {
    /// The largest accepted input, in bytes.
    public var maximumBytes = 16 << 20
    /// The deepest accepted nesting of arrays and objects; a top-level array or object is depth 1.
    /// The parser recurses once per level, so keep this modest.
    public var maximumDepth = 64
    /// The longest accepted string or key, in decoded UTF-8 bytes.
    public var maximumStringBytes = 4 << 20
    /// The most elements accepted in one array.
    public var maximumArrayCount = 100_000
    /// The most members accepted in one object.
    public var maximumObjectMembers = 100_000
    /// When `false` (the default), a number with a fraction or exponent is ``JSONError/Code/notAnInteger`` and
    /// an integer outside `Int64` is ``JSONError/Code/limitExceeded``. When `true`, both are returned as
    /// ``JSONValue/number(_:)`` with their exact lexeme.
    public var allowNonIntegerNumbers = false

    /// Creates the default limits.
    public init() {}

    /// The default limits: 16 MiB input, depth 64, 4 MiB strings, 100,000 array elements and object members,
    /// integers only.
    public static let `default` = JSONLimits()
}
