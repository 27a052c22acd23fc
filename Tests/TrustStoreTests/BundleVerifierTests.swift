import Testing
import WSCCrypto
import WasmSignatures

@testable import TrustStore

@Suite struct BundleVerifierTests {
    let f: BundleFixtures
    let carol: PrivateKey
    init() throws {
        f = try BundleFixtures()
        carol = try BundleFixtures.key(12)
    }

    static let module: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00]

    func signed(by keys: [PrivateKey]) throws -> WasmModule {
        var bytes = Self.module
        for key in keys { bytes = try WasmSigner.sign(module: WasmModule(bytes: bytes), key: key).module }
        return try WasmModule(bytes: bytes)
    }

    func sealed(_ builder: TrustBundleBuilder) throws -> SealedTrustBundle {
        try SealCheck.check(
            try f.signed(builder, by: [f.rootA]),
            context: .init(authorizing: try f.pinned(), counter: 0, activeDigest: nil, time: BundleFixtures.time()))
    }

    func verify(
        _ module: WasmModule, _ policy: RequestPolicy, builder: TrustBundleBuilder? = nil,
        at t: Int64 = BundleFixtures.now
    )
        throws -> TrustVerdict
    {
        BundleVerifier.verify(
            moduleBytes: module.bytes, trust: try sealed(builder ?? f.builder(version: 4)), request: policy,
            time: BundleFixtures.time(t))
    }

    @Test func anyPublisher() throws {
        let verdict = try verify(signed(by: [f.alice]), .bundleRule)
        #expect(verdict.valid)
        #expect(verdict.signers == ["alice"])
        #expect(verdict.bundleVersion == 4)
        let stranger = try verify(signed(by: [carol]), .bundleRule)
        #expect(!stranger.valid)
        #expect(stranger.code == .unknownSigner)
        #expect(stranger.reason?.contains("no publisher") == true)
    }

    @Test func namedSetAndThreshold() throws {
        let both = try signed(by: [f.alice, f.bob])
        #expect(try verify(both, .anyOf(["bob"])).signers == ["bob"])
        #expect(try verify(signed(by: [f.alice]), .anyOf(["bob"])).valid == false)
        #expect(try verify(both, .threshold(2, of: ["alice", "bob"])).valid)
        let one = try verify(signed(by: [f.alice]), .threshold(2, of: ["alice", "bob"]))
        #expect(!one.valid)
        #expect(one.code == .thresholdNotMet)
        #expect(one.reason?.contains("only alice signed") == true)
        let unknown = try verify(both, .anyOf(["mallory"]))
        #expect(unknown.valid == false)
        #expect(unknown.code == .requestInvalid)
    }

    @Test func revokedKeyIsRefused() throws {
        var b = f.builder(version: 4)
        b.revokedKeyIDs = [f.alice.publicKey.wasmsigKeyID!.map { String(format: "%02x", $0) }.joined()]
        let verdict = try verify(signed(by: [f.alice]), .bundleRule, builder: b)
        #expect(!verdict.valid)
        #expect(verdict.code == .keyRevoked)
        #expect(verdict.reason?.contains("revoked") == true)
        #expect(try verify(signed(by: [f.alice, f.bob]), .bundleRule, builder: b).signers == ["bob"])
    }

    @Test func publisherOutsideItsWindowIsRefused() throws {
        var b = f.builder(version: 4)
        b.publishers[0].notAfter = BundleFixtures.now - 3600
        let verdict = try verify(signed(by: [f.alice]), .bundleRule, builder: b)
        #expect(!verdict.valid)
        #expect(verdict.code == .keyNotValidNow)
        #expect(verdict.reason?.contains("not valid after") == true)
    }

    @Test func expiredBundleRefusesAndGraceWarns() throws {
        let m = try signed(by: [f.alice])
        let grace = try verify(m, .bundleRule, at: BundleFixtures.now + 32 * BundleFixtures.day)
        #expect(grace.valid)
        #expect(grace.warnings.contains { $0.contains("grace") })
        let expired = try verify(m, .bundleRule, at: BundleFixtures.now + 60 * BundleFixtures.day)
        #expect(!expired.valid)
        #expect(expired.code == .bundleExpired)
        #expect(expired.reason?.contains("EXPIRED") == true)
    }

    @Test func tamperedModuleIsRefused() throws {
        var bytes = try signed(by: [f.alice]).bytes
        bytes[bytes.count - 1] ^= 1
        let tampered = try verify(WasmModule(bytes: bytes), .bundleRule)
        #expect(tampered.valid == false)
        #expect(tampered.code == .contentModified)
        #expect(tampered.reason?.contains("alice") == true)
        let unsigned = try verify(WasmModule(bytes: Self.module), .bundleRule)
        #expect(unsigned.code == .noSignature)
        #expect(unsigned.reason?.contains("no signature") == true)
    }
}
