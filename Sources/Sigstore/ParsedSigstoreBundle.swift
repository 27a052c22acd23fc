/// A Sigstore bundle that parsed (structure only: nothing in it is trusted yet). Parse once, then look at what
/// kind of signer it names to choose the policy, and verify it with ``SigstoreVerifier/verify(parsed:artifact:policy:)``.
public struct ParsedSigstoreBundle: Sendable {
    /// What the bundle offers to identify its signer.
    public enum SignerMaterial: Sendable, Hashable {
        /// A certificate (Fulcio or a private CA).
        case certificate
        /// A managed key, named only by an optional hint (Sigstore clients write Base64 of the SHA-256 of the
        /// key's DER SubjectPublicKeyInfo).
        case publicKey(hint: String?)
    }

    let bundle: SigstoreBundle

    /// Parses a bundle's JSON (media types v0.1 to v0.3, protobuf JSON mapping). Throws ``SigstoreError``.
    public init(json: [UInt8]) throws {
        bundle = try SigstoreBundle(json: json)
    }

    /// The signer material the bundle carries.
    public var signerMaterial: SignerMaterial {
        switch bundle.material {
        case .certificate: .certificate
        case .publicKey(let hint): .publicKey(hint: hint)
        }
    }

    /// The issuer names (RFC 2253) of the certificates the bundle carries (the leaf, then any chain), to tell
    /// which certificate authority a certificate claims before any check; empty for a key-signed bundle.
    public var certificateIssuers: [String] {
        guard case .certificate(let leaf, let chain) = bundle.material else { return [] }
        return ([leaf] + chain).map(\.issuer)
    }

    /// How many transparency log entries the bundle carries (verified or not).
    public var logEntryCount: Int { bundle.entries.count }

    /// How many RFC 3161 timestamps the bundle carries (verified or not).
    public var timestampCount: Int { bundle.timestamps.count }
}
