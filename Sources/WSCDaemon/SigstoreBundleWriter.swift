import WSCCrypto
import WSCJSON

/// Writes Sigstore bundles (v0.3) signed with the daemon's key, for any artifact: public-key verification material,
/// no transparency log entry. For air-gapped signing: a verifier checks it with the public key and a policy that
/// allows managed keys without a log.
enum SigstoreBundleWriter {
    static let mediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

    static func bundle(artifact: [UInt8], key: PrivateKey) throws -> [UInt8] {
        // Ed25519 signs the artifact itself; ECDSA P-256 signs its SHA-256 (DER signature).
        let signature = try key.sign(artifact)
        let hint = Hex.encode(Digest.sha256(key.publicKey.spkiDER))
        let document = JSONValue.object(
            try JSONObject([
                ("mediaType", .string(mediaType)),
                (
                    "verificationMaterial",
                    .object(
                        try JSONObject([
                            ("publicKey", .object(try JSONObject([("hint", .string(hint))]))),
                            ("tlogEntries", .array([])),
                        ]))
                ),
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
