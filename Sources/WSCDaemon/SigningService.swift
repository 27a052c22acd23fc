import Synchronization
import TrustStore
import WSCCrypto
import WSCFiles
import WSCJSON
import WSCPlatform

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The daemon's signing key: loaded once, never sent anywhere, rotated on request (the old public key is kept as
/// retired), with a per-peer rate limit.
final class SigningService: Sendable {
    struct Retired: Sendable {
        let keyID: String
        let publicKeyPEM: String
        let retiredAt: Int64
    }

    private struct State: Sendable {
        var key: PrivateKey?
        var source: String
        var retired: [Retired]
        var buckets: [UInt32: (tokens: Double, updated: Double)]
    }

    private let state: Mutex<State>
    let stateDirectory: String
    private let rate: Mutex<Int>
    /// `[signing] requests_per_minute`: changed by a configuration reload.
    var requestsPerMinute: Int {
        get { rate.withLock { $0 } }
        set { rate.withLock { $0 = newValue } }
    }

    var rotatedKeyPath: String { stateDirectory + "/signing.key" }
    var retiredPath: String { stateDirectory + "/retired-keys.json" }

    /// Loads the key: a key rotated into the state directory first, then the configured file, then the systemd
    /// credential `wscd-signing-key`; generates one in the state directory when allowed and none exists.
    init(configuredPath: String?, stateDirectory: String, generateIfMissing: Bool, requestsPerMinute: Int) throws {
        self.stateDirectory = stateDirectory
        self.rate = Mutex(requestsPerMinute)
        var candidates: [String] = [stateDirectory + "/signing.key"]
        if let configuredPath { candidates.append(configuredPath) }
        if let credentials = getenv("CREDENTIALS_DIRECTORY") {
            candidates.append(String(cString: credentials) + "/wscd-signing-key")
        }
        var key: PrivateKey?
        var source = "none"
        for path in candidates {
            if let loaded = try SigningService.load(path) {
                key = loaded
                source = path
                break
            }
        }
        if key == nil, generateIfMissing {
            let generated = try PrivateKey.generate(.ed25519)
            try generated.wasmsignRaw().withUnsafeBytes {
                try AtomicFile.write(stateDirectory + "/signing.key", $0, mode: 0o600)
            }
            key = generated
            source = stateDirectory + "/signing.key (generated)"
        }
        let retired = SigningService.loadRetired(stateDirectory + "/retired-keys.json")
        state = Mutex(State(key: key, source: source, retired: retired, buckets: [:]))
    }

    static func load(_ path: String) throws -> PrivateKey? {
        // Mode and type are checked on the open descriptor: no FIFO wait, no swap between check and read.
        guard var bytes = try AtomicFile.readSecret(path, limit: 64 * 1024) else { return nil }
        defer { SecretBytes.wipe(&bytes) }
        do {
            if bytes.first == PrivateKey.wasmsignSecretKeyType, bytes.count == 65 {
                return try bytes.withUnsafeBytes { try PrivateKey(wasmsignRaw: $0) }
            }
            if bytes.first == 0x30 { return try bytes.withUnsafeBytes { try PrivateKey(pkcs8DER: $0) } }
            return try PrivateKey(pem: String(decoding: bytes, as: UTF8.self))
        } catch let error as CryptoError {
            throw DaemonError("the signing key \(path) cannot be read: \(error.reason)")
        }
    }

    static func loadRetired(_ path: String) -> [Retired] {
        guard let bytes = try? AtomicFile.read(path, limit: 1 << 20),
            let list = try? JSONParser.parse(bytes).asArray("retired")
        else { return [] }
        return list.compactMap { item in
            guard let o = try? item.asObject("r"), let id = try? o.require("keyId", "r").asString("r"),
                let pem = try? o.require("publicKey", "r").asString("r"),
                let at = try? o.require("retiredAt", "r").asInteger("r")
            else { return nil }
            return Retired(keyID: id, publicKeyPEM: pem, retiredAt: at)
        }
    }

    /// The current key (for one signing operation).
    var key: PrivateKey? { state.withLock { $0.key } }

    /// Where the key came from (a path; never the key).
    var source: String { state.withLock { $0.source } }

    /// Retired public keys, newest last.
    var retired: [Retired] { state.withLock { $0.retired } }

    /// Takes one token from `uid`'s bucket; false when the rate limit is reached.
    func admit(_ uid: UInt32, now: Double) -> Bool {
        let capacity = Double(requestsPerMinute)
        return state.withLock { s in
            var bucket = s.buckets[uid] ?? (capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * capacity / 60)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                s.buckets[uid] = bucket
                return false
            }
            bucket.tokens -= 1
            s.buckets[uid] = bucket
            if s.buckets.count > 10_000 { s.buckets.removeAll() }  // bound the table; worst case: a fresh bucket
            return true
        }
    }

    /// Replaces the key with a new Ed25519 key written to the state directory; the old public key is retired.
    func rotate(now: Int64) throws -> (keyID: String, retired: [Retired]) {
        try state.withLock { s in
            let fresh = try PrivateKey.generate(.ed25519)
            var retired = s.retired
            if let old = s.key, let id = old.publicKey.wasmsigKeyID {
                retired.append(Retired(keyID: Hex.encode(id), publicKeyPEM: old.publicKey.pem, retiredAt: now))
            }
            let list = JSONValue.array(
                try retired.map {
                    .object(
                        try JSONObject([
                            ("keyId", .string($0.keyID)), ("publicKey", .string($0.publicKeyPEM)),
                            ("retiredAt", .integer($0.retiredAt)),
                        ]))
                })
            try AtomicFile.write(retiredPath, JSONWriter.encode(list, pretty: true), mode: 0o600)
            try fresh.wasmsignRaw().withUnsafeBytes { try AtomicFile.write(rotatedKeyPath, $0, mode: 0o600) }
            s.key = fresh
            s.source = rotatedKeyPath
            s.retired = retired
            return (Hex.encode(fresh.publicKey.wasmsigKeyID ?? []), retired)
        }
    }
}

/// A start-up or configuration failure with a message for the operator.
struct DaemonError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
