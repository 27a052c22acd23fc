import WSCCrypto
import WSCJSON

/// The anti-rollback state: the highest accepted version, the active bundle's digest and the time floor.
public struct PersistedState: Sendable, Hashable {
    /// The state file format this build writes and reads.
    public static let format: Int64 = 1

    /// The highest bundle version ever accepted. Never decreases.
    public var counter: UInt64
    /// SHA-256 of the active bundle's envelope.
    public var bundleDigest: [UInt8]
    /// The trusted time floor (Unix seconds). Never decreases.
    public var timeFloor: Int64
    /// When this state was first created (Unix seconds, trusted time): the node's first boot as far as the
    /// state can tell. Without a hardware counter a deleted state directory starts a new first boot, so a recent
    /// value on a node in service is worth a look. `nil` in states written before it was recorded.
    public var firstBootAt: Int64?
    /// The hardware anti-rollback counter's value this state was committed at (``RollbackCounter``), `nil` when
    /// no hardware counter is configured. In an intent file (`state.next.json`) 0 stands for "the counter's
    /// first value", unknown before a never-used counter is incremented.
    public var tpmCounter: UInt64?

    /// Creates a state.
    public init(
        counter: UInt64, bundleDigest: [UInt8], timeFloor: Int64, firstBootAt: Int64? = nil, tpmCounter: UInt64? = nil
    ) {
        self.counter = counter
        self.bundleDigest = bundleDigest
        self.timeFloor = timeFloor
        self.firstBootAt = firstBootAt
        self.tpmCounter = tpmCounter
    }

    func contentObject() -> JSONObject {
        var members: [(String, JSONValue)] = [
            ("format", .integer(PersistedState.format)),
            ("counter", .integer(Int64(clamping: counter))),
            ("bundleDigest", .string(Hex.encode(bundleDigest))),
            ("timeFloor", .integer(timeFloor)),
        ]
        // Optional so that states written before it stay byte-identical (and keep their MAC).
        if let firstBootAt { members.append(("firstBootAt", .integer(firstBootAt))) }
        if let tpmCounter { members.append(("tpmCounter", .integer(Int64(clamping: tpmCounter)))) }
        return try! JSONObject(members)
    }

    /// The file bytes: canonical JSON, with an HMAC-SHA-256 over the canonical content when a seal key is given.
    func encoded(sealKey: SecretBytes?) -> [UInt8] {
        let content = contentObject()
        guard let sealKey else { return (try! CanonicalJSON.encode(.object(content))) + [0x0A] }
        let mac = PersistedState.mac(content, key: sealKey)
        var members = content.members.map { ($0.key, $0.value) }
        members.append(("mac", .string(Hex.encode(mac))))
        return (try! CanonicalJSON.encode(.object(try! JSONObject(members)))) + [0x0A]
    }

    static func mac(_ content: JSONObject, key: SecretBytes) -> [UInt8] {
        let message = try! CanonicalJSON.encode(.object(content))
        let keyBytes = key.withUnsafeBytes { Array($0) }
        var k = keyBytes
        defer { SecretBytes.wipe(&k) }
        return HMAC.sha256(key: k, message: message)
    }

    /// Parses and authenticates a state file.
    static func decode(_ bytes: [UInt8], sealKey: SecretBytes?, path: String) throws -> PersistedState {
        let recover =
            "If this node's disk is trusted, move \(path) and the bundle files beside it away and install a bundle signed by the pinned keys (wscctl bundle install)."
        let object: JSONObject
        do {
            object = try JSONParser.parse(bytes).asObject("state")
        } catch let error as JSONError {
            throw TrustStoreError(
                .stateUnreadable, "the state file \(path) is truncated or corrupt (\(error.reason)). \(recover)")
        }
        do {
            try object.rejectUnknownKeys(
                allowed: ["format", "counter", "bundleDigest", "timeFloor", "firstBootAt", "tpmCounter", "mac"], "state"
            )
            let format = try object.require("format", "state").asInteger("state.format")
            guard format == PersistedState.format else {
                throw TrustStoreError(
                    .stateUnreadable,
                    format > PersistedState.format
                        ? "the state file \(path) was written by a newer wsc (format \(format)); run that version or a newer one"
                        : "the state file \(path) has an unknown format \(format). \(recover)")
            }
            let counter = try object.require("counter", "state").asInteger("state.counter")
            let digestHex = try object.require("bundleDigest", "state").asString("state.bundleDigest")
            let floor = try object.require("timeFloor", "state").asInteger("state.timeFloor")
            guard counter >= 1, let digest = Hex.decode(digestHex), digest.count == 32 else {
                throw TrustStoreError(.stateUnreadable, "the state file \(path) holds invalid values. \(recover)")
            }
            let firstBootAt = try object.optional("firstBootAt")?.asInteger("state.firstBootAt")
            let tpmCounter = try object.optional("tpmCounter")?.asInteger("state.tpmCounter")
            guard (tpmCounter ?? 0) >= 0 else {
                throw TrustStoreError(.stateUnreadable, "the state file \(path) holds invalid values. \(recover)")
            }
            let state = PersistedState(
                counter: UInt64(counter), bundleDigest: digest, timeFloor: floor, firstBootAt: firstBootAt,
                tpmCounter: tpmCounter.map { UInt64($0) })
            let macText = try object.optional("mac")?.asString("state.mac")
            switch (sealKey, macText) {
            case (nil, nil):
                break
            case (nil, .some):
                throw TrustStoreError(
                    .stateTampered,
                    "the state file \(path) is sealed but no seal key is available: provide the credential wscd-seal-key (systemd LoadCredential / --seal-key)"
                )
            case (.some, nil):
                throw TrustStoreError(
                    .stateTampered,
                    "the state file \(path) is not sealed although a seal key is configured: it was replaced. \(recover)"
                )
            case (.some(let key), .some(let text)):
                let expected = mac(state.contentObject(), key: key)
                guard let given = Hex.decode(text), constantTimeEquals(given, expected) else {
                    throw TrustStoreError(
                        .stateTampered,
                        "the state file \(path) fails its MAC: it was modified, or the seal key changed. \(recover)")
                }
            }
            return state
        } catch let error as JSONError {
            throw TrustStoreError(.stateUnreadable, "the state file \(path) is invalid (\(error.reason)). \(recover)")
        }
    }
}
