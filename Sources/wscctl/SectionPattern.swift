import WasmSignatures

/// The `-s/--split REGEX` predicate: standard sections are always signed; a custom section is signed when its
/// name matches the pattern (anywhere in the name, as wasmsign2 does).
struct SectionPattern {
    static let maximumPatternLength = 1000
    private let regex: Regex<AnyRegexOutput>?

    init(_ pattern: String?) throws {
        guard let pattern else {
            regex = nil
            return
        }
        guard pattern.utf8.count <= SectionPattern.maximumPatternLength else {
            throw CLIError.usage("the section pattern is longer than \(SectionPattern.maximumPatternLength) characters")
        }
        do {
            regex = try Regex(pattern)
        } catch {
            throw CLIError.usage("invalid section pattern \(pattern): \(error)")
        }
    }

    func matches(_ section: Section) -> Bool {
        guard let name = section.customName else { return true }
        guard let regex else { return true }
        return (try? regex.firstMatch(in: name)) != nil
    }
}
