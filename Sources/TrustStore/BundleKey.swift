import WSCCrypto

/// A key allowed to sign trust bundles (Ed25519 or ECDSA P-256), with the id wsc writes in DSSE signatures.
public struct BundleKey: Sendable, Hashable {
    /// The key.
    public let publicKey: PublicKey
    /// Hex SHA-256 of the key's DER SubjectPublicKeyInfo: stable, and the same for every encoding of the key.
    public let keyID: String

    /// Wraps a key, refusing types that may not sign bundles.
    public init(_ publicKey: PublicKey) throws {
        guard publicKey.type == .ed25519 || publicKey.type == .ecdsaP256 else {
            throw TrustStoreError(
                .invalidKeyMaterial, "bundle keys must be Ed25519 or ECDSA P-256; this one is \(publicKey.type)")
        }
        self.publicKey = publicKey
        self.keyID = Hex.encode(Digest.sha256(publicKey.spkiDER))
    }

    /// Whether `signature` is this key's signature over `message` (Ed25519, or ECDSA P-256 SHA-256 in DER).
    public func verifies(_ signature: [UInt8], over message: [UInt8]) -> Bool {
        let scheme: SignatureScheme = publicKey.type == .ed25519 ? .ed25519 : .ecdsa(.sha256, .der)
        return (try? publicKey.verify(signature: signature, message: message, scheme: scheme)) == true
    }

    public static func == (lhs: BundleKey, rhs: BundleKey) -> Bool { lhs.keyID == rhs.keyID }
    public func hash(into hasher: inout Hasher) { hasher.combine(keyID) }
}

/// A set of keys and how many of them must sign.
public struct KeyThreshold: Sendable, Hashable {
    /// The keys (distinct).
    public let keys: [BundleKey]
    /// How many distinct keys must sign (1...keys.count).
    public let threshold: Int

    /// Creates a threshold, refusing 0, more than the key count, and duplicate keys.
    public init(keys: [BundleKey], threshold: Int) throws {
        guard Set(keys).count == keys.count else {
            throw TrustStoreError(.malformedBundle, "the same bundle key is listed twice")
        }
        guard threshold >= 1, threshold <= keys.count else {
            throw TrustStoreError(
                .malformedBundle,
                "a threshold of \(threshold) cannot be met by \(keys.count) key(s); use 1...\(keys.count)")
        }
        self.keys = keys
        self.threshold = threshold
    }

    /// The distinct keys of this set whose signature over `message` is among `signatures`. Each key counts once,
    /// however many signatures it made.
    public func signers(of message: [UInt8], signatures: [DSSEEnvelope.Signature]) -> [BundleKey] {
        keys.filter { key in
            // The key id is a hint that bounds the work: a signature labelled for another key is not tried.
            signatures.contains {
                ($0.keyID.isEmpty || $0.keyID == key.keyID) && key.verifies($0.signature, over: message)
            }
        }
    }
}
