/// The artifact a bundle is checked against: its bytes, or its SHA-256 digest computed by the caller.
public enum ArtifactInput: Sendable {
    /// The artifact's bytes; the verifier hashes them with SHA-256.
    case bytes([UInt8])
    /// The artifact's SHA-256 digest (32 bytes). Ed25519 message signatures need the bytes themselves.
    case sha256Digest([UInt8])
}
