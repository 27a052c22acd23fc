/// A regular expression compiled once (when a bundle is sealed) and matched against whole strings.
final class CompiledPattern: @unchecked Sendable {
    // @unchecked: Regex is an immutable value; matching does not mutate it, so sharing across threads is safe.
    let source: String
    private let regex: Regex<AnyRegexOutput>

    /// Compiles `source`, or returns nil when it is not a valid regular expression.
    init?(_ source: String) {
        guard let regex = try? Regex(source) else { return nil }
        self.source = source
        self.regex = regex
    }

    /// Whether the pattern matches the whole of `text`.
    func matchesWhole(_ text: String) -> Bool {
        (try? regex.wholeMatch(in: text)) != nil
    }
}
