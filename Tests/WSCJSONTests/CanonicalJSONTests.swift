import Testing
import WSCJSON

@Suite struct CanonicalJSONTests {
    @Test func specVector() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":[true,false,null],"c":"x\"y\\z\n"}"#)
        let expected = Array(#"{"a":[true,false,null],"b":1,"c":"x\"y\\z"#.utf8) + [0x0A] + Array(#""}"#.utf8)
        #expect(try CanonicalJSON.encode(value) == expected)
    }

    @Test func keysInCodePointOrder() throws {
        let keys = ["f", "e\u{301}", "é", "\u{FFFD}", "\u{1F600}"]
        let object = try JSONObject(keys.map { ($0, JSONValue.null) })
        let expectedOrder = ["e\u{301}", "f", "é", "\u{FFFD}", "\u{1F600}"]
        #expect(object.keys.map { Array($0.utf8) } == expectedOrder.map { Array($0.utf8) })
        let expected = "{" + expectedOrder.map { "\"\($0)\":null" }.joined(separator: ",") + "}"
        #expect(try CanonicalJSON.encode(.object(object)) == Array(expected.utf8))
    }

    @Test func numbersThrow() {
        let error = thrownError { _ = try CanonicalJSON.encode(.array([.integer(1), .number("1.0")])) }
        #expect(error?.code == .notAnInteger)
    }

    @Test func controlAndNonASCIIAreRaw() throws {
        let value = JSONValue.string("\u{0}\u{1F}\t\u{7F}é😀/")
        #expect(try CanonicalJSON.encode(value) == [0x22] + Array("\u{0}\u{1F}\t\u{7F}é😀/".utf8) + [0x22])
        #expect(try CanonicalJSON.encode(.string(#"a"b\c"#)) == Array(#""a\"b\\c""#.utf8))
    }

    @Test func scalars() throws {
        #expect(try CanonicalJSON.encode(.integer(.min)) == Array("-9223372036854775808".utf8))
        #expect(try CanonicalJSON.encode(.integer(0)) == Array("0".utf8))
        #expect(try CanonicalJSON.encode(.bool(true)) == Array("true".utf8))
        #expect(try CanonicalJSON.encode(.null) == Array("null".utf8))
        #expect(try CanonicalJSON.encode(.array([])) == Array("[]".utf8))
        #expect(try CanonicalJSON.encode(.object(JSONObject([]))) == Array("{}".utf8))
    }

    struct Vector: CustomTestStringConvertible, Sendable {
        let name: String
        let input: String
        let expected: String
        var testDescription: String { name }
    }

    /// Computed with Python 3: `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`,
    /// which equals securesystemslib's `encode_canonical` for inputs without control characters.
    /// SHA-256 of the expected bytes, for reference: 105359bb…c7f5c8, 02c695bb…284075, 8e0d515c…5d6ffb.
    static let pythonVectors: [Vector] = [
        Vector(
            name: "TUF targets",
            input:
                #"{"signed":{"_type":"targets","expires":"2030-01-01T00:00:00Z","spec_version":"1.0.31","targets":{"app.wasm":{"hashes":{"sha256":"ab"},"length":1024}},"version":7},"signatures":[{"keyid":"k1","sig":"00ff"}]}"#,
            expected:
                "{\"signatures\":[{\"keyid\":\"k1\",\"sig\":\"00ff\"}],\"signed\":{\"_type\":\"targets\",\"expires\":\"2030-01-01T00:00:00Z\",\"spec_version\":\"1.0.31\",\"targets\":{\"app.wasm\":{\"hashes\":{\"sha256\":\"ab\"},\"length\":1024}},\"version\":7}}"
        ),
        Vector(
            name: "Unicode keys and Int64 bounds",
            input:
                #"{"\u00e9":1,"e\u0301":2,"z":[-9223372036854775808,9223372036854775807,0],"\ud83d\ude00":"\u4e2d\u6587 \"quoted\" back\\slash /","A":null,"a":true,"B":false}"#,
            expected:
                "{\"A\":null,\"B\":false,\"a\":true,\"e\u{301}\":2,\"z\":[-9223372036854775808,9223372036854775807,0],\"\u{E9}\":1,\"\u{1F600}\":\"\u{4E2D}\u{6587} \\\"quoted\\\" back\\\\slash /\"}"
        ),
        Vector(
            name: "nesting and empty key",
            input:
                #"{"nested":{"b":{"d":[],"c":{}},"a":[[1,[2,[3]]],"\u00fc\u00f1\u00ee"]},"":"empty key","~":"\ufffd"}"#,
            expected:
                "{\"\":\"empty key\",\"nested\":{\"a\":[[1,[2,[3]]],\"\u{FC}\u{F1}\u{EE}\"],\"b\":{\"c\":{},\"d\":[]}},\"~\":\"\u{FFFD}\"}"
        ),
    ]

    @Test(arguments: pythonVectors)
    func matchesPython(_ vector: Vector) throws {
        let value = try JSONParser.parse(vector.input)
        let encoded = try CanonicalJSON.encode(value)
        #expect(encoded == Array(vector.expected.utf8))
        // Canonical output is itself valid JSON that re-encodes to the same bytes.
        #expect(try CanonicalJSON.encode(JSONParser.parse(encoded)) == encoded)
    }
}
