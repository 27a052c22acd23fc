import InMemoryLogging
import Logging
import Testing

@testable import TrustStore

/// What the trust store reports through the logger it is given (issue 14: swift-log injected into TrustStore).
@Suite struct TrustStoreLoggingTests {
    let f: BundleFixtures
    init() throws { f = try BundleFixtures() }

    @Test func installsAndLoadsAreLoggedWithTheirVersions() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test.trust") { _ in handler }
        logger.logLevel = .debug
        let store = try TrustStore(
            directory: StateDirectory(path: path, sealKey: nil), pinned: f.pinned(), logger: logger)
        #expect(handler.entries.isEmpty)
        let v1 = try f.signed(f.builder(version: 1), by: [f.rootA])
        let v2 = try f.signed(f.builder(version: 2, keys: [f.next]), by: [f.rootA, f.next])
        try store.install(v1, time: BundleFixtures.time())
        try store.install(v2, time: BundleFixtures.time())
        try store.install(v2, time: BundleFixtures.time())
        let entries = handler.entries
        #expect(entries.map(\.level) == [.notice, .notice, .debug])
        #expect("\(entries[0].message)" == "trust bundle version 1 installed (the node's first)")
        #expect("\(entries[1].message)" == "trust bundle version 2 installed (was version 1)")
        #expect(entries[1].metadata["bundle_version"] == "2")
        #expect(entries[1].metadata["previous_version"] == "1")
        #expect(entries[1].metadata["bundle_digest"] == .string(store.active!.digestHex))
        #expect("\(entries[2].message)" == "trust bundle version 2 is already installed")

        // A refusal is thrown, not logged: the caller knows who asked.
        handler.clear()
        #expect(throws: TrustStoreError.self) { try store.install(v1, time: BundleFixtures.time()) }
        #expect(handler.entries.isEmpty)

        let reopened = try TrustStore(
            directory: StateDirectory(path: path, sealKey: nil), pinned: f.pinned(), logger: logger)
        #expect(reopened.active?.version == 2)
        #expect(handler.entries.map(\.level) == [.info])
        #expect("\(handler.entries[0].message)" == "trust bundle version 2 loaded from \(path)")
    }

    /// Messages are built only when their level is logged (swift-log's autoclosures): evidence-time debug lines
    /// cost nothing at the default level.
    @Test func evidenceTimeIsLoggedAtDebugAndOnlyWhenItRaisesTheTime() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test.trust") { _ in handler }
        logger.logLevel = .debug
        let store = try TrustStore(directory: StateDirectory(path: path, sealKey: nil), pinned: nil, logger: logger)
        store.observe(evidenceTime: 2_000_000_000)
        store.observe(evidenceTime: 1_000_000_000)
        store.observe(evidenceTime: 2_000_000_000)
        #expect(handler.entries.count == 1)
        #expect(handler.entries.first?.metadata["evidence_time"] == "2000000000")
        #expect(handler.entries.first.map { "\($0.message)".hasSuffix("2033-05-18T03:33:20Z") } == true)
    }
}
