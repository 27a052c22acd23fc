internal import COpenSSL

/// A hash function the crypto layer offers.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case sha256, sha384, sha512

    /// The digest length in bytes.
    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    var evpMD: OpaquePointer {
        switch self {
        case .sha256: FetchedDigests.shared.sha256
        case .sha384: FetchedDigests.shared.sha384
        case .sha512: FetchedDigests.shared.sha512
        }
    }
}

/// Digest implementations fetched from the provider once: OpenSSL 3 otherwise looks the algorithm up (under a
/// lock) on every hash and every signature check. Fetched objects are immutable and safe to share.
final class FetchedDigests: @unchecked Sendable {
    let sha256: OpaquePointer
    let sha384: OpaquePointer
    let sha512: OpaquePointer

    static let shared = FetchedDigests()

    private init() {
        // Fall back to the built-in objects if a fetch fails (they work, only slower).
        sha256 = EVP_MD_fetch(nil, "SHA2-256", nil) ?? EVP_sha256()
        sha384 = EVP_MD_fetch(nil, "SHA2-384", nil) ?? EVP_sha384()
        sha512 = EVP_MD_fetch(nil, "SHA2-512", nil) ?? EVP_sha512()
    }
}

/// A streaming hash computation. Feed bytes with ``update(_:)-(UnsafeRawBufferPointer)``, read the digest with
/// ``finalize()``; ``peek()`` returns the digest of what was fed so far and keeps going (a rolling hash).
///
/// Not thread-safe: one hasher belongs to one computation.
public final class StreamingHasher {
    /// The algorithm this hasher computes.
    public let algorithm: DigestAlgorithm
    private let ctx: OpaquePointer

    /// Starts a new computation.
    public init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.ctx = ctx
        precondition(EVP_DigestInit_ex(ctx, algorithm.evpMD, nil) == 1, "EVP_DigestInit_ex failed")
    }

    private init(copying other: StreamingHasher) {
        self.algorithm = other.algorithm
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.ctx = ctx
        precondition(EVP_MD_CTX_copy_ex(ctx, other.ctx) == 1, "EVP_MD_CTX_copy_ex failed")
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Feeds bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(ctx, base, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    /// Feeds bytes.
    public func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { update($0) }
        }
    }

    /// Returns the digest of everything fed so far and ends the computation.
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.byteCount)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(ctx, &out, &length) == 1, "EVP_DigestFinal_ex failed")
        return out
    }

    /// Returns the digest of everything fed so far; the computation can go on.
    public func peek() -> [UInt8] {
        StreamingHasher(copying: self).finalize()
    }
}

/// One-shot digests.
public enum Digest {
    /// The digest of `bytes` under `algorithm`.
    public static func hash(_ algorithm: DigestAlgorithm, _ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.byteCount)
        var length: UInt32 = 0
        let rc = out.withUnsafeMutableBytes { o in
            EVP_Digest(bytes.baseAddress, bytes.count, o.baseAddress, &length, algorithm.evpMD, nil)
        }
        precondition(rc == 1, "EVP_Digest failed")
        return out
    }

    /// The digest of `bytes` under `algorithm`.
    public static func hash<Bytes: Sequence>(_ algorithm: DigestAlgorithm, _ bytes: Bytes) -> [UInt8]
    where Bytes.Element == UInt8 {
        if let out = bytes.withContiguousStorageIfAvailable({ hash(algorithm, UnsafeRawBufferPointer($0)) }) {
            return out
        }
        return Array(bytes).withUnsafeBytes { hash(algorithm, $0) }
    }

    /// SHA-256 of `bytes`.
    public static func sha256<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        hash(.sha256, bytes)
    }
}

/// HMAC, used where a format defines key identifiers by it.
public enum HMAC {
    /// HMAC-SHA-256 of `message` under `key`.
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var outLength: UInt32 = 0
        // The one-shot HMAC() uses the built-in SHA-256 without a provider fetch per call.
        let result = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                out.withUnsafeMutableBytes { o in
                    wsc_hmac_sha256(
                        k.baseAddress, Int32(k.count), m.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        m.count, o.baseAddress?.assumingMemoryBound(to: UInt8.self), &outLength)
                }
            }
        }
        precondition(result != nil && outLength == 32, "HMAC-SHA256 failed")
        return out
    }
}

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let rc = out.withUnsafeMutableBytes {
            RAND_bytes($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(count))
        }
        precondition(rc == 1, "RAND_bytes failed")
        return out
    }
}

/// Compares two byte strings in time independent of where they differ.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 }
    }
}
