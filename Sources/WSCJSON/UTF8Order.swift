/// Byte-wise comparison of strings by their UTF-8 encoding.
///
/// For valid UTF-8 this is Unicode code-point order, the order Python, Go and OLPC canonical JSON use.
/// It never applies canonical equivalence, unlike `String ==` and `String <`.
enum UTF8Order {
    /// Returns a negative number, zero or a positive number as `a` sorts before, equal to or after `b`.
    static func compare(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in compare(pa, pb) }
        }
        if let result = fast ?? nil { return result }
        return compare(Array(a.utf8), Array(b.utf8))
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in compare(pa, pb) } }
    }

    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        var i = 0
        while i < common {
            if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            i += 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    static func less(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }

    static func equal(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && compare(a, b) == 0
    }

    static func hash(_ s: String, into hasher: inout Hasher) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            for byte in s.utf8 { hasher.combine(byte) }
        }
        hasher.combine(s.utf8.count)
    }
}
