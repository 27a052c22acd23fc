import Foundation
import Testing
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol

/// wscd on a node whose clock reads 1970 (libfaketime preloaded into the real binary): trust comes from signed
/// evidence of the time, and every verdict made on it says so.
@Suite(
    .serialized,
    .disabled(
        if: FakeClock.underAddressSanitizer,
        "libfaketime cannot be preloaded into an AddressSanitizer wscd (it recurses in clock_gettime during ASan's start); the debug run covers these"
    )
) struct AirGapDaemonTests {
    static func warnings(_ verdict: JSONObject) -> [String] {
        guard case .array(let list) = verdict["warnings"] ?? .null else { return [] }
        return list.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let s) = value ?? .null { s } else { nil }
    }

    /// A bundle made with `wscctl bundle create`'s defaults: issuedAt = notBefore = now, 90 days.
    static func defaultBundle(_ d: DaemonHarness, version: UInt64, startsIn: Int64 = 0) throws -> [UInt8] {
        let now = TrustedTime.current(floor: 0).systemClock
        var b = TrustBundleBuilder(
            version: version, issuedAt: now, notBefore: now + startsIn, expires: now + 90 * 86400,
            bundleKeys: [d.root.publicKey])
        b.publishers = [.init(name: "alice", publicKey: d.alice.publicKey)]
        var envelope = try b.envelope()
        try envelope.sign(with: d.root)
        return envelope.serialized()
    }

    @Test func firstInstallRotationAndVerdictsAtNineteenSeventy() throws {
        // The initial bundle (issued a minute ago, newer than the build's floor) is the first install.
        let d = try DaemonHarness(fakeTime: FakeClock.at1970)
        defer { d.cleanUp() }
        let c = try d.client()
        let status = try c.call(.status).result
        #expect(status["counter"] == .integer(1), "\(d.stderr)")
        #expect(status["clockReliable"] == .bool(false))
        #expect(status["timeSource"] == .string("evidence"))
        guard case .object(let bundle) = status["bundle"] ?? .null else {
            throw HarnessError("no bundle in \(status)")
        }
        #expect(bundle["usable"] == .bool(true))

        // Signed evidence does not stretch a window: a bundle that starts in ten days is still not valid yet.
        #expect(throws: ProtocolError(.rotateRefused, "")) {
            try c.call(
                .rotate, [("target", .string("bundle"))], body: try Self.defaultBundle(d, version: 2, startsIn: 864_000)
            )
        }

        // v2 made with the defaults (notBefore = issuedAt = now) is accepted: its issuedAt is evidence once signed.
        let rotated = try c.call(.rotate, [("target", .string("bundle"))], body: try Self.defaultBundle(d, version: 2))
            .result
        #expect(rotated["version"] == .integer(2))
        let validity = try #require(Self.string(rotated["validity"]))
        #expect(validity.hasPrefix("valid"), "\(validity)")

        // A verdict made on evidence time says so.
        let verdict = try c.call(.verify, body: try d.signed(by: d.alice)).result
        #expect(verdict.valid, "\(verdict)")
        let clock = Self.warnings(verdict).filter { $0.hasPrefix("clock:") }
        #expect(clock.count == 1, "\(verdict)")
        #expect(clock.first?.contains("1970-01-0") == true, "\(clock)")
        #expect(d.stop() == 0, "\(d.stderr)")

        // wscd --check-config says where its time comes from.
        let check = Process()
        check.executableURL = DaemonHarness.wscd
        check.arguments = ["--config", d.configPath, "--check-config"]
        check.environment = try FakeClock.environment(FakeClock.at1970)
        let out = Pipe()
        check.standardOutput = out
        check.standardError = FileHandle.nullDevice
        try check.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "\(text)")
        #expect(text.contains("trust bundle version 2: valid"), "\(text)")
        #expect(text.contains("(EVIDENCE time"), "\(text)")
    }

    @Test func anUnsignedIssueTimeIsNoEvidence() throws {
        let d = try DaemonHarness(fakeTime: FakeClock.at1970)
        defer { d.cleanUp() }
        // Same defaults, but signed by a key the node does not trust: refused for its signatures, not its time.
        let stranger = try PrivateKey.generate(.ed25519)
        let now = TrustedTime.current(floor: 0).systemClock
        var b = TrustBundleBuilder(
            version: 2, issuedAt: now + 400 * 86400, notBefore: now + 400 * 86400, expires: now + 500 * 86400,
            bundleKeys: [stranger.publicKey])
        b.publishers = [.init(name: "alice", publicKey: d.alice.publicKey)]
        var envelope = try b.envelope()
        try envelope.sign(with: stranger)
        #expect(throws: ProtocolError(.rotateRefused, "")) {
            try d.client().call(.rotate, [("target", .string("bundle"))], body: envelope.serialized())
        }
        // The trusted time did not move to the unsigned claim.
        let status = try d.client().call(.status).result
        #expect(status["counter"] == .integer(1))
        let trusted = try #require(Self.string(status["trustedTime"]).flatMap(RFC3339.parse))
        #expect(trusted < now + 86400)
    }

    @Test func keylessVerdictAtNineteenSeventyCarriesTheClockWarning() throws {
        let d = try DaemonHarness(start: false, fakeTime: FakeClock.at1970)
        defer { d.cleanUp() }
        let root = try KeylessDaemonTests.file("trusted_root.json")
        try Data(try d.bundle(version: 1, sigstoreRoot: root, identities: [KeylessDaemonTests.identity]))
            .write(to: URL(fileURLWithPath: d.directory + "/bundle.json"))
        try d.start()
        let verdict = try d.client().call(.verify, body: try KeylessDaemonTests.file("module.keyless.wasm")).result
        #expect(verdict.valid, "\(verdict)")
        #expect(verdict["kind"] == .string("keyless"))
        #expect(
            Self.warnings(verdict).contains { $0.hasPrefix("clock:") && $0.contains("evidence time") }, "\(verdict)")
    }
}
