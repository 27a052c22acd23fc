import Foundation
import Testing
import WSCCrypto
import WSCJSON

@testable import TrustStore

/// The `tuf` pin in the trust store: parsing of `sigstoreRootTarget`, the refused drop of the pin (seal rule 7),
/// and a fetched Sigstore root applied only when the active bundle opts in, kept across a rotation only under the
/// same pin.
@Suite struct TUFPinTrustTests {
    let f: BundleFixtures
    init() throws { f = try BundleFixtures() }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KeylessWasmTests/Fixtures")

    static func trustedRoot() throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent("trusted_root.json")))
    }

    static func pin(
        url: String = "https://tuf.example/metadata/", targets: [String] = ["trusted_root.json"],
        sigstoreRootTarget: String? = nil
    ) throws -> TrustBundle.TUFSettings {
        TrustBundle.TUFSettings(
            repositoryURL: url, root: .object(try JSONObject([("signed", .object(try JSONObject([])))])),
            targets: targets, sigstoreRootTarget: sigstoreRootTarget)
    }

    func bundle(_ version: UInt64, tuf: TrustBundle.TUFSettings?) throws -> [UInt8] {
        var b = f.builder(version: version)
        b.tuf = tuf
        b.identities = [.init(issuer: "https://issuer.example", subject: "ci@example.com", subjectPattern: nil)]
        return try f.signed(b, by: [f.rootA])
    }

    func store() throws -> TrustStore {
        try TrustStore(
            directory: StateDirectory(path: try BundleFixtures.temporaryDirectory(), sealKey: nil), pinned: f.pinned())
    }

    static func seal(_ byte: UInt8) -> SecretBytes {
        var bytes = [UInt8](repeating: byte, count: 32)
        return SecretBytes(consuming: &bytes)
    }

    /// The applied root survives a restart (offline: no refresh needed) under the same pin; a sealed state
    /// ignores a file that does not authenticate, and another pin ignores it.
    @Test func fetchedSigstoreRootIsKeptAcrossRestartsOnlyWhenItAuthenticates() throws {
        let path = try BundleFixtures.temporaryDirectory()
        func open(_ seal: SecretBytes?) throws -> TrustStore {
            try TrustStore(directory: StateDirectory(path: path, sealKey: seal), pinned: f.pinned())
        }
        let root = try Self.trustedRoot()
        let optIn = try Self.pin(sigstoreRootTarget: "trusted_root.json")
        let s = try open(Self.seal(7))
        try s.install(try bundle(1, tuf: optIn), time: BundleFixtures.time())
        #expect(try s.applyFetchedSigstoreRoot(root, target: "trusted_root.json", pinDigest: optIn.pinDigest))

        let reopened = try open(Self.seal(7))
        #expect(reopened.active?.fetchedSigstoreRoot?.sha256 == Hex.encode(Digest.sha256(root)))
        #expect(reopened.active?.keylessVerifier != nil)

        // Another key does not authenticate the file (a planted or stale copy): ignored, the state still loads.
        let file = path + "/sigstore-root.json"
        let saved = try Data(contentsOf: URL(fileURLWithPath: file))
        var text = String(decoding: saved, as: UTF8.self)
        text = text.replacingOccurrences(of: "\"mac\":\"", with: "\"mac\":\"0")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try open(Self.seal(7)).active?.fetchedSigstoreRoot == nil)
        try saved.write(to: URL(fileURLWithPath: file))
        #expect(try open(Self.seal(7)).active?.fetchedSigstoreRoot != nil)

        // A rotation to another pin: the saved root is not used for it, now or after a restart.
        let other = try Self.pin(url: "https://mirror.example/", sigstoreRootTarget: "trusted_root.json")
        let s2 = try open(Self.seal(7))
        try s2.install(try bundle(2, tuf: other), time: BundleFixtures.time())
        #expect(s2.active?.fetchedSigstoreRoot == nil)
        #expect(try open(Self.seal(7)).active?.fetchedSigstoreRoot == nil)
    }

    @Test func unsealedStateKeepsTheRootWithoutMAC() throws {
        let path = try BundleFixtures.temporaryDirectory()
        let optIn = try Self.pin(sigstoreRootTarget: "trusted_root.json")
        let s = try TrustStore(directory: StateDirectory(path: path, sealKey: nil), pinned: f.pinned())
        try s.install(try bundle(1, tuf: optIn), time: BundleFixtures.time())
        try s.applyFetchedSigstoreRoot(try Self.trustedRoot(), target: "trusted_root.json", pinDigest: optIn.pinDigest)
        let reopened = try TrustStore(directory: StateDirectory(path: path, sealKey: nil), pinned: f.pinned())
        #expect(reopened.active?.fetchedSigstoreRoot != nil)
    }

    @Test func sigstoreRootTargetRoundTripsAndMustBeATarget() throws {
        var b = f.builder(version: 1)
        b.tuf = try Self.pin(targets: ["a.json", "trusted_root.json"], sigstoreRootTarget: "trusted_root.json")
        let parsed = try TrustBundle(payload: try b.payload())
        #expect(parsed.tuf?.sigstoreRootTarget == "trusted_root.json")
        #expect(parsed.tuf?.targets == ["a.json", "trusted_root.json"])

        b.tuf = try Self.pin(targets: ["a.json"], sigstoreRootTarget: "trusted_root.json")
        #expect(throws: TrustStoreError(.malformedBundle, "")) { try b.payload() }
        b.tuf = try Self.pin(url: "ftp://tuf.example/")
        #expect(throws: TrustStoreError(.malformedBundle, "")) { try b.payload() }
    }

    @Test func droppingThePinIsRefusedUnlessAllowed() throws {
        let s = try store()
        try s.install(try bundle(1, tuf: try Self.pin()), time: BundleFixtures.time())
        let v2 = try bundle(2, tuf: nil)
        #expect(throws: TrustStoreError(.tufPinDropped, "")) { try s.install(v2, time: BundleFixtures.time()) }
        #expect(s.state?.counter == 1)
        // Another pin is not a drop.
        try s.install(try bundle(2, tuf: try Self.pin(url: "https://mirror.example/")), time: BundleFixtures.time())
        #expect(throws: TrustStoreError(.tufPinDropped, "")) {
            try s.install(try bundle(3, tuf: nil), time: BundleFixtures.time())
        }
        try s.install(try bundle(3, tuf: nil), time: BundleFixtures.time(), allowDroppingTUF: true)
        #expect(s.state?.counter == 3)
        #expect(s.active?.bundle.tuf == nil)
        // Without a pin there is nothing to drop.
        try s.install(try bundle(4, tuf: nil), time: BundleFixtures.time())
    }

    @Test func fetchedSigstoreRootOnlyWhenTheBundleOptsIn() throws {
        let s = try store()
        let root = try Self.trustedRoot()
        let optOut = try Self.pin()
        try s.install(try bundle(1, tuf: optOut), time: BundleFixtures.time())
        #expect(s.active?.keylessVerifier == nil)
        #expect(throws: TrustStoreError(.sigstoreRootRefused, "")) {
            try s.applyFetchedSigstoreRoot(root, target: "trusted_root.json", pinDigest: optOut.pinDigest)
        }
        #expect(s.active?.keylessVerifier == nil)

        let optIn = try Self.pin(sigstoreRootTarget: "trusted_root.json")
        try s.install(try bundle(2, tuf: optIn), time: BundleFixtures.time())
        // Another target name, a stale pin (a rotate in between), or bytes that are no trusted root: refused.
        #expect(throws: TrustStoreError(.sigstoreRootRefused, "")) {
            try s.applyFetchedSigstoreRoot(root, target: "other.json", pinDigest: optIn.pinDigest)
        }
        #expect(throws: TrustStoreError(.sigstoreRootRefused, "")) {
            try s.applyFetchedSigstoreRoot(root, target: "trusted_root.json", pinDigest: optOut.pinDigest)
        }
        #expect(throws: TrustStoreError(.sigstoreRootRefused, "")) {
            try s.applyFetchedSigstoreRoot(
                Array("{\"mediaType\": \"x\"}".utf8), target: "trusted_root.json", pinDigest: optIn.pinDigest)
        }
        #expect(throws: TrustStoreError(.sigstoreRootRefused, "")) {
            try s.applyFetchedSigstoreRoot(
                Array("not json".utf8), target: "trusted_root.json", pinDigest: optIn.pinDigest)
        }
        #expect(s.active?.fetchedSigstoreRoot == nil)

        #expect(try s.applyFetchedSigstoreRoot(root, target: "trusted_root.json", pinDigest: optIn.pinDigest))
        #expect(!(try s.applyFetchedSigstoreRoot(root, target: "trusted_root.json", pinDigest: optIn.pinDigest)))
        let active = try #require(s.active)
        #expect(active.keylessVerifier != nil)
        #expect(active.fetchedSigstoreRoot?.sha256 == Hex.encode(Digest.sha256(root)))
        // The identities are the sealed bundle's, whatever the fetched root holds.
        #expect(active.bundle.identities.map(\.subject) == ["ci@example.com"])

        // Same pin: kept across the rotation. Another pin: gone until a refresh applies its own.
        try s.install(try bundle(3, tuf: optIn), time: BundleFixtures.time())
        #expect(s.active?.fetchedSigstoreRoot != nil)
        try s.install(
            try bundle(4, tuf: try Self.pin(url: "https://mirror.example/", sigstoreRootTarget: "trusted_root.json")),
            time: BundleFixtures.time())
        #expect(s.active?.fetchedSigstoreRoot == nil)
        #expect(s.active?.keylessVerifier == nil)
    }
}
