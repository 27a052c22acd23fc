/// The kind of an asymmetric key.
public enum KeyType: Hashable, Sendable, CustomStringConvertible {
    case ed25519
    case ecdsaP256
    case ecdsaP384
    case rsa(bits: Int)

    public var description: String {
        switch self {
        case .ed25519: "Ed25519"
        case .ecdsaP256: "ECDSA P-256"
        case .ecdsaP384: "ECDSA P-384"
        case .rsa(let bits): "RSA-\(bits)"
        }
    }
}

/// How a signature is computed and encoded, as far as verification needs to know.
public enum SignatureScheme: Hashable, Sendable {
    /// How an ECDSA signature is encoded.
    public enum ECDSAEncoding: Hashable, Sendable {
        /// ASN.1 DER `ECDSA-Sig-Value` (X.509, Sigstore, most tooling).
        case der
        /// IEEE P1363: `r ‖ s`, each padded to the curve's byte length (JWS, WebCrypto).
        case p1363
    }

    /// Ed25519 (RFC 8032), over the message itself.
    case ed25519
    /// ECDSA over the digest of the message.
    case ecdsa(DigestAlgorithm, ECDSAEncoding)
    /// RSASSA-PKCS1-v1_5 over the digest of the message.
    case rsaPKCS1v15(DigestAlgorithm)
    /// RSASSA-PSS with MGF1 over the same digest, salt length equal to the digest length or recovered
    /// from the signature.
    case rsaPSS(DigestAlgorithm)
}
