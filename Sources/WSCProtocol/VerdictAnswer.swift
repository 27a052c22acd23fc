import WSCJSON

/// A verify verdict as it travels: the result of wscd's `verify`, and what `wscctl verify --json` prints offline
/// or through wscd. One type, one JSON shape (docs/protocol.md, "The verdict"), encoded and decoded here only.
public struct VerdictAnswer: Sendable, Hashable {
    /// An authority that counted.
    public struct Authority: Sendable, Hashable {
        public var name: String
        /// `publisher`, `identity` or `certificateAuthority`.
        public var kind: String
        /// Key id, `identity (issuer)` or certificate subject.
        public var signer: String
        /// `wasmsig-embedded`, `wasmsig-detached`, `sigstore-embedded` or `sigstore-detached`.
        public var evidence: String
        public var logIndex: Int64?
        public var integratedTime: Int64?
        public var timestamped: Bool

        /// Creates an entry.
        public init(
            name: String, kind: String, signer: String, evidence: String, logIndex: Int64?, integratedTime: Int64?,
            timestamped: Bool
        ) {
            self.name = name
            self.kind = kind
            self.signer = signer
            self.evidence = evidence
            self.logIndex = logIndex
            self.integratedTime = integratedTime
            self.timestamped = timestamped
        }
    }

    /// A failed check on one piece of evidence.
    public struct Problem: Sendable, Hashable {
        public var code: String
        public var check: String
        public var reason: String

        /// Creates a problem.
        public init(code: String, check: String, reason: String) {
            self.code = code
            self.check = check
            self.reason = reason
        }
    }

    /// What one piece of evidence came to.
    public struct Evidence: Sendable, Hashable {
        public var form: String
        public var proved: [String]
        public var problems: [Problem]

        /// Creates a report.
        public init(form: String, proved: [String], problems: [Problem]) {
            self.form = form
            self.proved = proved
            self.problems = problems
        }
    }

    /// The keyless signer that counted.
    public struct Keyless: Sendable, Hashable {
        public var identity: String
        public var issuer: String
        public var logIndex: Int64?
        public var integratedTime: Int64?
        public var form: String

        /// Creates a signer.
        public init(identity: String, issuer: String, logIndex: Int64?, integratedTime: Int64?, form: String) {
            self.identity = identity
            self.issuer = issuer
            self.logIndex = logIndex
            self.integratedTime = integratedTime
            self.form = form
        }
    }

    /// The input's name (the CLI sets it; wscd does not).
    public var module: String?
    public var valid: Bool
    /// Refusals: the stable code (docs/trust-bundle.md).
    public var code: String?
    public var failedCheck: String?
    public var reason: String?
    public var kind: String
    public var rule: String?
    public var signers: [String]
    public var authorities: [Authority]
    public var evidence: [Evidence]
    public var bundleVersion: Int64?
    public var contentSha256: String
    public var warnings: [String]
    /// The request's narrowing, as a sentence.
    public var policy: String
    public var keyless: Keyless?

    /// Creates an answer.
    public init(
        module: String? = nil, valid: Bool, code: String?, failedCheck: String?, reason: String?, kind: String,
        rule: String?, signers: [String], authorities: [Authority], evidence: [Evidence], bundleVersion: Int64?,
        contentSha256: String, warnings: [String], policy: String, keyless: Keyless?
    ) {
        self.module = module
        self.valid = valid
        self.code = code
        self.failedCheck = failedCheck
        self.reason = reason
        self.kind = kind
        self.rule = rule
        self.signers = signers
        self.authorities = authorities
        self.evidence = evidence
        self.bundleVersion = bundleVersion
        self.contentSha256 = contentSha256
        self.warnings = warnings
        self.policy = policy
        self.keyless = keyless
    }

    /// The JSON object.
    public var json: JSONObject {
        var fields: [(String, JSONValue)] = []
        if let module { fields.append(("module", .string(module))) }
        fields.append(("valid", .bool(valid)))
        if let code { fields.append(("code", .string(code))) }
        if let failedCheck { fields.append(("failedCheck", .string(failedCheck))) }
        if let reason { fields.append(("reason", .string(reason))) }
        fields += [
            ("kind", .string(kind)), ("rule", rule.map { .string($0) } ?? .null),
            ("signers", .array(signers.map { .string($0) })),
            (
                "authorities",
                .array(
                    authorities.map {
                        .object(
                            Self.object([
                                ("name", .string($0.name)), ("kind", .string($0.kind)), ("signer", .string($0.signer)),
                                ("evidence", .string($0.evidence)), ("logIndex", Self.integer($0.logIndex)),
                                ("integratedTime", Self.integer($0.integratedTime)),
                                ("timestamped", .bool($0.timestamped)),
                            ]))
                    })
            ),
            (
                "evidence",
                .array(
                    evidence.map { e in
                        .object(
                            Self.object([
                                ("form", .string(e.form)), ("proved", .array(e.proved.map { .string($0) })),
                                (
                                    "problems",
                                    .array(
                                        e.problems.map {
                                            .object(
                                                Self.object([
                                                    ("code", .string($0.code)), ("check", .string($0.check)),
                                                    ("reason", .string($0.reason)),
                                                ]))
                                        })
                                ),
                            ]))
                    })
            ),
            ("bundleVersion", Self.integer(bundleVersion)), ("contentSha256", .string(contentSha256)),
            ("warnings", .array(warnings.map { .string($0) })), ("policy", .string(policy)),
        ]
        if let keyless {
            fields.append(
                (
                    "keyless",
                    .object(
                        Self.object([
                            ("identity", .string(keyless.identity)), ("issuer", .string(keyless.issuer)),
                            ("logIndex", Self.integer(keyless.logIndex)),
                            ("integratedTime", Self.integer(keyless.integratedTime)), ("form", .string(keyless.form)),
                        ]))
                ))
        }
        return Self.object(fields)
    }

    /// Reads a verdict object (wscd's verify result). Throws ``ProtocolError`` `.badFrame` naming the field when
    /// it is not a verdict; unknown fields are ignored, as clients must.
    public init(json object: JSONObject) throws {
        let r = Reader(object: object, path: "verdict")
        module = try r.optionalString("module")
        valid = try r.bool("valid")
        code = try r.optionalString("code")
        failedCheck = try r.optionalString("failedCheck")
        reason = try r.optionalString("reason")
        kind = try r.optionalString("kind") ?? "wasmsig"
        rule = try r.optionalString("rule")
        signers = try r.strings("signers")
        authorities = try r.objects("authorities").map { a in
            Authority(
                name: try a.string("name"), kind: try a.string("kind"), signer: try a.string("signer"),
                evidence: try a.string("evidence"), logIndex: try a.optionalInteger("logIndex"),
                integratedTime: try a.optionalInteger("integratedTime"), timestamped: try a.bool("timestamped"))
        }
        evidence = try r.objects("evidence").map { e in
            Evidence(
                form: try e.string("form"), proved: try e.strings("proved"),
                problems: try e.objects("problems").map {
                    Problem(code: try $0.string("code"), check: try $0.string("check"), reason: try $0.string("reason"))
                })
        }
        bundleVersion = try r.optionalInteger("bundleVersion")
        contentSha256 = try r.optionalString("contentSha256") ?? "-"
        warnings = try r.strings("warnings")
        policy = try r.optionalString("policy") ?? ""
        if let k = try r.optionalObject("keyless") {
            keyless = Keyless(
                identity: try k.string("identity"), issuer: try k.string("issuer"),
                logIndex: try k.optionalInteger("logIndex"), integratedTime: try k.optionalInteger("integratedTime"),
                form: try k.string("form"))
        } else {
            keyless = nil
        }
    }

    static func integer(_ value: Int64?) -> JSONValue { value.map { .integer($0) } ?? .null }

    /// Builds an object from distinct literal keys (which cannot collide).
    static func object(_ members: [(String, JSONValue)]) -> JSONObject {
        // The keys above are distinct string literals: JSONObject's duplicate check cannot fail on them.
        try! JSONObject(members)
    }

    /// Typed field access with errors that name the field.
    struct Reader {
        let object: JSONObject
        let path: String

        func fail(_ key: String, _ what: String) -> ProtocolError {
            ProtocolError(.badFrame, "\(path).\(key) must be \(what)")
        }
        func string(_ key: String) throws -> String {
            guard case .string(let s) = object[key] ?? .null else { throw fail(key, "a string") }
            return s
        }
        func optionalString(_ key: String) throws -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw fail(key, "a string or null")
            }
        }
        func bool(_ key: String) throws -> Bool {
            guard case .bool(let b) = object[key] ?? .null else { throw fail(key, "true or false") }
            return b
        }
        func optionalInteger(_ key: String) throws -> Int64? {
            switch object[key] {
            case nil, .null?: return nil
            case .integer(let n)?: return n
            default: throw fail(key, "an integer or null")
            }
        }
        func strings(_ key: String) throws -> [String] {
            switch object[key] {
            case nil: return []
            case .array(let list)?:
                return try list.map {
                    guard case .string(let s) = $0 else { throw fail(key, "a list of strings") }
                    return s
                }
            default: throw fail(key, "a list of strings")
            }
        }
        func objects(_ key: String) throws -> [Reader] {
            switch object[key] {
            case nil: return []
            case .array(let list)?:
                return try list.enumerated().map { i, item in
                    guard case .object(let o) = item else { throw fail(key, "a list of objects") }
                    return Reader(object: o, path: "\(path).\(key)[\(i)]")
                }
            default: throw fail(key, "a list of objects")
            }
        }
        func optionalObject(_ key: String) throws -> Reader? {
            switch object[key] {
            case nil, .null?: return nil
            case .object(let o)?: return Reader(object: o, path: "\(path).\(key)")
            default: throw fail(key, "an object or null")
            }
        }
    }
}
