import Synchronization
import TrustStore
import WSCCrypto
import WSCFiles
import WSCJSON
import WSCPlatform
import WSCProtocol

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
        /// Where the key lives, for `status`: file, credential, generated, pkcs11, tpm2 or none.
        var location: String
        /// Why a token key is not available now (code and sentence), or nil.
        var lastError: String?
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
    /// The configured token key (`pkcs11:` or `tpm2:`), opened again after the token goes away.
    let tokenReference: KeyReference?
    let tokenSettings: TokenSettings

    var rotatedKeyPath: String { stateDirectory + "/signing.key" }
    var retiredPath: String { stateDirectory + "/retired-keys.json" }

    /// Loads the key: a key rotated into the state directory first, then the configured file, then the systemd
    /// credential `wscd-signing-key`; generates one in the state directory when allowed and none exists.
    ///
    /// A configured token key (`pkcs11:` URI, `tpm2:handle=`) is the only key used: no rotated or generated file
    /// replaces it. When the token cannot be reached, wscd starts without a signing key (it keeps serving
    /// verification) and opens the token again on the next sign request.
    init(
        configuredPath: String?, tokenSettings: TokenSettings = TokenSettings(), stateDirectory: String,
        generateIfMissing: Bool, requestsPerMinute: Int
    ) throws {
        self.stateDirectory = stateDirectory
        self.rate = Mutex(requestsPerMinute)
        self.tokenSettings = tokenSettings
        let retiredKeys = SigningService.loadRetired(stateDirectory + "/retired-keys.json")
        if let configuredPath, KeyReference.isTokenReference(configuredPath) {
            let reference: KeyReference
            do {
                reference = try KeyReference(parsing: configuredPath)
            } catch let error as CryptoError {
                throw DaemonError("[signing] key: \(error.reason)")
            }
            tokenReference = reference
            var initial = State(
                key: nil, source: SigningService.describe(reference), location: reference.location.rawValue,
                lastError: nil, retired: retiredKeys, buckets: [:])
            do {
                initial.key = try PrivateKey.open(reference, settings: tokenSettings)
            } catch let error as CryptoError {
                initial.lastError = "[\(error.code)] \(error.reason)"
            }
            state = Mutex(initial)
            return
        }
        tokenReference = nil
        var candidates: [String] = [stateDirectory + "/signing.key"]
        if let configuredPath { candidates.append(configuredPath) }
        if let credentials = getenv("CREDENTIALS_DIRECTORY") {
            candidates.append(String(cString: credentials) + "/wscd-signing-key")
        }
        var key: PrivateKey?
        var source = "none"
        var location = "none"
        for path in candidates {
            if let loaded = try SigningService.load(path) {
                key = loaded
                source = path
                location = path.hasSuffix("/wscd-signing-key") && path != configuredPath ? "credential" : "file"
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
            location = "generated"
        }
        state = Mutex(
            State(
                key: key, source: source, location: location, lastError: nil, retired: retiredKeys, buckets: [:]))
    }

    /// A token reference for logs and status: the URI without its PIN, or the TPM handle.
    static func describe(_ reference: KeyReference) -> String {
        switch reference {
        case .file(let path): path
        case .pkcs11(let uri): "\(uri)"
        case .tpm2(let handle): "tpm2:handle=0x" + String(handle, radix: 16)
        }
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

    /// Where the key came from (a path or a token reference without its PIN; never the key).
    var source: String { state.withLock { $0.source } }

    /// Where the key lives: file, credential, generated, pkcs11, tpm2 or none.
    var location: String { state.withLock { $0.location } }

    /// Why the configured token key is unavailable, or nil.
    var lastError: String? { state.withLock { $0.lastError } }

    /// The key for one signing operation; a token key that is not open (token absent at start, or gone since) is
    /// opened again here. Throws `signingUnavailable` with the reason when there is none.
    func keyForSigning() throws -> PrivateKey {
        try state.withLock { s in
            if let key = s.key { return key }
            guard let reference = tokenReference else {
                throw ProtocolError(
                    .signingUnavailable,
                    "wscd has no signing key: provide the credential wscd-signing-key, [signing] key, or generate_if_missing = true"
                )
            }
            do {
                let key = try PrivateKey.open(reference, settings: tokenSettings)
                s.key = key
                s.lastError = nil
                return key
            } catch let error as CryptoError {
                s.lastError = "[\(error.code)] \(error.reason)"
                throw ProtocolError(
                    .signingUnavailable, "the signing key \(s.source) is unavailable: [\(error.code)] \(error.reason)")
            }
        }
    }

    /// A signing operation failed with `error`: a token that went away is forgotten (opened again next time).
    /// Returns the error to send.
    func signingFailed(_ error: CryptoError) -> ProtocolError {
        state.withLock { s in
            if tokenReference != nil, error.code == .tokenUnavailable || error.code == .tokenLoginFailed {
                s.key = nil
                s.lastError = "[\(error.code)] \(error.reason)"
            }
            return ProtocolError(.signingUnavailable, "signing failed: [\(error.code)] \(error.reason)")
        }
    }

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
        if tokenReference != nil {
            throw ProtocolError(
                .signingUnavailable,
                "the signing key lives in a \(location) token: wscd cannot replace it; make a new key on the token, "
                    + "set [signing] key to it and reload (docs/operations.md)")
        }
        return try state.withLock { s in
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
            s.location = "file"
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
