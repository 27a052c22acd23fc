import WSCJSON

/// The verification rules a trust bundle carries: which authorities a module needs, by module name.
///
/// A rule applies to the modules whose name matches one of its globs (the first matching rule wins); a module
/// with no name, or a name no rule matches, gets the default rule. Requests can only narrow a rule
/// (``RequestPolicy``), never widen it.
public struct TrustPolicy: Sendable {
    /// One rule.
    public struct Rule: Sendable {
        /// The rule's name, reported in verdicts.
        public let name: String
        /// The module names it applies to (empty for the default rule).
        public let modules: [ModuleGlob]
        /// The authorities it accepts; `nil`: every authority of the bundle.
        public let authorities: Set<String>?
        /// How many distinct accepted authorities must have signed (at least 1).
        public let threshold: Int
        /// Only evidence with a verified transparency log entry counts.
        public let requireTlog: Bool
        /// Only evidence with a verified RFC 3161 timestamp counts.
        public let requireTimestamp: Bool

        /// Creates a rule.
        public init(
            name: String, modules: [ModuleGlob] = [], authorities: Set<String>? = nil, threshold: Int = 1,
            requireTlog: Bool = false, requireTimestamp: Bool = false
        ) {
            self.name = name
            self.modules = modules
            self.authorities = authorities
            self.threshold = threshold
            self.requireTlog = requireTlog
            self.requireTimestamp = requireTimestamp
        }
    }

    /// The rules, in order.
    public let rules: [Rule]
    /// The rule for modules no other rule matches: one signature by any authority unless the bundle says otherwise.
    public let defaultRule: Rule
    /// The policy document as the bundle holds it (`nil` when the bundle has none).
    public let document: JSONValue?

    /// The policy of a bundle without one: any one authority.
    public static let anyAuthority = TrustPolicy(rules: [], defaultRule: Rule(name: "default"), document: nil)

    /// The rule for a module called `moduleName` (nil: the default rule).
    public func rule(forModule moduleName: String?) -> Rule {
        guard let moduleName else { return defaultRule }
        return rules.first { rule in rule.modules.contains { $0.matches(moduleName) } } ?? defaultRule
    }
}

extension TrustPolicy {
    static let ruleKeys: Set<String> = [
        "name", "modules", "authorities", "threshold", "requireTlog", "requireTimestamp",
    ]

    /// Parses the `policy` member of a bundle payload. Every authority a rule names must exist in `kinds`.
    init(json value: JSONValue?, authorities kinds: [String: AuthorityKind]) throws {
        guard let value else {
            self = .anyAuthority
            return
        }
        let object = try value.asObject("bundle.policy")
        try object.rejectUnknownKeys(allowed: ["rules", "default"], "bundle.policy")
        var rules: [Rule] = []
        if let list = try object.optional("rules")?.asArray("bundle.policy.rules") {
            guard list.count <= BundleLimits.rules else {
                throw TrustStoreError(.limitExceeded, "bundle.policy.rules lists more than \(BundleLimits.rules) rules")
            }
            var names = Set<String>()
            for (index, item) in list.enumerated() {
                let rule = try Self.rule(item, "bundle.policy.rules[\(index)]", kinds: kinds, isDefault: false)
                guard names.insert(rule.name).inserted, rule.name != "default" else {
                    throw TrustStoreError(
                        .malformedBundle, "bundle.policy.rules[\(index)].name \"\(rule.name)\" is used twice")
                }
                rules.append(rule)
            }
        }
        let defaultRule =
            try object.optional("default").map {
                try Self.rule($0, "bundle.policy.default", kinds: kinds, isDefault: true)
            } ?? Rule(name: "default")
        self.init(rules: rules, defaultRule: defaultRule, document: value)
    }

    static func rule(_ value: JSONValue, _ path: String, kinds: [String: AuthorityKind], isDefault: Bool) throws
        -> Rule
    {
        let object = try value.asObject(path)
        try object.rejectUnknownKeys(allowed: ruleKeys, path)
        let name: String
        if isDefault {
            guard object.optional("name") == nil, object.optional("modules") == nil else {
                throw TrustStoreError(
                    .malformedBundle, "\(path) takes no name or modules: it applies to every other module")
            }
            name = "default"
        } else {
            name = try TrustBundle.name(object.require("name", path), "\(path).name")
        }
        var globs: [ModuleGlob] = []
        if !isDefault {
            let list = try object.require("modules", path).asArray("\(path).modules")
            guard !list.isEmpty, list.count <= BundleLimits.globsPerRule else {
                throw TrustStoreError(
                    .malformedBundle, "\(path).modules must list 1 to \(BundleLimits.globsPerRule) module-name globs")
            }
            globs = try list.enumerated().map { i, item in
                ModuleGlob(try TrustBundle.name(item, "\(path).modules[\(i)]"))
            }
        }
        var authorities: Set<String>? = nil
        if let list = try object.optional("authorities")?.asArray("\(path).authorities") {
            guard !list.isEmpty, list.count <= kinds.count else {
                throw TrustStoreError(
                    .malformedBundle, "\(path).authorities must list 1 to \(kinds.count) authorities of the bundle")
            }
            var set = Set<String>()
            for (i, item) in list.enumerated() {
                let authority = try item.asString("\(path).authorities[\(i)]")
                guard kinds[authority] != nil else {
                    throw TrustStoreError(
                        .malformedBundle,
                        "\(path).authorities[\(i)] names \"\(authority)\", which is no publisher, identity or certificate authority of this bundle"
                    )
                }
                guard set.insert(authority).inserted else {
                    throw TrustStoreError(.malformedBundle, "\(path).authorities[\(i)] repeats \"\(authority)\"")
                }
            }
            authorities = set
        }
        let available = authorities?.count ?? kinds.count
        let threshold = try object.optional("threshold")?.asInteger("\(path).threshold") ?? 1
        guard threshold >= 1, threshold <= max(1, available) else {
            throw TrustStoreError(
                .malformedBundle,
                "\(path).threshold \(threshold) cannot be met by \(available) authorit\(available == 1 ? "y" : "ies"); use 1...\(max(1, available))"
            )
        }
        func flag(_ key: String) throws -> Bool {
            guard let v = object.optional(key) else { return false }
            guard case .bool(let b) = v else {
                throw TrustStoreError(.malformedBundle, "\(path).\(key) must be true or false")
            }
            return b
        }
        return Rule(
            name: name, modules: globs, authorities: authorities, threshold: Int(threshold),
            requireTlog: try flag("requireTlog"), requireTimestamp: try flag("requireTimestamp"))
    }
}
