import Foundation
import Testing
import WSCCrypto

@testable import TrustStore

@Suite struct StateDirectoryTests {
    let f: BundleFixtures
    init() throws { f = try BundleFixtures() }

    static func sealKey(_ byte: UInt8 = 7) -> SecretBytes {
        var bytes = [UInt8](repeating: byte, count: 32)
        return SecretBytes(consuming: &bytes)
    }

    func open(_ path: String, seal: SecretBytes? = nil) throws -> TrustStore {
        try TrustStore(directory: StateDirectory(path: path, sealKey: seal), pinned: f.pinned())
    }

    /// v1 signed by the pinned key rotates to v2 (new keys), signed by v1's key and its own.
    func installTwo(_ path: String, seal: SecretBytes? = nil) throws -> (v1: [UInt8], v2: [UInt8]) {
        let store = try open(path, seal: seal)
        let v1 = try f.signed(f.builder(version: 1), by: [f.rootA])
        let v2 = try f.signed(f.builder(version: 2, keys: [f.next]), by: [f.rootA, f.next])
        try store.install(v1, time: BundleFixtures.time())
        try store.install(v2, time: BundleFixtures.time())
        return (v1, v2)
    }

    @Test func installRotateAndReopen() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let (v1, _) = try installTwo(path)
        let reopened = try open(path)
        #expect(reopened.active?.version == 2)
        #expect(reopened.state?.counter == 2)
        #expect(reopened.state?.timeFloor == BundleFixtures.now - BundleFixtures.day)
        // Rollback to v1 is refused; so is a bundle signed only by the old root after rotation.
        #expect(throws: TrustStoreError(.rollback, "")) { try reopened.install(v1, time: BundleFixtures.time()) }
        let v3ByOldRoot = try f.signed(f.builder(version: 3), by: [f.rootA])
        #expect(throws: TrustStoreError(.thresholdNotMet, "")) {
            try reopened.install(v3ByOldRoot, time: BundleFixtures.time())
        }
        #expect(reopened.state?.counter == 2)
    }

    @Test func filesAreOwnerOnly() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installTwo(path)
        let fm = FileManager.default
        #expect(try fm.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o700)
        for file in ["state.json", "bundle.dsse.json"] {
            #expect(try fm.attributesOfItem(atPath: path + "/" + file)[.posixPermissions] as? Int == 0o600)
        }
        #expect(!fm.fileExists(atPath: path + "/pending.dsse.json"))
    }

    @Test func sealedStateDetectsTampering() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installTwo(path, seal: Self.sealKey())
        _ = try open(path, seal: Self.sealKey())
        let statePath = path + "/state.json"
        let original = try String(contentsOfFile: statePath, encoding: .utf8)
        try original.replacingOccurrences(of: "\"counter\":2", with: "\"counter\":9").write(
            toFile: statePath, atomically: true, encoding: .utf8)
        #expect(throws: TrustStoreError(.stateTampered, "")) { try open(path, seal: Self.sealKey()) }
        try original.write(toFile: statePath, atomically: true, encoding: .utf8)
        #expect(throws: TrustStoreError(.stateTampered, "")) { try open(path, seal: Self.sealKey(8)) }
        #expect(throws: TrustStoreError(.stateTampered, "")) { try open(path) }
        _ = try open(path, seal: Self.sealKey())
    }

    @Test func unsealedStateReplacedBySealedExpectation() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installTwo(path)
        #expect(throws: TrustStoreError(.stateTampered, "")) { try open(path, seal: Self.sealKey()) }
    }

    @Test(arguments: [
        ("truncated", "{\"bundleDigest\":\"ab", TrustStoreError.Code.stateUnreadable),
        ("empty", "", .stateUnreadable),
        ("from a newer wsc", "{\"bundleDigest\":\"00\",\"counter\":1,\"format\":2,\"timeFloor\":0}", .stateUnreadable),
        (
            "unknown field", "{\"bundleDigest\":\"00\",\"counter\":1,\"format\":1,\"timeFloor\":0,\"x\":1}",
            .stateUnreadable
        ),
        ("counter zero", "{\"bundleDigest\":\"00\",\"counter\":0,\"format\":1,\"timeFloor\":0}", .stateUnreadable),
    ])
    func badStateFilesStopTheStart(name: String, content: String, code: TrustStoreError.Code) throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installTwo(path)
        try content.write(toFile: path + "/state.json", atomically: true, encoding: .utf8)
        do {
            _ = try open(path)
            Issue.record("\(name): expected an error")
        } catch let error as TrustStoreError {
            #expect(error.code == code)
            #expect(error.reason.contains("state.json"))
        }
    }

    @Test func stateRolledBackBelowTheBundleOnDisk() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let store = try open(path)
        try store.install(try f.signed(f.builder(version: 1), by: [f.rootA]), time: BundleFixtures.time())
        let oldState = try Data(contentsOf: URL(fileURLWithPath: path + "/state.json"))
        try store.install(try f.signed(f.builder(version: 2), by: [f.rootA]), time: BundleFixtures.time())
        try oldState.write(to: URL(fileURLWithPath: path + "/state.json"))
        do {
            _ = try open(path)
            Issue.record("expected an error")
        } catch let error as TrustStoreError {
            #expect(error.code == .stateTampered)
            #expect(error.reason.contains("older than the bundle on disk"))
        }
    }

    @Test func deletedStateWithABundleLeftIsReported() throws {
        let path = try BundleFixtures.temporaryDirectory()
        _ = try installTwo(path)
        try FileManager.default.removeItem(atPath: path + "/state.json")
        #expect(throws: TrustStoreError(.stateTampered, "")) { try open(path) }
    }

    /// Stop the commit after each of its steps: the store re-opens on the old state or the new one, never a mix,
    /// and the counter never goes down.
    @Test(arguments: ["pending written", "state written", "bundle renamed"])
    func crashAtEachStepLeavesOldOrNew(step: String) throws {
        struct Crash: Error {}
        let path = try BundleFixtures.temporaryDirectory()
        let store = try open(path)
        try store.install(try f.signed(f.builder(version: 1), by: [f.rootA]), time: BundleFixtures.time())
        store.directory.afterStep = { if $0 == step { throw Crash() } }
        #expect(throws: Crash.self) {
            try store.install(try f.signed(f.builder(version: 2), by: [f.rootA]), time: BundleFixtures.time())
        }
        let reopened = try open(path)
        let expected: UInt64 = step == "pending written" ? 1 : 2
        #expect(reopened.active?.version == expected)
        #expect(reopened.state?.counter == expected)
        #expect(!FileManager.default.fileExists(atPath: path + "/pending.dsse.json"))
    }

    @Test func firstInstallNeedsPinnedKeys() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let store = try TrustStore(directory: StateDirectory(path: path, sealKey: nil), pinned: nil)
        #expect(throws: TrustStoreError(.thresholdNotMet, "")) {
            try store.install(try f.signed(f.builder(version: 1), by: [f.rootA]), time: BundleFixtures.time())
        }
    }

    @Test func groupWritableStateDirectoryIsRefused() throws {
        let path = try BundleFixtures.temporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: path)
        #expect(throws: TrustStoreError(.io, "")) { try StateDirectory(path: path, sealKey: nil) }
    }
}

@Suite struct TrustedTimeTests {
    @Test func clockBelowTheFloorUsesTheFloor() {
        let t = TrustedTime(systemClock: 100, floor: 500)
        #expect(t.now == 500)
        #expect(!t.clockReliable)
        let ok = TrustedTime(systemClock: 900, floor: 500)
        #expect(ok.now == 900)
        #expect(ok.clockReliable)
    }

    @Test func currentNeverGoesBelowTheBuildFloor() {
        #expect(TrustedTime.current(floor: 0).floor == TrustedTime.buildFloor)
        #expect(TrustedTime.current(floor: 0).now >= TrustedTime.buildFloor)
    }

    @Test func installRaisesTheFloorToIssuedAt() throws {
        let f = try BundleFixtures()
        let path = try BundleFixtures.temporaryDirectory()
        let store = try TrustStore(directory: StateDirectory(path: path, sealKey: nil), pinned: f.pinned())
        var b = f.builder(version: 1)
        b.issuedAt = BundleFixtures.now + 3600
        try store.install(try f.signed(b, by: [f.rootA]), time: BundleFixtures.time())
        #expect(store.state?.timeFloor == BundleFixtures.now + 3600)
    }
}
