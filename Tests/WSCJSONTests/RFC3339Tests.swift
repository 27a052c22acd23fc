import Testing
import WSCJSON

@Suite struct RFC3339Tests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)), ("2026-11-21T00:00:00Z", 1_795_219_200),
        ("2024-02-29T12:00:00Z", 1_709_208_000),
        ("2026-11-21T01:00:00+01:00", 1_795_219_200), ("2026-11-21T00:00:00.999Z", 1_795_219_200),
        ("2026-11-20t23:00:00-01:00", 1_795_219_200), ("2026-11-21T00:00:60z", 1_795_219_259),
    ])
    func parses(text: String, seconds: Int64) {
        #expect(RFC3339.parse(text) == seconds)
    }

    @Test(arguments: [
        "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-21 00:00:00Z", "2026-11-21T00:00:00", "", "x",
        "2026-11-21T00:00Z", "2026-11-21T00:00:00.Z", "2026-11-21T00:00:00+0100", "2026-11-21T24:00:00Z",
        "2026-11-21T00:00:00Z ",
    ])
    func rejects(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func roundTrip() {
        for t in stride(from: Int64(0), to: 4_102_444_800, by: 86_399 * 37) {
            #expect(RFC3339.parse(RFC3339.format(t)) == t)
        }
    }

    /// Found by the `rfc3339` fuzz target (Fuzz/Corpus/rfc3339/crash-year-*): an offset that moves the instant
    /// out of years 0000-9999 was accepted, and `format` then wrote text that does not parse (`00-1-12-31T23:00:00Z`).
    @Test(arguments: ["0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0000-01-01T00:59:59+01:00"])
    func rejectsInstantsOutsideYears0000To9999(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func acceptsTheFirstAndLastRepresentableInstants() {
        let first = RFC3339.parse("0000-01-01T01:00:00+01:00")
        let last = RFC3339.parse("9999-12-31T22:59:59-01:00")
        #expect(first == -62_167_219_200)
        #expect(last == 253_402_300_799)
        #expect(first.map(RFC3339.format) == "0000-01-01T00:00:00Z")
        #expect(last.map(RFC3339.format) == "9999-12-31T23:59:59Z")
    }

    @Test func formatsBeforeTheEpoch() {
        #expect(RFC3339.format(-1) == "1969-12-31T23:59:59Z")
        #expect(RFC3339.format(1_795_219_200) == "2026-11-21T00:00:00Z")
    }
}
