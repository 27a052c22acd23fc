/// Which publishers must have signed a module: the node's policy, never the module's.
public struct PublisherPolicy: Sendable, Hashable {
    enum Rule: Sendable, Hashable {
        case any
        case anyOf(Set<String>)
        case threshold(Int, Set<String>)
    }

    let rule: Rule

    /// Any one publisher of the bundle.
    public static let anyPublisher = PublisherPolicy(rule: .any)

    /// At least one of the named publishers.
    public static func anyOf(_ names: Set<String>) -> PublisherPolicy { PublisherPolicy(rule: .anyOf(names)) }

    /// At least `k` distinct publishers among `names`.
    public static func threshold(_ k: Int, of names: Set<String>) -> PublisherPolicy {
        PublisherPolicy(rule: .threshold(k, names))
    }

    /// The publisher names the policy mentions (empty for ``anyPublisher``).
    var names: Set<String> {
        switch rule {
        case .any: []
        case .anyOf(let names), .threshold(_, let names): names
        }
    }

    /// How many distinct accepted signers are needed.
    var required: Int {
        switch rule {
        case .any, .anyOf: 1
        case .threshold(let k, _): k
        }
    }

    /// A sentence for verdicts.
    public var summary: String {
        switch rule {
        case .any: "any publisher"
        case .anyOf(let names): "any of " + names.sorted().joined(separator: ", ")
        case .threshold(let k, let names): "\(k) of " + names.sorted().joined(separator: ", ")
        }
    }
}
