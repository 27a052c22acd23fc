import Testing

@testable import TUF

@Suite struct TUFTimeTests {
    /// tuf-conformance's `faketime` files put a space where RFC 3339 has `T`; everything else stays strict.
    @Test func parsesTheFaketimeForm() {
        #expect(TUFTime.parse("2025-02-09 12:02:08+00:00") == TUFTime.parse("2025-02-09T12:02:08Z"))
        #expect(TUFTime.parse("2025-02-09T12:02:08Z") == 1_739_102_528)
        #expect(TUFTime.parse("2025-02-09 12:02:08") == nil)
        #expect(TUFTime.parse("2025-02-09_12:02:08Z") == nil)
    }

    /// Spec section 4.2: `expires` is exactly `YYYY-MM-DDTHH:MM:SSZ`.
    @Test func expiresIsTheShortFormOnly() {
        #expect(TUFTime.parseExpires("2030-01-01T00:00:00Z") == 1_893_456_000)
        #expect(TUFTime.parseExpires("2030-01-01 00:00:00Z") == nil)
        #expect(TUFTime.parseExpires("2030-01-01T00:00:00+00:00") == nil)
        #expect(TUFTime.parseExpires("2030-01-01T00:00:00.5Z") == nil)
        #expect(TUFTime.parseExpires("2030-01-01t00:00:00z") == nil)
    }
}
