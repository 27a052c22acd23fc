/// A module-name glob: `*` matches any run of characters (including none), `?` exactly one; everything else
/// matches itself. Compiled once; matching is linear in practice and never backtracks exponentially.
public struct ModuleGlob: Sendable, Hashable {
    /// The glob as written.
    public let source: String
    private let scalars: [Unicode.Scalar]

    /// Compiles a glob.
    public init(_ source: String) {
        self.source = source
        self.scalars = Array(source.unicodeScalars)
    }

    /// Whether `name` matches the whole glob.
    public func matches(_ name: String) -> Bool {
        let text = Array(name.unicodeScalars)
        var p = 0
        var t = 0
        var star: Int? = nil
        var resume = 0
        // The classic two-pointer wildcard match: on a mismatch, retry from the last `*` one character later.
        while t < text.count {
            if p < scalars.count, scalars[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if p < scalars.count, scalars[p] == "?" || scalars[p] == text[t] {
                p += 1
                t += 1
            } else if let s = star {
                p = s + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }
}
