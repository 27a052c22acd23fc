import WSCCrypto
import WSCFiles
import WSCJSON

/// The last Sigstore root a TUF refresh applied, kept in the state directory (`sigstore-root.json`) so that a
/// restarted node uses it before its first refresh, offline too. It is bound to the pin it was fetched under (the
/// active bundle must still opt in with the same pin, or it is ignored) and, when the state is sealed, carries an
/// HMAC-SHA-256 under the seal key: a file planted in the directory without the key is ignored. Only the lock
/// holder (wscd) writes it.
extension StateDirectory {
    var fetchedRootPath: String { path + "/sigstore-root.json" }

    /// Largest file read: the largest trusted root accepted, in Base64, plus the fields.
    static var maximumFetchedRootFileSize: Int { TrustBundle.maximumPayloadSize / 3 * 4 + 4096 }

    static func fetchedRootContent(pinDigest: String, target: String, bytes: [UInt8]) throws -> JSONObject {
        try JSONObject([
            ("format", .integer(1)), ("kind", .string("fetchedSigstoreRoot")), ("pinDigest", .string(pinDigest)),
            ("target", .string(target)), ("root", .string(Base64.encode(bytes))),
        ])
    }

    func fetchedRootMAC(_ content: JSONObject) throws -> String? {
        guard let sealKey else { return nil }
        var key = sealKey.withUnsafeBytes { Array($0) }
        defer { SecretBytes.wipe(&key) }
        return Hex.encode(HMAC.sha256(key: key, message: try CanonicalJSON.encode(.object(content))))
    }

    /// Writes the root `bytes` fetched as `target` under the pin `pinDigest` (atomically).
    func saveFetchedRoot(pinDigest: String, target: String, bytes: [UInt8]) throws {
        let content = try Self.fetchedRootContent(pinDigest: pinDigest, target: target, bytes: bytes)
        var members = content.members.map { ($0.key, $0.value) }
        if let mac = try fetchedRootMAC(content) { members.append(("mac", .string(mac))) }
        let file = try CanonicalJSON.encode(.object(try JSONObject(members))) + [0x0A]
        do {
            try AtomicFile.write(fetchedRootPath, file, mode: 0o600)
        } catch let error as FileError {
            throw TrustStoreError(error)
        }
    }

    /// The bytes of the saved root fetched as `target` under `pinDigest`, or `nil` when there is none, it was
    /// fetched under another pin, or it does not authenticate.
    func loadFetchedRoot(pinDigest: String, target: String) -> [UInt8]? {
        guard let file = try? AtomicFile.read(fetchedRootPath, limit: Self.maximumFetchedRootFileSize),
            case .object(let object) = (try? JSONParser.parse(file)) ?? .null,
            case .string(let encoded) = object["root"] ?? .null, let bytes = Base64.decode(encoded),
            let content = try? Self.fetchedRootContent(pinDigest: pinDigest, target: target, bytes: bytes)
        else { return nil }
        let given = object.members.filter { $0.key != "mac" }
        guard given == content.members else { return nil }
        let expected: String?
        do {
            expected = try fetchedRootMAC(content)
        } catch {
            return nil
        }
        switch (expected, object["mac"]) {
        case (nil, nil): return bytes
        case (.some(let mac), .some(.string(let found))):
            return constantTimeEquals(Array(mac.utf8), Array(found.utf8)) ? bytes : nil
        default: return nil
        }
    }
}
