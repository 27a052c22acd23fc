import WSCCrypto
import WSCJSON

/// A TUF public key (spec section 4.2): `keytype`, `scheme` and `keyval.public`.
struct TUFKey: Sendable {
    let keyID: String
    /// The verifier, or `nil` when the key type or scheme is unsupported or its keyid does not match its
    /// content: such a key is kept (unknown keys are allowed) but never counts toward a threshold.
    let publicKey: PublicKey?
    let scheme: SignatureScheme?
    /// The canonical form, to tell whether two roots define the same key.
    let canonical: [UInt8]

    init(keyID: String, value: JSONValue, path: String) throws {
        self.keyID = keyID
        let object = try value.asObject(path)
        let keyType = try object.require("keytype", path).asString("\(path).keytype")
        let schemeName = try object.require("scheme", path).asString("\(path).scheme")
        let keyval = try object.require("keyval", path).asObject("\(path).keyval")
        // Key types this client does not know may shape keyval differently: such a key is kept but unusable.
        let material = try keyval.optional("public")?.asString("\(path).keyval.public")
        canonical = try CanonicalJSON.encode(value)
        // Spec 4.2: KEYID is the hex SHA-256 of the canonical key object. A mismatch makes the key unusable.
        guard Hex.encode(Digest.sha256(canonical)) == keyID else {
            publicKey = nil
            scheme = nil
            return
        }
        guard let material else {
            publicKey = nil
            scheme = nil
            return
        }
        (publicKey, scheme) = Self.decode(keyType: keyType, scheme: schemeName, material: material)
    }

    static func decode(keyType: String, scheme: String, material: String) -> (PublicKey?, SignatureScheme?) {
        switch (keyType, scheme) {
        case ("ed25519", "ed25519"):
            guard let raw = Hex.decode(material, acceptingUppercase: true), let key = try? PublicKey(ed25519Raw: raw)
            else { return (nil, nil) }
            return (key, .ed25519)
        case ("ecdsa", "ecdsa-sha2-nistp256"), ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"):
            guard let key = ecdsaKey(material, .ecdsaP256) else { return (nil, nil) }
            return (key, .ecdsa(.sha256, .der))
        case ("ecdsa", "ecdsa-sha2-nistp384"), ("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"):
            guard let key = ecdsaKey(material, .ecdsaP384) else { return (nil, nil) }
            return (key, .ecdsa(.sha384, .der))
        case ("rsa", "rsassa-pss-sha256"), ("rsa", "rsa-pkcs1v15-sha256"):
            guard let key = try? PublicKey(pem: material), case .rsa(let bits) = key.type, bits >= 2048 else {
                return (nil, nil)
            }
            return (key, scheme == "rsassa-pss-sha256" ? .rsaPSS(.sha256) : .rsaPKCS1v15(.sha256))
        default:
            return (nil, nil)
        }
    }

    static func ecdsaKey(_ material: String, _ type: KeyType) -> PublicKey? {
        let key: PublicKey?
        if material.hasPrefix("-----BEGIN") {
            key = try? PublicKey(pem: material)
        } else if let point = Hex.decode(material, acceptingUppercase: true) {
            key = try? PublicKey(ecPoint: point, type: type)
        } else {
            key = nil
        }
        guard let key, key.type == type else { return nil }
        return key
    }

    func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard let publicKey, let scheme else { return false }
        return (try? publicKey.verify(signature: signature, message: message, scheme: scheme)) ?? false
    }
}

/// Who may sign a role: keys, the keyids of the role and the threshold.
struct RoleKeys: Sendable, Equatable {
    let keys: [String: TUFKey]
    let keyIDs: [String]
    let threshold: Int

    init(keys: [String: TUFKey], keyIDs: [String], threshold: Int) {
        self.keys = keys
        self.keyIDs = keyIDs
        self.threshold = threshold
    }

    /// Parses `{"keyids": [...], "threshold": N}` (unknown members allowed).
    init(role object: JSONObject, keys: [String: TUFKey], path: String) throws {
        let ids = try object.require("keyids", path).asArray("\(path).keyids").enumerated().map {
            try $1.asString("\(path).keyids[\($0)]")
        }
        guard Set(ids).count == ids.count else {
            throw TUFError(.malformed, "\(path).keyids lists a keyid more than once")
        }
        let threshold = try object.require("threshold", path).asInteger("\(path).threshold")
        guard threshold >= 1, threshold <= Int64(Int32.max) else {
            throw TUFError(.malformed, "\(path).threshold must be at least 1, found \(threshold)")
        }
        self.init(keys: keys, keyIDs: ids, threshold: Int(threshold))
    }

    /// The same role definition: same keyids, same key contents and same threshold.
    static func == (lhs: RoleKeys, rhs: RoleKeys) -> Bool {
        guard lhs.threshold == rhs.threshold, Set(lhs.keyIDs) == Set(rhs.keyIDs) else { return false }
        return lhs.keyIDs.allSatisfy { lhs.keys[$0]?.canonical == rhs.keys[$0]?.canonical }
    }
}
