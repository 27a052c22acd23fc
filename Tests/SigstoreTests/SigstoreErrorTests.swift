import Sigstore
import Testing

@Suite struct SigstoreErrorTests {
    @Test func equalityComparesCodesOnly() {
        #expect(SigstoreError(.malformedBundle, "a") == SigstoreError(.malformedBundle, "b"))
        #expect(SigstoreError(.malformedBundle, "a") != SigstoreError(.setInvalid, "a"))
        #expect(SigstoreError(.setInvalid, "bad SET").description == "setInvalid: bad SET")
    }
}
