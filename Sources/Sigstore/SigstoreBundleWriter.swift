import WSCCrypto
import WSCJSON

/// Writes Sigstore bundles (v0.3) signed with a key held locally, for any artifact, with no transparency log entry:
/// the offline, air-gapped form (cosign `sign-blob --tlog-upload=false`). The bundle covers the artifact's exact
/// bytes (for a wasm module: the module file, detached).
///
/// The signature is what Sigstore verifiers (cosign, sigstore-go, sigstore-python) check for a message
/// signature: Ed25519 over the artifact itself; ECDSA P-256 over the artifact's SHA-256, DER-encoded. The bundle's
/// message digest is always the SHA-256 of the artifact.
///
/// Verification material is either the public-key hint (verify with the key itself) or a certificate whose public
/// key is the signing key (a private CA's leaf: verify against that CA). A v0.3 bundle carries only the leaf
/// certificate; intermediates belong with the trust anchor (the trust bundle's CA entry), as Sigstore clients take
/// them from their trusted root and ignore any chain a bundle carries.
public enum SigstoreBundleWriter {
    /// The bundle media type written.
    public static let mediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

    /// The verification material a bundle carries.
    public enum Material: Sendable {
        /// A public-key hint only: the verifier supplies the key.
        case publicKey
        /// The signing certificate (a private CA's leaf), whose public key must be the signing key.
        case certificate(Certificate)
    }

    /// The public-key hint Sigstore clients write and read: the standard Base64 of the SHA-256 of the key's DER
    /// `SubjectPublicKeyInfo`.
    public static func publicKeyHint(_ key: PublicKey) -> String {
        Base64.encode(Digest.sha256(key.spkiDER))
    }

    /// Signs `artifact` with `key` and returns the bundle's JSON bytes (pretty-printed, with a final newline).
    ///
    /// - Throws: ``SigstoreError`` `.unsupported` for a key type the bundle cannot carry, `.keyMismatch` when the
    ///   certificate's public key is not `key`'s.
    public static func bundle(artifact: [UInt8], key: PrivateKey, material: Material = .publicKey) throws -> [UInt8] {
        switch key.type {
        case .ed25519, .ecdsaP256: break
        default:
            throw SigstoreError(
                .unsupported, "cannot write a Sigstore bundle with a \(key.type) key: use an Ed25519 or ECDSA P-256 key"
            )
        }
        let verificationMaterial: JSONObject
        switch material {
        case .publicKey:
            verificationMaterial = try JSONObject([
                ("publicKey", .object(try JSONObject([("hint", .string(publicKeyHint(key.publicKey)))]))),
                ("tlogEntries", .array([])),
            ])
        case .certificate(let leaf):
            let certificateKey: PublicKey
            do {
                certificateKey = try leaf.publicKey
            } catch let error as CryptoError {
                throw SigstoreError(.unsupported, "the certificate's public key: \(error.reason)")
            }
            guard certificateKey == key.publicKey else {
                throw SigstoreError(
                    .keyMismatch,
                    "the certificate (subject \(leaf.subject)) is for another key than the signing key: give the "
                        + "certificate issued for this key, or sign with the key the certificate names")
            }
            verificationMaterial = try JSONObject([
                ("certificate", .object(try JSONObject([("rawBytes", .string(Base64.encode(leaf.der)))]))),
                ("tlogEntries", .array([])),
            ])
        }
        // Ed25519 signs the artifact itself; ECDSA P-256 signs its SHA-256 (DER signature).
        let signature = try key.sign(artifact)
        let document = JSONValue.object(
            try JSONObject([
                ("mediaType", .string(mediaType)),
                ("verificationMaterial", .object(verificationMaterial)),
                (
                    "messageSignature",
                    .object(
                        try JSONObject([
                            (
                                "messageDigest",
                                .object(
                                    try JSONObject([
                                        ("algorithm", .string("SHA2_256")),
                                        ("digest", .string(Base64.encode(Digest.sha256(artifact)))),
                                    ]))
                            ),
                            ("signature", .string(Base64.encode(signature))),
                        ]))
                ),
            ]))
        return JSONWriter.encode(document, pretty: true) + [0x0A]
    }
}
