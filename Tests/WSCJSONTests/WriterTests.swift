import Testing
import WSCJSON

@Suite struct WriterTests {
    @Test func escapesPerRFC8259() {
        let value = JSONValue.string("\"\\/\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}é😀")
        let expected = #""\"\\/\n\r\t\b\f\u0000\u001f"# + "\u{7F}é😀\""
        #expect(text(JSONWriter.encode(value)) == expected)
    }

    @Test func compactOutput() throws {
        let value = try JSONParser.parse(#"{ "b" : [1, true, null], "a" : {"y": "z"}, "c": [] }"#)
        #expect(text(JSONWriter.encode(value)) == #"{"a":{"y":"z"},"b":[1,true,null],"c":[]}"#)
    }

    @Test func prettyOutput() throws {
        let value = try JSONParser.parse(#"{"b":[1,{}],"a":{"y":"z"},"c":[],"d":{}}"#)
        let expected = """
            {
              "a": {
                "y": "z"
              },
              "b": [
                1,
                {}
              ],
              "c": [],
              "d": {}
            }
            """
        #expect(text(JSONWriter.encode(value, pretty: true)) == expected)
    }

    @Test func numbersWrittenAsLexeme() {
        #expect(text(JSONWriter.encode(.array([.number("1.50"), .integer(-3)]))) == "[1.50,-3]")
    }
}
