import Testing

@testable import WSCConfiguration

@Suite struct TOMLLineIndexTests {
    @Test func findsHeadersKeysAndDottedKeysAndSkipsMultiLineStrings() {
        let text = """
            # comment
            top.a = 1
            [server]
            workers = 1
            note = \"\"\"
            fake = 1
            [fake]
            \"\"\"
            "quoted key" = 2
            lit = '''
            other = 3'''
            [ trust . "x" ]  # comment
            b = [
              "c = d",
            ]
            [[tuf]]
            z = 1
            """
        let index = TOMLLineIndex(text: text)
        #expect(index.line(of: ["top"]) == 2)
        #expect(index.line(of: ["top", "a"]) == 2)
        #expect(index.line(of: ["server"]) == 3)
        #expect(index.line(of: ["server", "workers"]) == 4)
        #expect(index.line(of: ["server", "note"]) == 5)
        #expect(index.line(of: ["server", "fake"]) == 3)  // inside a string: falls back to the table
        #expect(index.line(of: ["fake"]) == nil)
        #expect(index.line(of: ["server", "quoted key"]) == 9)
        #expect(index.line(of: ["server", "other"]) == 3)
        #expect(index.line(of: ["trust", "x"]) == 12)
        #expect(index.line(of: ["trust", "x", "b"]) == 13)
        #expect(index.line(of: ["trust", "x", "c"]) == 12)
        #expect(index.line(of: ["tuf", "z"]) == 17)
        #expect(index.line(of: []) == nil)
    }
}
