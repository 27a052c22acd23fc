import Testing
import TrustStore

struct EvidenceTimeTests {
    @Test func aClockBelowTheFloorMeansEvidenceTimeAndAWarning() throws {
        let time = TrustedTime(systemClock: 86400, floor: BundleFixtures.now, clockSynchronized: false)
        #expect(time.now == BundleFixtures.now)
        #expect(time.onEvidenceTime)
        let warning = try #require(time.evidenceWarning)
        #expect(warning.hasPrefix("clock:"))
        #expect(warning.contains("1970-01-02T00:00:00Z"))
        #expect(warning.contains("2026-11-21T00:00:00Z"))
        #expect(warning.contains("not synchronized"))
        #expect(time.sourceDescription.hasPrefix("EVIDENCE"))
    }

    @Test func aPlausibleClockIsUsedWithoutWarning() {
        let time = TrustedTime(systemClock: BundleFixtures.now + 10, floor: BundleFixtures.now, clockSynchronized: nil)
        #expect(time.now == BundleFixtures.now + 10)
        #expect(!time.onEvidenceTime)
        #expect(time.evidenceWarning == nil)
        #expect(time.sourceDescription == "system clock, synchronization unknown")
    }

    @Test func evidenceOnlyRaisesTheFloor() {
        let time = TrustedTime(systemClock: 86400, floor: BundleFixtures.now, clockSynchronized: true)
        #expect(time.raised(to: BundleFixtures.now - 100).now == BundleFixtures.now)
        let raised = time.raised(to: BundleFixtures.now + 100)
        #expect(raised.now == BundleFixtures.now + 100)
        #expect(raised.floor == BundleFixtures.now + 100)
        #expect(raised.systemClock == 86400)
        #expect(raised.clockSynchronized == true)
    }
}
