import WSCJSON

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Times for the TUF client, in Unix seconds. The RFC 3339 work is ``RFC3339``'s (WSCJSON); this adds the forms
/// TUF needs around it.
public enum TUFTime {
    /// Parses an RFC 3339 timestamp as ``RFC3339/parse(_:)`` does, and also with a space instead of `T`, as the
    /// tuf-conformance `faketime` files write (`2025-02-09 12:02:08+00:00`); `nil` if it is neither.
    public static func parse(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        if bytes.count > 10, bytes[10] == 0x20 { bytes[10] = 0x54 }
        return RFC3339.parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses a TUF `expires` value: exactly `YYYY-MM-DDTHH:MM:SSZ` (spec section 4.2).
    static func parseExpires(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 20, b[10] == 0x54, b[19] == 0x5A else { return nil }
        return RFC3339.parse(text)
    }

    /// The current wall-clock time in Unix seconds, read through libc (so libfaketime applies).
    public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }
}
