import Testing
import WSCJSON

@Suite struct ParserTests {
    static let validDocuments: [String] = [
        "null", "true", "false", "0", "-0", "42", "-17", "9223372036854775807", "-9223372036854775808",
        #""""#, #""plain ascii""#, #""\"\\\/\b\f\n\r\t""#, #""\u0000 nul and \u001f unit separator""#,
        #""\u00e9 e\u0301 \ud83d\ude00 \uFFFD \u2028""#, "\"raw é and 😀 and 中文\"", "[]", "{}", " \t\r\n [ 1 , 2 ] \n",
        #"[null,true,false,0,"s",[],{}]"#, #"{"b":1,"a":2,"c":{"z":[],"y":{}}}"#,
        #"{"\u00e9":"nfc","e\u0301":"nfd"}"#, #"{"":"empty key","\u0000":"nul key"}"#,
        #"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"#,
        #"{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z","keys":{}},"signatures":[]}"#,
    ]

    @Test(arguments: validDocuments)
    func roundTripsThroughWriter(_ document: String) throws {
        let value = try JSONParser.parse(document)
        #expect(try JSONParser.parse(JSONWriter.encode(value)) == value)
        #expect(try JSONParser.parse(JSONWriter.encode(value, pretty: true)) == value)
        // Writing is deterministic: a second round trip produces the same bytes.
        let once = JSONWriter.encode(value)
        #expect(JSONWriter.encode(try JSONParser.parse(once)) == once)
        #expect(try JSONParser.parse(Array(document.utf8)) == value)
    }

    static let badInputs: [BadInput] = [
        // Grammar.
        BadInput("empty input", "", .syntax),
        BadInput("only whitespace", " \n\t ", .syntax),
        BadInput("byte order mark", [0xEF, 0xBB, 0xBF] + Array("{}".utf8), .syntax),
        BadInput("trailing data", "{} x", .syntax),
        BadInput("two values", "1 2", .syntax),
        BadInput("trailing comma in array", "[1,]", .syntax),
        BadInput("trailing comma in object", #"{"a":1,}"#, .syntax),
        BadInput("missing comma", "[1 2]", .syntax),
        BadInput("missing colon", #"{"a" 1}"#, .syntax),
        BadInput("unquoted key", "{a:1}", .syntax),
        BadInput("single quotes", "['a']", .syntax),
        BadInput("unclosed array", "[1", .syntax),
        BadInput("unclosed object", #"{"a":1"#, .syntax),
        BadInput("unterminated string", #""abc"#, .syntax),
        BadInput("bad literal", "tru", .syntax),
        BadInput("capitalised literal", "True", .syntax),
        BadInput("NaN", "NaN", .syntax),
        BadInput("comment", "[1] // no", .syntax),
        BadInput("form feed is not whitespace", "\u{0C}1", .syntax),
        BadInput("non-breaking space is not whitespace", "\u{A0}1", .syntax),
        BadInput("raw non-ASCII outside a string", "[é]", .syntax),
        // Numbers.
        BadInput("leading zero", "01", .syntax),
        BadInput("negative leading zero", "-01", .syntax),
        BadInput("plus sign", "+1", .syntax),
        BadInput("lone minus", "-", .syntax),
        BadInput("dot without digits", "1.", .syntax),
        BadInput("leading dot", ".5", .syntax),
        BadInput("exponent without digits", "1e", .syntax),
        BadInput("hex number", "0x10", .syntax),
        BadInput("fraction", "1.0", .notAnInteger),
        BadInput("exponent", "1e2", .notAnInteger),
        BadInput("negative exponent", "-5E-3", .notAnInteger),
        BadInput("fraction in an object", #"{"version":1.5}"#, .notAnInteger),
        BadInput("Int64 overflow", "9223372036854775808", .limitExceeded),
        BadInput("Int64 underflow", "-9223372036854775809", .limitExceeded),
        BadInput("huge integer", String(repeating: "9", count: 400), .limitExceeded),
        // Strings.
        BadInput("raw newline in string", "\"a\nb\"", .invalidString),
        BadInput("raw tab in string", "\"a\tb\"", .invalidString),
        BadInput("raw NUL in string", [0x22, 0x00, 0x22], .invalidString),
        BadInput("raw control after escape", "\"\\n\u{1F}\"", .invalidString),
        BadInput("unknown escape", #""\x41""#, .invalidString),
        BadInput("escaped apostrophe", #""\'""#, .invalidString),
        BadInput("short unicode escape", #""\u12""#, .invalidString),
        BadInput("non-hex unicode escape", #""\u12G4""#, .invalidString),
        BadInput("lone high surrogate", #""\ud83d""#, .invalidString),
        BadInput("high surrogate then text", #""\ud83dx""#, .invalidString),
        BadInput("high surrogate then non-surrogate escape", #""\ud83d\u0041""#, .invalidString),
        BadInput("two high surrogates", #""\ud83d\ud83d""#, .invalidString),
        BadInput("lone low surrogate", #""\ude00""#, .invalidString),
        // UTF-8.
        BadInput("invalid byte 0xFF", [0x22, 0xFF, 0x22], .invalidUTF8),
        BadInput("stray continuation byte", [0x22, 0x80, 0x22], .invalidUTF8),
        BadInput("overlong slash", [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8),
        BadInput("overlong 3-byte", [0x22, 0xE0, 0x80, 0xAF, 0x22], .invalidUTF8),
        BadInput("overlong 4-byte", [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], .invalidUTF8),
        BadInput("UTF-8 encoded surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8),
        BadInput("above U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8),
        BadInput("truncated sequence", [0x22, 0xE2, 0x82, 0x22], .invalidUTF8),
        BadInput("truncated at end", [0x22, 0xE2, 0x82], .invalidUTF8),
        BadInput("invalid byte outside string", [0x5B, 0x31, 0x5D, 0xFE], .invalidUTF8),
        // Duplicate keys.
        BadInput("duplicate key", #"{"a":1,"a":2}"#, .duplicateKey),
        BadInput("duplicate key, same value", #"{"a":1,"b":0,"a":1}"#, .duplicateKey),
        BadInput("duplicate key via escape", #"{"\u0061":1,"a":2}"#, .duplicateKey),
        BadInput("duplicate NFC key via escape", #"{"é":1,"\u00e9":2}"#, .duplicateKey),
        BadInput("duplicate key nested", #"[{"x":{"k":1,"k":1}}]"#, .duplicateKey),
        // Limits.
        BadInput("too deep", String(repeating: "[", count: 65) + String(repeating: "]", count: 65), .limitExceeded),
        BadInput(
            "too deep objects", String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65),
            .limitExceeded),
        BadInput("depth limit 2", "[[[]]]", .limitExceeded, limits: .with { $0.maximumDepth = 2 }),
        BadInput("too many bytes", "[1, 2]", .limitExceeded, limits: .with { $0.maximumBytes = 5 }),
        BadInput("string too long", #""abcde""#, .limitExceeded, limits: .with { $0.maximumStringBytes = 4 }),
        BadInput(
            "escaped string too long", #""ab\ncd""#, .limitExceeded, limits: .with { $0.maximumStringBytes = 4 }),
        BadInput("key too long", #"{"abcde":1}"#, .limitExceeded, limits: .with { $0.maximumStringBytes = 4 }),
        BadInput("array too long", "[1,2,3,4]", .limitExceeded, limits: .with { $0.maximumArrayCount = 3 }),
        BadInput(
            "object too big", #"{"a":1,"b":2,"c":3}"#, .limitExceeded, limits: .with { $0.maximumObjectMembers = 2 }),
    ]

    @Test(arguments: badInputs)
    func rejectsBadInput(_ input: BadInput) {
        let error = parseError(input.bytes, limits: input.limits)
        #expect(error?.code == input.code, "\(String(describing: error))")
        #expect(error?.offset != nil)
    }

    @Test func limitsAtTheBoundaryAreAccepted() throws {
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(deep)
        _ = try JSONParser.parse("[1, 2]", limits: .with { $0.maximumBytes = 6 })
        _ = try JSONParser.parse(#""abcd""#, limits: .with { $0.maximumStringBytes = 4 })
        _ = try JSONParser.parse(#""ab\ncd""#, limits: .with { $0.maximumStringBytes = 5 })
        _ = try JSONParser.parse("[1,2,3]", limits: .with { $0.maximumArrayCount = 3 })
        _ = try JSONParser.parse(#"{"a":1,"b":2}"#, limits: .with { $0.maximumObjectMembers = 2 })
    }

    /// Ill-formed UTF-8 is found at its offset after ASCII runs of every length and alignment (the validator
    /// reads ASCII eight bytes at a time), and well-formed sequences after such runs still parse.
    @Test func invalidUTF8IsFoundAfterASCIIRunsOfAnyLength() throws {
        for run in 0..<24 {
            let ascii = [UInt8](repeating: 0x61, count: run)
            for bad: [UInt8] in [[0xFF], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80]] {
                let error = parseError([0x22] + ascii + bad + ascii + [0x22])
                #expect(error?.code == .invalidUTF8)
                #expect(error?.offset == 1 + run)
            }
            let text = String(repeating: "a", count: run) + "é😀中" + String(repeating: "a", count: run)
            #expect(try JSONParser.parse([0x22] + Array(text.utf8) + [0x22]) == .string(text))
        }
    }

    @Test func limitsAreCheckedBeforeWork() {
        let small = JSONLimits.with { $0.maximumBytes = 5 }
        #expect(thrownError { _ = try JSONParser.parse("[1, 2]", limits: small) }?.code == .limitExceeded)
        // A hostile nesting depth fails at the limit instead of exhausting the stack.
        let deep = String(repeating: "[", count: 200_000)
        let error = parseError(Array(deep.utf8))
        #expect(error?.code == .limitExceeded)
        #expect(error?.offset == 64)
    }

    @Test func stringLimitCountsDecodedBytes() throws {
        // Six escaped bytes decode to two UTF-8 bytes.
        let value = try JSONParser.parse(#""\u00e9""#, limits: .with { $0.maximumStringBytes = 2 })
        #expect(value == .string("é"))
    }

    @Test func integers() throws {
        #expect(try JSONParser.parse("0") == .integer(0))
        #expect(try JSONParser.parse("-0") == .integer(0))
        #expect(try JSONParser.parse("123") == .integer(123))
        #expect(try JSONParser.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONParser.parse("9223372036854775807") == .integer(.max))
    }

    @Test func nonIntegerNumbersWhenAllowed() throws {
        let limits = JSONLimits.with { $0.allowNonIntegerNumbers = true }
        #expect(try JSONParser.parse("1.0", limits: limits) == .number("1.0"))
        #expect(try JSONParser.parse("1e2", limits: limits) == .number("1e2"))
        #expect(try JSONParser.parse("-0.5E+10", limits: limits) == .number("-0.5E+10"))
        #expect(try JSONParser.parse("9223372036854775808", limits: limits) == .number("9223372036854775808"))
        #expect(try JSONParser.parse("7", limits: limits) == .integer(7))
        #expect(try JSONParser.parse("[1.50]", limits: limits) == .array([.number("1.50")]))
        // Still validated against the grammar.
        for bad in ["01.5", "1.", ".5", "1e", "1e+", "-", "1.e3"] {
            #expect(parseError(Array(bad.utf8), limits: limits)?.code == .syntax, "\(bad)")
        }
    }

    @Test func escapesDecode() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u4E2D\ud83d\ude00""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé中😀"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func stringsKeepTheirExactBytes() throws {
        // NFD stays NFD: no normalization.
        let value = try JSONParser.parse("\"e\u{301}\"")
        guard case .string(let text) = value else {
            Issue.record("not a string")
            return
        }
        #expect(Array(text.utf8) == [0x65, 0xCC, 0x81])
        #expect(value != .string("\u{E9}"))
    }

    @Test func nfcAndNfdKeysAreDistinct() throws {
        let value = try JSONParser.parse(#"{"\u00e9":"nfc","e\u0301":"nfd","f":"f"}"#)
        let object = try value.asObject("doc")
        #expect(object.count == 3)
        #expect(object["\u{E9}"] == .string("nfc"))
        #expect(object["e\u{301}"] == .string("nfd"))
        #expect(object["f"] == .string("f"))
        #expect(object["e"] == nil)
        #expect(object.keys.map { Array($0.utf8) } == [[0x65, 0xCC, 0x81], [0x66], [0xC3, 0xA9]])
        // Raw (unescaped) spellings behave the same.
        let raw = try JSONParser.parse("{\"\u{E9}\":1,\"e\u{301}\":2}").asObject("raw")
        #expect(raw.count == 2)
        #expect(raw["e\u{301}"] == .integer(2))
        #expect(raw["\u{E9}"] == .integer(1))
    }

    @Test func objectsAreSortedByKeyBytes() throws {
        let object = try JSONParser.parse(#"{"b":1,"a":2,"B":3,"":4,"aa":5}"#).asObject("doc")
        #expect(object.keys == ["", "B", "a", "aa", "b"])
        #expect(object["aa"] == .integer(5))
        #expect(object["ab"] == nil)
    }

    @Test func errorsNameOffsetAndExpectation() {
        let comma = parseError(Array("[1 2]".utf8))
        #expect(comma?.offset == 3)
        #expect(comma?.reason.contains("expected ',' or ']'") == true)
        #expect(comma?.description.contains("at byte 3") == true)

        let duplicate = parseError(Array(#"{"a":1, "a":2}"#.utf8))
        #expect(duplicate?.offset == 8)
        #expect(duplicate?.reason.contains(#""a""#) == true)

        let fraction = parseError(Array("[10, 2.5]".utf8))
        #expect(fraction?.offset == 5)
        #expect(fraction?.reason.contains("2.5") == true)

        let utf8 = parseError([0x22, 0x61, 0xC0, 0xAF, 0x22])
        #expect(utf8?.offset == 2)

        let control = parseError(Array("\"ab\u{1}\"".utf8))
        #expect(control?.offset == 3)
        #expect(control?.reason.contains("U+0001") == true)

        let trailing = parseError(Array("{} }".utf8))
        #expect(trailing?.offset == 3)
        #expect(trailing?.reason.contains("expected end of input") == true)
    }

    @Test func parsesStringAndBytesAlike() throws {
        let document = #"{"k":["v",1,true,null]}"#
        #expect(try JSONParser.parse(document) == JSONParser.parse(Array(document.utf8)))
    }

    @Test func largeDocument() throws {
        var document = "{"
        for index in 0..<20_000 {
            if index > 0 { document += "," }
            document += #""target-\#(index).wasm":{"length":\#(index),"hashes":{"sha256":"\#(index)"}}"#
        }
        document += "}"
        let object = try JSONParser.parse(document).asObject("targets")
        #expect(object.count == 20_000)
        #expect(
            try object.require("target-19999.wasm", "targets").asObject("t").require("length", "t") == .integer(19_999))
    }
}
