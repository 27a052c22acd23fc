import Testing
import WSCJSON

@Suite struct AccessTests {
    let root: JSONObject

    init() throws {
        root = try JSONParser.parse(
            #"{"signed":{"version":3,"name":"n","flag":true,"list":[1],"nothing":null},"signatures":[]}"#
        ).asObject("root")
    }

    @Test func typedAccessSucceeds() throws {
        let signed = try root.require("signed", "root").asObject("root.signed")
        #expect(try signed.require("version", "root.signed").asInteger("root.signed.version") == 3)
        #expect(try signed.require("name", "root.signed").asString("root.signed.name") == "n")
        #expect(try signed.require("flag", "root.signed").asBool("root.signed.flag"))
        #expect(try signed.require("list", "root.signed").asArray("root.signed.list") == [.integer(1)])
        #expect(try signed.require("nothing", "root.signed") == .null)
    }

    @Test func typeMismatchNamesThePath() throws {
        let signed = try root.require("signed", "root").asObject("root.signed")
        let version = try signed.require("version", "root.signed")
        let cases: [(JSONError?, String)] = [
            (thrownError { _ = try version.asString("root.signed.version") }, "a string"),
            (thrownError { _ = try version.asObject("root.signed.version") }, "an object"),
            (thrownError { _ = try version.asArray("root.signed.version") }, "an array"),
            (thrownError { _ = try version.asBool("root.signed.version") }, "a boolean"),
        ]
        for (error, expected) in cases {
            #expect(error?.code == .typeMismatch)
            #expect(error?.reason == "root.signed.version must be \(expected), found an integer")
        }
        let number = thrownError { _ = try JSONValue.number("1.0").asInteger("x.length") }
        #expect(number?.code == .typeMismatch)
        #expect(number?.reason.contains("x.length") == true)
    }

    @Test func missingKeyNamesThePath() throws {
        let signed = try root.require("signed", "root").asObject("root.signed")
        let error = thrownError { _ = try signed.require("expires", "root.signed") }
        #expect(error?.code == .missingKey)
        #expect(error?.reason == "root.signed.expires is required")
        #expect(error?.offset == nil)
    }

    @Test func optionalDistinguishesNullFromAbsent() throws {
        let signed = try root.require("signed", "root").asObject("root.signed")
        #expect(signed.optional("nothing") == .null)
        #expect(signed.optional("absent") == nil)
        #expect(signed.optional("version") == .integer(3))
    }

    @Test func rejectUnknownKeys() throws {
        try root.rejectUnknownKeys(allowed: ["signed", "signatures"], "root")
        try root.rejectUnknownKeys(allowed: ["signed", "signatures", "extra"], "root")
        let error = thrownError { try root.rejectUnknownKeys(allowed: ["signed"], "root") }
        #expect(error?.code == .unknownKey)
        #expect(error?.reason.contains(#""signatures""#) == true)
        #expect(error?.reason.contains("root") == true)
    }

    @Test func rejectUnknownKeysComparesBytes() throws {
        let object = try JSONParser.parse(#"{"e\u0301":1}"#).asObject("o")
        // The NFC spelling is canonically equivalent but has different bytes.
        let error = thrownError { try object.rejectUnknownKeys(allowed: ["\u{E9}"], "o") }
        #expect(error?.code == .unknownKey)
        try object.rejectUnknownKeys(allowed: ["e\u{301}"], "o")
    }

    @Test func objectInitializerSortsAndRejectsDuplicates() throws {
        let object = try JSONObject([("b", .integer(1)), ("a", .integer(2)), ("\u{E9}", .null), ("e\u{301}", .null)])
        #expect(object.keys.map { Array($0.utf8) } == [[0x61], [0x62], [0x65, 0xCC, 0x81], [0xC3, 0xA9]])
        #expect(object["a"] == .integer(2))
        let error = thrownError { _ = try JSONObject([("a", .integer(1)), ("b", .null), ("a", .integer(2))]) }
        #expect(error?.code == .duplicateKey)
    }

    @Test func equalityIsByteExact() throws {
        #expect(JSONValue.string("\u{E9}") != .string("e\u{301}"))
        #expect(JSONValue.string("\u{E9}") == .string("\u{E9}"))
        let nfc = try JSONObject([("\u{E9}", .null)])
        let nfd = try JSONObject([("e\u{301}", .null)])
        #expect(nfc != nfd)
        #expect(Set([JSONValue.string("\u{E9}"), .string("e\u{301}")]).count == 2)
        #expect(JSONError(.syntax, "one", offset: 1) == JSONError(.syntax, "two"))
        #expect(JSONError(.syntax, "one") != JSONError(.missingKey, "one"))
    }
}
