import Foundation
import Testing
import WSCCrypto
import WSCJSON

@testable import TrustStore

@Suite struct SealCheckTests {
    let f: BundleFixtures
    init() throws { f = try BundleFixtures() }

    func context(
        counter: UInt64 = 0, active: [UInt8]? = nil, time: Int64 = BundleFixtures.now, pinned: KeyThreshold? = nil
    )
        throws -> SealCheck.Context
    {
        SealCheck.Context(
            authorizing: try pinned ?? f.pinned(), counter: counter, activeDigest: active.map { Digest.sha256($0) },
            time: BundleFixtures.time(time))
    }

    @Test func firstBundleSignedByPinnedKeyIsSealed() throws {
        let bytes = try f.signed(f.builder(version: 1), by: [f.rootA])
        let sealed = try SealCheck.check(bytes, context: context())
        #expect(sealed.version == 1)
        #expect(sealed.bundle.publishers.map(\.name) == ["alice", "bob"])
        #expect(sealed.digest == Digest.sha256(bytes))
    }

    @Test func ecdsaP256BundleKeysWork() throws {
        let p256 = try PrivateKey.generate(.ecdsaP256)
        let bytes = try f.signed(f.builder(version: 1, keys: [p256]), by: [p256])
        _ = try SealCheck.check(bytes, context: context(pinned: f.pinned([p256])))
    }

    @Test func signatureByUnknownKeyIsRefused() throws {
        let bytes = try f.signed(f.builder(version: 1), by: [f.next])
        #expect(throws: TrustStoreError(.thresholdNotMet, "")) { try SealCheck.check(bytes, context: context()) }
    }

    @Test func thresholdCannotBeMetByOneKeyTwice() throws {
        let b = f.builder(version: 1, keys: [f.rootA, f.rootB], threshold: 2)
        var envelope = try b.envelope()
        try envelope.sign(with: f.rootA)
        // The same key's signature again, under another key id label.
        envelope.signatures.append(.init(keyID: "", signature: envelope.signatures[0].signature))
        let bytes = envelope.serialized()
        #expect(throws: TrustStoreError(.thresholdNotMet, "")) {
            try SealCheck.check(bytes, context: context(pinned: f.pinned([f.rootA, f.rootB], threshold: 2)))
        }
        try envelope.sign(with: f.rootB)
        _ = try SealCheck.check(
            envelope.serialized(), context: context(pinned: f.pinned([f.rootA, f.rootB], threshold: 2)))
    }

    @Test func newBundleMustMeetItsOwnThreshold() throws {
        // Signed by the pinned key, but its own keys (next) did not sign: refused.
        let bytes = try f.signed(f.builder(version: 1, keys: [f.next]), by: [f.rootA])
        #expect(throws: TrustStoreError(.thresholdNotMet, "")) { try SealCheck.check(bytes, context: context()) }
        let both = try f.signed(f.builder(version: 1, keys: [f.next]), by: [f.rootA, f.next])
        _ = try SealCheck.check(both, context: context())
    }

    @Test func versionRules() throws {
        let v3 = try f.signed(f.builder(version: 3), by: [f.rootA])
        #expect(throws: TrustStoreError(.rollback, "")) { try SealCheck.check(v3, context: context(counter: 4)) }
        var other = f.builder(version: 3)
        other.publishers.removeLast()
        let v3b = try f.signed(other, by: [f.rootA])
        #expect(throws: TrustStoreError(.versionReuse, "")) {
            try SealCheck.check(v3b, context: context(counter: 3, active: v3))
        }
        // The byte-identical active bundle at the same version is accepted.
        _ = try SealCheck.check(v3, context: context(counter: 3, active: v3))
        _ = try SealCheck.check(v3, context: context(counter: 2))
    }

    @Test func validityWindow() throws {
        let bytes = try f.signed(f.builder(version: 1), by: [f.rootA])
        // Not valid yet: its window starts a day after it was issued, and the node's time is the issue time.
        var later = f.builder(version: 1)
        later.notBefore = BundleFixtures.now + BundleFixtures.day
        let startsTomorrow = try f.signed(later, by: [f.rootA])
        #expect(throws: TrustStoreError(.notYetValid, "")) {
            try SealCheck.check(startsTomorrow, context: context(time: BundleFixtures.now - 2 * BundleFixtures.day))
        }
        #expect(throws: TrustStoreError(.expired, "")) {
            try SealCheck.check(bytes, context: context(time: BundleFixtures.now + 40 * BundleFixtures.day))
        }
        let grace = try SealCheck.check(bytes, context: context(time: BundleFixtures.now + 33 * BundleFixtures.day))
        let validity = grace.bundle.validity(at: BundleFixtures.now + 33 * BundleFixtures.day)
        guard case .inGracePeriod = validity else {
            Issue.record("expected the grace period, got \(validity)")
            return
        }
        #expect(validity.summary.contains("EXPIRED"))
    }

    /// A sealed bundle's issue time is signed evidence of the time: a node at 1970 accepts a bundle issued and
    /// valid from now, but only once its signatures verified.
    @Test func issueTimeIsEvidenceOnlyOnceSigned() throws {
        var made = f.builder(version: 1)
        made.issuedAt = BundleFixtures.now
        made.notBefore = BundleFixtures.now
        let signed = try f.signed(made, by: [f.rootA])
        let at1970 = SealCheck.Context(
            authorizing: try f.pinned(), counter: 0, activeDigest: nil,
            time: TrustedTime(systemClock: 86400, floor: TrustedTime.buildFloor))
        let sealed = try SealCheck.check(signed, context: at1970)
        #expect(sealed.version == 1)
        // The same claim without the authorizing signature is refused for that, never judged at its claimed time.
        let stranger = try PrivateKey.generate(.ed25519)
        let unsigned = try f.signed(made, by: [stranger])
        #expect(throws: TrustStoreError(.thresholdNotMet, "")) { try SealCheck.check(unsigned, context: at1970) }
        // An install commits the issue time as the new floor; the trusted time then reads it.
        let path = try BundleFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = try StateDirectory(path: path, sealKey: nil)
        let store = try TrustStore(directory: directory, pinned: try f.pinned())
        try store.install(signed, time: at1970.time)
        #expect(store.state?.timeFloor == BundleFixtures.now)
        #expect(store.trustedTime().now >= BundleFixtures.now)
    }

    struct BadEnvelope: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let code: TrustStoreError.Code
        var testDescription: String { name }
    }

    static func validPayload(_ extra: String = "", version: Int = 1, publishers: String? = nil) throws -> String {
        let key = try BundleFixtures.key(1).publicKey.pem.replacingOccurrences(of: "\n", with: "\\n")
        let alice = try BundleFixtures.key(10).publicKey.pem.replacingOccurrences(of: "\n", with: "\\n")
        let pubs = publishers ?? "[{\"name\":\"alice\",\"publicKey\":\"\(alice)\"}]"
        return """
            {"version":\(version),"issuedAt":"2026-11-20T00:00:00Z","notBefore":"2026-11-20T00:00:00Z","expires":"2026-12-20T00:00:00Z",\
            "publishers":\(pubs),"bundleKeys":["\(key)"],"threshold":1\(extra)}
            """
    }

    static func badEnvelopes() throws -> [BadEnvelope] {
        let alice = try BundleFixtures.key(10).publicKey.pem.replacingOccurrences(of: "\n", with: "\\n")
        let bob = try BundleFixtures.key(11).publicKey.pem.replacingOccurrences(of: "\n", with: "\\n")
        let valid = BundleFixtures.envelope(payload: try validPayload())
        return [
            BadEnvelope(name: "empty", bytes: [], code: .malformedEnvelope),
            BadEnvelope(name: "not JSON", bytes: Array("hello".utf8), code: .malformedEnvelope),
            BadEnvelope(name: "truncated", bytes: Array(valid.prefix(valid.count / 2)), code: .malformedEnvelope),
            BadEnvelope(
                name: "unknown envelope field",
                bytes: Array("{\"payloadType\":\"x\",\"payload\":\"\",\"signatures\":[],\"extra\":1}".utf8),
                code: .malformedEnvelope),
            BadEnvelope(
                name: "bad base64 payload",
                bytes: Array("{\"payloadType\":\"x\",\"payload\":\"!!\",\"signatures\":[]}".utf8),
                code: .malformedEnvelope),
            BadEnvelope(
                name: "wrong payloadType",
                bytes: BundleFixtures.envelope(payload: try validPayload(), type: "application/json"),
                code: .wrongPayloadType),
            BadEnvelope(name: "payload not JSON", bytes: BundleFixtures.envelope(payload: "{"), code: .malformedBundle),
            BadEnvelope(
                name: "version 0", bytes: BundleFixtures.envelope(payload: try validPayload(version: 0)),
                code: .malformedBundle),
            BadEnvelope(
                name: "unknown bundle field",
                bytes: BundleFixtures.envelope(payload: try validPayload(",\"extra\":true")),
                code: .malformedBundle),
            BadEnvelope(
                name: "duplicate JSON key",
                bytes: BundleFixtures.envelope(payload: try validPayload(",\"threshold\":1")),
                code: .malformedBundle),
            BadEnvelope(
                name: "duplicate publisher names",
                bytes: BundleFixtures.envelope(
                    payload: try validPayload(
                        publishers:
                            "[{\"name\":\"a\",\"publicKey\":\"\(alice)\"},{\"name\":\"a\",\"publicKey\":\"\(bob)\"}]")),
                code: .malformedBundle),
            BadEnvelope(
                name: "duplicate publisher keys",
                bytes: BundleFixtures.envelope(
                    payload: try validPayload(
                        publishers:
                            "[{\"name\":\"a\",\"publicKey\":\"\(alice)\"},{\"name\":\"b\",\"publicKey\":\"\(alice)\"}]")
                ),
                code: .malformedBundle),
            BadEnvelope(
                name: "publisher key not a key",
                bytes: BundleFixtures.envelope(
                    payload: try validPayload(publishers: "[{\"name\":\"a\",\"publicKey\":\"nope\"}]")),
                code: .invalidKeyMaterial),
            BadEnvelope(
                name: "bad time",
                bytes: BundleFixtures.envelope(
                    payload: try validPayload().replacingOccurrences(of: "2026-12-20T00:00:00Z", with: "tomorrow")),
                code: .malformedBundle),
            BadEnvelope(
                name: "oversized publisher list",
                bytes: BundleFixtures.envelope(
                    payload: try validPayload(
                        publishers: "["
                            + Array(repeating: "{\"name\":\"a\",\"publicKey\":\"x\"}", count: 5000).joined(
                                separator: ",") + "]")),
                code: .limitExceeded),
            BadEnvelope(
                name: "identity with both subject and pattern",
                bytes: BundleFixtures.envelope(
                    payload: try validPayload(
                        ",\"identities\":[{\"issuer\":\"i\",\"subject\":\"s\",\"subjectPattern\":\"p\"}]")),
                code: .malformedBundle),
            // The point at infinity is decoded by OpenSSL but is no key; it once crashed the seal check, before
            // any signature was checked.
            BadEnvelope(
                name: "publisher key at the point at infinity",
                bytes: BundleFixtures.envelope(
                    payload: try validPayload(
                        publishers:
                            #"[{"name":"alice","publicKey":"-----BEGIN PUBLIC KEY-----\nMBkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDAgAA\n-----END PUBLIC KEY-----\n"}]"#
                    )),
                code: .invalidKeyMaterial),
            BadEnvelope(
                name: "revocation not hex",
                bytes: BundleFixtures.envelope(payload: try validPayload(",\"revocations\":{\"keyIds\":[\"xyz\"]}")),
                code: .malformedBundle),
            BadEnvelope(
                name: "threshold above key count",
                bytes: BundleFixtures.envelope(
                    payload: try validPayload().replacingOccurrences(of: "\"threshold\":1", with: "\"threshold\":2")),
                code: .malformedBundle),
        ]
    }

    @Test(arguments: try badEnvelopes())
    func badEnvelopesAreRefused(_ bad: BadEnvelope) throws {
        #expect(throws: TrustStoreError(bad.code, "")) { try SealCheck.check(bad.bytes, context: context()) }
    }

    @Test func oversizedEnvelopeIsRefusedBeforeParsing() throws {
        let bytes = [UInt8](repeating: 0x20, count: SealCheck.maximumEnvelopeSize + 1)
        #expect(throws: TrustStoreError(.limitExceeded, "")) { try SealCheck.check(bytes, context: context()) }
    }

    @Test func signaturesCoverTheExactPayloadBytes() throws {
        let bytes = try f.signed(f.builder(version: 1), by: [f.rootA])
        var envelope = try DSSEEnvelope(parsing: bytes, maximumSize: 1 << 20)
        // Re-serialize the payload with other whitespace: same content, different bytes, signature no longer valid.
        envelope.payload = JSONWriter.encode(try JSONParser.parse(envelope.payload), pretty: false)
        #expect(throws: TrustStoreError(.thresholdNotMet, "")) {
            try SealCheck.check(envelope.serialized(), context: context())
        }
    }
}
