import Testing
import WSCJSON

@testable import WSCProtocol

/// The verify request's header and body layout, defined once for client and daemon.
@Suite struct VerifyRequestTests {
    func header(_ fields: [(String, JSONValue)]) throws -> JSONObject {
        try JSONObject([("id", .integer(1)), ("op", .string("verify"))] + fields)
    }

    @Test func roundTripThroughTheHeader() throws {
        var request = VerifyRequest(
            evidence: .keyless, authorities: ["alice", "ci"], require: 2, moduleName: "payments-api",
            requireTlog: true)
        let body = request.body(module: [1, 2, 3], signature: [4, 5], sigstoreBundle: [6, 7, 8, 9])
        #expect(body == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let parsed = try VerifyRequest(header: header(request.headerFields))
        #expect(parsed == request)
        let parts = try parsed.split(body)
        #expect(parts.module == [1, 2, 3])
        #expect(parts.signature == [4, 5])
        #expect(parts.sigstoreBundle == [6, 7, 8, 9])
    }

    @Test func descriptorBodiesHoldOnlyTheDetachedPieces() throws {
        var request = VerifyRequest(moduleByDescriptor: true)
        let body = request.body(module: [1, 2, 3], signature: nil, sigstoreBundle: [6, 7])
        #expect(body == [6, 7])
        let parsed = try VerifyRequest(header: header(request.headerFields))
        let parts = try parsed.split(body)
        #expect(parts.module == nil)
        #expect(parts.signature == nil)
        #expect(parts.sigstoreBundle == [6, 7])
        #expect(throws: ProtocolError(.badRequest, "")) { try parsed.split(body + [0]) }
    }

    @Test func olderPublishersFieldReadsAsAuthorities() throws {
        let parsed = try VerifyRequest(header: header([("publishers", .array([.string("alice")]))]))
        #expect(parsed.authorities == ["alice"])
        #expect(parsed.evidence == .any)
    }

    static let badHeaders: [(String, JSONValue)] = [
        ("kind", .string("everything")), ("kind", .integer(1)),
        ("authorities", .string("alice")), ("authorities", .array([.integer(1)])),
        ("authorities", .array([.string("")])),
        ("authorities", .array(Array(repeating: .string("a"), count: 257))),
        ("require", .integer(0)), ("require", .integer(-1)), ("require", .string("2")), ("require", .integer(1 << 40)),
        ("moduleName", .string("")), ("moduleName", .string(String(repeating: "m", count: 257))),
        ("requireTlog", .string("yes")), ("fd", .integer(1)),
        ("signatureLength", .integer(-1)), ("signatureLength", .integer((1 << 20) + 1)),
        ("sigstoreBundleLength", .integer((1 << 20) + 1)), ("sigstoreBundleLength", .string("10")),
    ]

    @Test(arguments: badHeaders)
    func badFieldsAreBadRequestsNamingTheField(_ key: String, _ value: JSONValue) throws {
        do {
            _ = try VerifyRequest(header: header([(key, value)]))
            Issue.record("accepted \(key) = \(value)")
        } catch let error as ProtocolError {
            #expect(error.code == .badRequest)
            #expect(error.message.contains(key == "authorities" ? "authorities" : key), "\(error.message)")
        }
    }

    @Test func inlineBodyMustHoldAModule() throws {
        let parsed = try VerifyRequest(
            header: header([("signatureLength", .integer(2)), ("sigstoreBundleLength", .integer(2))]))
        #expect(throws: ProtocolError(.badRequest, "")) { try parsed.split([1, 2, 3, 4]) }
        #expect(throws: ProtocolError(.badRequest, "")) { try parsed.split([1, 2, 3]) }
        #expect(try parsed.split([0, 1, 2, 3, 4]).module == [0])
    }
}
