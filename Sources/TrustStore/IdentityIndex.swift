/// The keyless identities of a bundle, indexed once when it is sealed: exact subjects by issuer and subject,
/// patterns compiled. One lookup per verified certificate, whatever the number of identities.
struct IdentityIndex: Sendable {
    private let exact: [String: [String: String]]  // issuer -> subject -> authority name
    private let patterns: [String: [(pattern: CompiledPattern, name: String)]]  // issuer -> patterns

    init(_ identities: [TrustBundle.Identity]) {
        var exact: [String: [String: String]] = [:]
        var patterns: [String: [(pattern: CompiledPattern, name: String)]] = [:]
        for identity in identities {
            if let subject = identity.subject {
                exact[identity.issuer, default: [:]][subject] = exact[identity.issuer]?[subject] ?? identity.name
            } else if let source = identity.subjectPattern, let compiled = CompiledPattern(source) {
                patterns[identity.issuer, default: []].append((compiled, identity.name))
            }
        }
        self.exact = exact
        self.patterns = patterns
    }

    /// The names of the identities that accept a certificate from `issuer` with these subject alternative
    /// names, in bundle order of kind (exact first), without duplicates.
    func names(issuer: String, subjects: [String]) -> [String] {
        var found: [String] = []
        if let bySubject = exact[issuer] {
            for subject in subjects {
                if let name = bySubject[subject], !found.contains(name) { found.append(name) }
            }
        }
        for (pattern, name) in patterns[issuer] ?? [] where !found.contains(name) {
            if subjects.contains(where: pattern.matchesWhole) { found.append(name) }
        }
        return found
    }
}
