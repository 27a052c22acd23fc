import Foundation
import Testing
import WSCCrypto

@testable import TrustStore

/// One writer per state directory, and the checks every load makes between the state, the bundle and the
/// pending file (sealed or not).
@Suite struct StateOwnershipTests {
    let f: BundleFixtures
    init() throws { f = try BundleFixtures() }

    func open(_ path: String) throws -> TrustStore {
        try TrustStore(directory: StateDirectory(path: path, sealKey: nil), pinned: f.pinned())
    }

    /// Installs v1, v2 and v3 (all signed by the pinned key) and returns the store.
    func installThree(_ path: String) throws -> TrustStore {
        let store = try open(path)
        for version: UInt64 in 1...3 {
            try store.install(try f.signed(f.builder(version: version), by: [f.rootA]), time: BundleFixtures.time())
        }
        return store
    }

    func editState(_ path: String, _ from: String, _ to: String) throws {
        let file = path + "/state.json"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains(from))
        try text.replacingOccurrences(of: from, with: to).write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func unsealedCounterEditIsRefusedAtLoad() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installThree(path)
        try editState(path, "\"counter\":3", "\"counter\":1")
        let error = try #require(throws: TrustStoreError.self) { try open(path) }
        #expect(error.code == .stateTampered)
        #expect(error.reason.contains("is 1, below the version of the installed bundle"))
        #expect(error.reason.contains(path + "/state.json"))
        #expect(error.reason.contains("Restore"))
    }

    @Test func unsealedCounterRaisedAboveTheBundleIsRefused() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installThree(path)
        try editState(path, "\"counter\":3", "\"counter\":7")
        let error = try #require(throws: TrustStoreError.self) { try open(path) }
        #expect(error.code == .stateTampered)
        #expect(error.reason.contains("is 7 but the installed bundle"))
    }

    @Test func timeFloorBelowTheBundlesIssueTimeIsRefused() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let store = try installThree(path)
        let floor = try #require(store.state?.timeFloor)
        try editState(path, "\"timeFloor\":\(floor)", "\"timeFloor\":0")
        let error = try #require(throws: TrustStoreError.self) { try open(path) }
        #expect(error.code == .stateTampered)
        #expect(error.reason.contains("time floor"))
    }

    @Test func pendingFileOlderThanTheCounterIsRefused() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installThree(path)
        let old = try f.signed(f.builder(version: 2), by: [f.rootA])
        try Data(old).write(to: URL(fileURLWithPath: path + "/pending.dsse.json"))
        let error = try #require(throws: TrustStoreError.self) { try open(path) }
        #expect(error.code == .stateTampered)
        #expect(error.reason.contains("pending.dsse.json holds bundle version 2"))
    }

    @Test func pendingNewerThanTheCounterIsAnUncommittedInstall() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installThree(path)
        let newer = try f.signed(f.builder(version: 4), by: [f.rootA])
        try Data(newer).write(to: URL(fileURLWithPath: path + "/pending.dsse.json"))
        let reopened = try open(path)
        #expect(reopened.state?.counter == 3)
        #expect(!FileManager.default.fileExists(atPath: path + "/pending.dsse.json"))
    }

    @Test func firstBootAtIsRecordedOnceAndKept() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let store = try open(path)
        try store.install(try f.signed(f.builder(version: 1), by: [f.rootA]), time: BundleFixtures.time())
        #expect(store.state?.firstBootAt == BundleFixtures.now)
        try store.install(
            try f.signed(f.builder(version: 2), by: [f.rootA]), time: BundleFixtures.time(BundleFixtures.now + 60))
        #expect(store.state?.firstBootAt == BundleFixtures.now)
        #expect(try open(path).state?.firstBootAt == BundleFixtures.now)
    }

    @Test func secondWriterIsRefusedWithTheHoldersPid() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try open(path)
        let owner = try StateDirectory(path: path, sealKey: nil)
        try owner.lock(owner: "wscd")
        #expect(owner.isLocked)
        let other = try StateDirectory(path: path, sealKey: nil)
        let error = try #require(throws: TrustStoreError.self) { try other.lock(owner: "wscctl") }
        #expect(error.code == .stateLocked)
        #expect(
            error.reason == "wscd (pid \(getpid())) holds \(path); use `wscctl rotate` to install a bundle through it")
        // An implicit writer (a store that did not lock first) is refused at its commit too.
        let store = try TrustStore(directory: other, pinned: f.pinned())
        let install = try #require(throws: TrustStoreError.self) {
            try store.install(try f.signed(f.builder(version: 1), by: [f.rootA]), time: BundleFixtures.time())
        }
        #expect(install.code == .stateLocked)
        #expect(!FileManager.default.fileExists(atPath: path + "/state.json"))
    }

    @Test func readerLoadsWhileAnotherProcessHoldsTheLock() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installThree(path)
        let owner = try StateDirectory(path: path, sealKey: nil)
        try owner.lock(owner: "wscd")
        let reader = try open(path)
        #expect(reader.active?.version == 3)
        #expect(!reader.directory.isLocked)
    }

    @Test func writerThatLoadedBeforeAnotherCommitIsRefused() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let a = try open(path)
        try a.install(try f.signed(f.builder(version: 1), by: [f.rootA]), time: BundleFixtures.time())
        let b = try open(path)
        try a.install(try f.signed(f.builder(version: 3), by: [f.rootA]), time: BundleFixtures.time())
        // b still believes the counter is 1: its v2 would take the counter from 3 down to 2.
        let error = try #require(throws: TrustStoreError.self) {
            try b.install(try f.signed(f.builder(version: 2), by: [f.rootA]), time: BundleFixtures.time())
        }
        #expect(error.code == .stateLocked)
        #expect(try open(path).state?.counter == 3)
    }

    @Test func lockingRemovesLeftoverTemporaryFiles() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installThree(path)
        let leftovers = ["state.json.tmp-4242-17", "pending.dsse.json.tmp-1-2", "signing.key.tmp-99-3000000000"]
        for name in leftovers { try Data([1]).write(to: URL(fileURLWithPath: path + "/" + name)) }
        try Data([1]).write(to: URL(fileURLWithPath: path + "/notes.tmp-x"))
        let owner = try StateDirectory(path: path, sealKey: nil)
        let removed = try owner.lock(owner: "wscd")
        #expect(Set(removed) == Set(leftovers))
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: path))
        #expect(names == ["state.json", "bundle.dsse.json", "lock", "notes.tmp-x"])
    }
}
