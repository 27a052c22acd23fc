import WSCCrypto

/// RFC 9162 (RFC 6962) Merkle tree hashing and inclusion proof verification, SHA-256.
enum MerkleTree {
    /// `SHA-256(0x00 || leaf)`.
    static func leafHash(_ leaf: [UInt8]) -> [UInt8] {
        var input: [UInt8] = []
        input.reserveCapacity(leaf.count + 1)
        input.append(0x00)
        input += leaf
        return Digest.sha256(input)
    }

    /// `SHA-256(0x01 || left || right)`.
    static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var input: [UInt8] = []
        input.reserveCapacity(left.count + right.count + 1)
        input.append(0x01)
        input += left
        input += right
        return Digest.sha256(input)
    }

    /// The root hash computed from an inclusion proof (RFC 9162 section 2.1.3.2), or `nil` when the proof
    /// does not fit `index` and `size` (wrong length, index out of range, hashes not 32 bytes).
    static func rootFromInclusionProof(leafHash: [UInt8], index: Int64, size: Int64, proof: [[UInt8]]) -> [UInt8]? {
        guard index >= 0, size > 0, index < size, leafHash.count == 32 else { return nil }
        var fn = UInt64(index)
        var sn = UInt64(size - 1)
        var r = leafHash
        for p in proof {
            guard p.count == 32, sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { return nil }
        return r
    }

    /// Whether `proof` proves that `leafHash` is at `index` in the tree of `size` leaves with root `root`.
    static func verifyInclusion(leafHash: [UInt8], index: Int64, size: Int64, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard let computed = rootFromInclusionProof(leafHash: leafHash, index: index, size: size, proof: proof) else {
            return false
        }
        return computed == root
    }
}
