import Foundation
import TrustStore
import WSCCrypto
import WSCJSON

/// Keys and bundles for the tests, around a fixed instant.
struct BundleFixtures {
    static let now: Int64 = 1_795_219_200  // 2026-11-21T00:00:00Z
    static let day: Int64 = 86400

    let rootA: PrivateKey
    let rootB: PrivateKey
    let next: PrivateKey
    let alice: PrivateKey
    let bob: PrivateKey

    init() throws {
        rootA = try Self.key(1)
        rootB = try Self.key(2)
        next = try Self.key(3)
        alice = try Self.key(10)
        bob = try Self.key(11)
    }

    static func key(_ byte: UInt8) throws -> PrivateKey {
        try [UInt8](repeating: byte, count: 32).withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
    }

    static func time(_ t: Int64 = now) -> TrustedTime { TrustedTime(systemClock: t, floor: 0) }

    func builder(version: UInt64, keys: [PrivateKey]? = nil, threshold: Int = 1) -> TrustBundleBuilder {
        var b = TrustBundleBuilder(
            version: version, issuedAt: Self.now - Self.day, notBefore: Self.now - Self.day,
            expires: Self.now + 30 * Self.day, bundleKeys: (keys ?? [rootA]).map(\.publicKey))
        b.gracePeriod = 7 * Self.day
        b.threshold = threshold
        b.publishers = [.init(name: "alice", publicKey: alice.publicKey), .init(name: "bob", publicKey: bob.publicKey)]
        return b
    }

    func signed(_ builder: TrustBundleBuilder, by signers: [PrivateKey]) throws -> [UInt8] {
        var envelope = try builder.envelope()
        for signer in signers { try envelope.sign(with: signer) }
        return envelope.serialized()
    }

    func pinned(_ keys: [PrivateKey]? = nil, threshold: Int = 1) throws -> KeyThreshold {
        try KeyThreshold(keys: (keys ?? [rootA]).map { try BundleKey($0.publicKey) }, threshold: threshold)
    }

    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wsc-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return url.path + "/state"
    }

    /// Replaces the payload of an envelope with `json` text, keeping its signatures (which then no longer match).
    static func envelope(
        payload: String, type: String = TrustBundle.payloadType, signatures: [DSSEEnvelope.Signature] = []
    )
        -> [UInt8]
    {
        DSSEEnvelope(payloadType: type, payload: Array(payload.utf8), signatures: signatures).serialized()
    }
}
