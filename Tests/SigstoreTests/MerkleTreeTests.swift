import Testing
import WSCCrypto
import WSCJSON

@testable import Sigstore

/// Checks the RFC 9162 inclusion proof verifier against a brute-force tree builder.
@Suite struct MerkleTreeTests {
    /// RFC 9162 section 2.1.1 MTH, built recursively: split at the largest power of two below n.
    static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.count == 1 { return MerkleTree.leafHash(leaves[leaves.startIndex]) }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let split = leaves.startIndex + k
        return MerkleTree.nodeHash(root(leaves[leaves.startIndex..<split]), root(leaves[split...]))
    }

    /// RFC 9162 section 2.1.3.1 PATH(m, D[n]), leaf to root.
    static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        if leaves.count == 1 { return [] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let split = leaves.startIndex + k
        if m < k { return path(m, leaves[leaves.startIndex..<split]) + [root(leaves[split...])] }
        return path(m - k, leaves[split...]) + [root(leaves[leaves.startIndex..<split])]
    }

    static func leaves(_ n: Int) -> [[UInt8]] {
        (0..<n).map { [UInt8(truncatingIfNeeded: $0), 0xAB, UInt8($0 / 256)] }
    }

    @Test func everyIndexOfEveryTreeUpTo40() {
        for size in 1...40 {
            let leaves = Self.leaves(size)
            let root = Self.root(leaves[...])
            for index in 0..<size {
                let proof = Self.path(index, leaves[...])
                let leafHash = MerkleTree.leafHash(leaves[index])
                #expect(
                    MerkleTree.verifyInclusion(
                        leafHash: leafHash, index: Int64(index), size: Int64(size), proof: proof, root: root),
                    "size \(size) index \(index)")
                // Wrong index, a flipped bit, a missing or extra hash: all refused.
                if size > 1 {
                    let other = (index + 1) % size
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leafHash: leafHash, index: Int64(other), size: Int64(size), proof: proof, root: root))
                }
                if !proof.isEmpty {
                    var flipped = proof
                    flipped[0][0] ^= 1
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leafHash: leafHash, index: Int64(index), size: Int64(size), proof: flipped, root: root))
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leafHash: leafHash, index: Int64(index), size: Int64(size), proof: Array(proof.dropLast()),
                            root: root))
                }
                #expect(
                    !MerkleTree.verifyInclusion(
                        leafHash: leafHash, index: Int64(index), size: Int64(size), proof: proof + [root], root: root))
            }
        }
    }

    @Test func outOfRangeIndexesAreRefused() {
        let leaf = MerkleTree.leafHash([1])
        #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: 1, size: 1, proof: [], root: leaf))
        #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: -1, size: 1, proof: [], root: leaf))
        #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: 0, size: 0, proof: [], root: leaf))
        #expect(MerkleTree.verifyInclusion(leafHash: leaf, index: 0, size: 1, proof: [], root: leaf))
    }
}

/// The signed entry timestamp payload, written directly, is the canonical JSON of its object.
@Suite struct SignedEntryTimestampPayloadTests {
    @Test(arguments: [0, 1, 2, 3, 100, 1001])
    func matchesCanonicalJSON(bodyLength: Int) throws {
        let body = (0..<bodyLength).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let logID = (0..<32).map { UInt8($0 * 7 % 256) }
        let expected = try CanonicalJSON.encode(
            .object(
                try JSONObject([
                    ("body", .string(Base64.encode(body))), ("integratedTime", .integer(1_712_345_678)),
                    ("logID", .string(Hex.encode(logID))), ("logIndex", .integer(Int64(bodyLength) * 1_000_003)),
                ])))
        let written = SigstoreVerifier.signedEntryTimestampPayload(
            body: body, integratedTime: 1_712_345_678, logID: logID, logIndex: Int64(bodyLength) * 1_000_003)
        #expect(written == expected)
    }
}
