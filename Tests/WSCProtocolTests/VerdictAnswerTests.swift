import Testing
import WSCJSON

@testable import WSCProtocol

/// The verdict's one JSON shape: encoded and decoded by the same type.
@Suite struct VerdictAnswerTests {
    static let full = VerdictAnswer(
        module: "m.wasm", valid: false, code: "thresholdNotMet", failedCheck: "policy.threshold",
        reason: "rule \"payments\" needs 2", kind: "keyless", rule: "payments", signers: ["release"],
        authorities: [
            .init(
                name: "release", kind: "identity", signer: "ci@example.com (https://issuer)",
                evidence: "sigstore-embedded", logIndex: 42, integratedTime: 1_700_000_000, timestamped: true)
        ],
        evidence: [
            .init(form: "sigstore-embedded", proved: ["release"], problems: []),
            .init(
                form: "wasmsig-embedded", proved: [],
                problems: [.init(code: "contentModified", check: "wasmsig.content", reason: "alice signed other bytes")]
            ),
        ],
        bundleVersion: 7, contentSha256: String(repeating: "ab", count: 32), warnings: ["clock: evidence time"],
        policy: "at least 2",
        keyless: .init(
            identity: "ci@example.com", issuer: "https://issuer", logIndex: 42, integratedTime: nil, form: "embedded"))

    @Test func encodesAndDecodesToTheSameValue() throws {
        let text = JSONWriter.encode(.object(Self.full.json))
        let parsed = try JSONParser.parse(text).asObject("verdict")
        #expect(try VerdictAnswer(json: parsed) == Self.full)
        #expect(parsed["code"] == .string("thresholdNotMet"))
        #expect(parsed["rule"] == .string("payments"))
    }

    @Test func validVerdictsOmitTheRefusalFields() throws {
        var valid = Self.full
        valid.valid = true
        valid.code = nil
        valid.failedCheck = nil
        valid.reason = nil
        valid.module = nil
        let object = valid.json
        #expect(object["code"] == nil)
        #expect(object["reason"] == nil)
        #expect(object["module"] == nil)
        #expect(try VerdictAnswer(json: object) == valid)
    }

    static let broken: [(String, JSONValue)] = [
        ("valid", .string("yes")), ("signers", .string("alice")), ("authorities", .array([.integer(1)])),
        ("bundleVersion", .string("7")), ("keyless", .array([])), ("code", .integer(3)),
    ]

    @Test(arguments: broken)
    func aMalformedVerdictIsABadFrameNamingTheField(_ key: String, _ value: JSONValue) throws {
        var members = Self.full.json.members.filter { $0.key != key }.map { ($0.key, $0.value) }
        members.append((key, value))
        do {
            _ = try VerdictAnswer(json: try JSONObject(members))
            Issue.record("accepted \(key) = \(value)")
        } catch let error as ProtocolError {
            #expect(error.code == .badFrame)
            #expect(error.message.contains(key), "\(error.message)")
        }
    }
}
