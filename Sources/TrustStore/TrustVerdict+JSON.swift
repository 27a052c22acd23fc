import WSCCrypto
import WSCJSON

extension TrustVerdict {
    /// The verdict as JSON: the one shape `wscctl verify --json` prints (offline or `--daemon`) and wscd's verify
    /// result carries (docs/protocol.md). `request` is echoed as a sentence; `module` names the input for the CLI.
    public func json(request: RequestPolicy, module: String? = nil) -> JSONObject {
        var fields: [(String, JSONValue)] = []
        if let module { fields.append(("module", .string(module))) }
        fields.append(("valid", .bool(valid)))
        if let code { fields.append(("code", .string(code.rawValue))) }
        if let failedCheck { fields.append(("failedCheck", .string(failedCheck))) }
        if let reason { fields.append(("reason", .string(reason))) }
        fields += [
            ("kind", .string(keyless == nil ? "wasmsig" : "keyless")),
            ("rule", rule.map { .string($0) } ?? .null),
            ("signers", .array(signers.map { .string($0) })),
            ("authorities", .array(authorities.map { .object(Self.json($0)) })),
            ("evidence", .array(evidence.map { .object(Self.json($0)) })),
            ("bundleVersion", bundleVersion.map { .integer(Int64(clamping: $0)) } ?? .null),
            ("contentSha256", .string(contentDigest.map(Hex.encode) ?? "-")),
            ("warnings", .array(warnings.map { .string($0) })),
            ("policy", .string(request.summary)),
        ]
        if let keyless {
            fields.append(
                (
                    "keyless",
                    .object(
                        Self.object([
                            ("identity", .string(keyless.identity)), ("issuer", .string(keyless.issuer)),
                            ("logIndex", keyless.logIndex.map { .integer($0) } ?? .null),
                            ("integratedTime", keyless.integratedTime.map { .integer($0) } ?? .null),
                            ("form", .string(keyless.form)),
                        ]))
                ))
        }
        return Self.object(fields)
    }

    static func json(_ a: SatisfiedAuthority) -> JSONObject {
        object([
            ("name", .string(a.name)), ("kind", .string(a.kind.rawValue)), ("signer", .string(a.signer)),
            ("evidence", .string(a.form.rawValue)), ("logIndex", a.logIndex.map { .integer($0) } ?? .null),
            ("integratedTime", a.integratedTime.map { .integer($0) } ?? .null), ("timestamped", .bool(a.timestamped)),
        ])
    }

    static func json(_ e: EvidenceReport) -> JSONObject {
        object([
            ("form", .string(e.form.rawValue)), ("proved", .array(e.proved.map { .string($0) })),
            (
                "problems",
                .array(
                    e.problems.map {
                        .object(
                            object([
                                ("code", .string($0.code.rawValue)), ("check", .string($0.check)),
                                ("reason", .string($0.reason)),
                            ]))
                    })
            ),
        ])
    }

    /// Builds an object from distinct literal keys (which cannot collide).
    static func object(_ members: [(String, JSONValue)]) -> JSONObject {
        // The keys above are distinct string literals: JSONObject's duplicate check cannot fail on them.
        try! JSONObject(members)
    }
}
