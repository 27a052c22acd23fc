/// What a caller asks of one verification. It can only narrow the bundle's rule: fewer authorities, a higher
/// threshold, a log entry required, fewer evidence kinds. It can never widen what the node's trust bundle
/// accepts.
public struct RequestPolicy: Sendable, Hashable {
    /// Which kinds of evidence may count.
    public enum Evidence: String, Sendable, CaseIterable {
        /// Every kind: wasmsig signatures and Sigstore bundles (key-signed, keyless, private CA).
        case any
        /// Only wasmsig signatures.
        case wasmsig
        /// Only Sigstore bundles (embedded or detached), whatever signed them.
        case keyless
    }

    /// Authority names (publishers, identities, private CAs) the caller accepts; empty: every one the rule does.
    public var authorities: Set<String>
    /// How many distinct authorities must have signed; `nil`: the rule's threshold. The higher of the two applies.
    public var require: Int?
    /// The module's name, to choose the bundle's rule; `nil`: the default rule.
    public var moduleName: String?
    /// Only evidence with a verified transparency log entry counts.
    public var requireTlog: Bool
    /// Which evidence kinds count.
    public var evidence: Evidence

    /// Creates a request policy; the defaults narrow nothing.
    public init(
        authorities: Set<String> = [], require: Int? = nil, moduleName: String? = nil, requireTlog: Bool = false,
        evidence: Evidence = .any
    ) {
        self.authorities = authorities
        self.require = require
        self.moduleName = moduleName
        self.requireTlog = requireTlog
        self.evidence = evidence
    }

    /// Narrows nothing: the bundle's rule as it is.
    public static let bundleRule = RequestPolicy()

    /// At least one of the named authorities.
    public static func anyOf(_ names: Set<String>) -> RequestPolicy { RequestPolicy(authorities: names) }

    /// At least `k` distinct authorities among `names`.
    public static func threshold(_ k: Int, of names: Set<String>) -> RequestPolicy {
        RequestPolicy(authorities: names, require: k)
    }

    /// A sentence for verdicts.
    public var summary: String {
        var parts: [String] = []
        if let require { parts.append("at least \(require)") }
        if !authorities.isEmpty { parts.append("of " + authorities.sorted().joined(separator: ", ")) }
        if requireTlog { parts.append("with a transparency log entry") }
        if evidence != .any { parts.append("\(evidence.rawValue) evidence only") }
        return parts.isEmpty ? "the bundle's rule" : parts.joined(separator: " ")
    }
}
