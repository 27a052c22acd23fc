import WSCCrypto
import WSCJSON

extension SigstoreVerifier {
    /// Verifies the log entry: trusted log, body consistency, inclusion proof, checkpoint, SET. Returns the
    /// integration time when a verified SET covers it.
    func verifyLogEntry(
        _ entry: SigstoreBundle.LogEntry, version: SigstoreBundle.Version, signer: LogEntryBody.Signer,
        signed: LogEntryBody.Signed
    ) throws -> Int64? {
        guard let log = trustedRoot.tlog(keyID: entry.logID) else {
            throw SigstoreError(
                .untrustedLog,
                "the log entry's log id \(Hex.encode(entry.logID)) names no transparency log in the trusted root")
        }
        guard let key = log.key, let scheme = log.scheme else {
            throw SigstoreError(
                .unsupported, "the transparency log \(log.baseURL) has a key type this verifier cannot use")
        }
        try LogEntryBody.check(
            kind: entry.kind, version: entry.version, body: entry.body, signer: signer, signed: signed)
        let isRekorV2 = entry.version == "0.0.2" && entry.kind == "hashedrekord"

        // Inclusion proof and checkpoint.
        if let proof = entry.inclusionProof {
            if isRekorV2, proof.logIndex != entry.logIndex {
                throw SigstoreError(.inclusionProofInvalid, "the inclusion proof's log index is not the entry's")
            }
            guard proof.rootHash.count == 32,
                MerkleTree.verifyInclusion(
                    leafHash: MerkleTree.leafHash(entry.body), index: proof.logIndex, size: proof.treeSize,
                    proof: proof.hashes, root: proof.rootHash)
            else {
                throw SigstoreError(
                    .inclusionProofInvalid,
                    "the inclusion proof does not lead from the entry at index \(proof.logIndex) to the root hash "
                        + "of the tree of size \(proof.treeSize)")
            }
            if let envelope = proof.checkpoint {
                let checkpoint = try Checkpoint(envelope)
                let name = log.host
                guard checkpoint.origin == name || checkpoint.origin.hasPrefix(name + " - ") else {
                    throw SigstoreError(
                        .checkpointInvalid, "the checkpoint origin \"\(checkpoint.origin)\" is not the log \"\(name)\"")
                }
                try checkpoint.verify(name: name, logID: log.keyID, key: key, scheme: scheme)
                guard checkpoint.treeSize == proof.treeSize, checkpoint.rootHash == proof.rootHash else {
                    throw SigstoreError(
                        .checkpointInvalid, "the checkpoint is for another tree head than the inclusion proof")
                }
            } else if version >= .v02 {
                throw SigstoreError(.checkpointInvalid, "a v0.2+ bundle's inclusion proof needs a signed checkpoint")
            }
        } else if version >= .v02 {
            throw SigstoreError(.inclusionProofInvalid, "a v0.2+ bundle's log entry needs an inclusion proof")
        }

        // Signed entry timestamp.
        guard let set = entry.signedEntryTimestamp else {
            if version == .v01 {
                throw SigstoreError(.setInvalid, "a v0.1 bundle's log entry needs an inclusion promise (SET)")
            }
            return nil
        }
        guard let time = entry.integratedTime else {
            throw SigstoreError(.setInvalid, "the log entry has an inclusion promise but no integrated time")
        }
        let payload = Self.signedEntryTimestampPayload(
            body: entry.body, integratedTime: time, logID: entry.logID, logIndex: entry.logIndex)
        guard (try? key.verify(signature: set, message: payload, scheme: scheme)) == true else {
            throw SigstoreError(
                .setInvalid, "the signed entry timestamp does not verify with the log key of \(log.baseURL)")
        }
        guard log.validFor.contains(time) else {
            throw SigstoreError(
                .untrustedLog, "the log \(log.baseURL) was not trusted at the integration time \(RFC3339.format(time))")
        }
        return time
    }

    /// The canonical JSON a signed entry timestamp covers: `{"body":…,"integratedTime":…,"logID":…,"logIndex":…}`
    /// (keys in order, no whitespace). Written directly: Base64, hex and decimal digits need no escaping, so this
    /// is byte for byte what ``CanonicalJSON`` gives for that object, without building it.
    static func signedEntryTimestampPayload(body: [UInt8], integratedTime: Int64, logID: [UInt8], logIndex: Int64)
        -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity((body.count + 2) / 3 * 4 + logID.count * 2 + 100)
        out += #"{"body":""#.utf8
        Base64.encode(body, appendingTo: &out)
        out += #"","integratedTime":"#.utf8
        out += String(integratedTime).utf8
        out += #","logID":""#.utf8
        out += Hex.encode(logID).utf8
        out += #"","logIndex":"#.utf8
        out += String(logIndex).utf8
        out += "}".utf8
        return out
    }

    /// Verifies one RFC 3161 timestamp over `signature` against the trusted TSAs; returns its genTime.
    func verifyTimestamp(_ der: [UInt8], index: Int, signature: [UInt8]) throws -> Int64 {
        let response: TimestampResponse
        do {
            response = try TimestampResponse(der: der)
        } catch let error as CryptoError {
            throw SigstoreError(.timestampInvalid, "RFC 3161 timestamp \(index): \(error.reason)")
        }
        guard Digest.hash(response.imprintAlgorithm, signature) == response.messageImprint else {
            throw SigstoreError(.timestampInvalid, "RFC 3161 timestamp \(index) is not over the bundle's signature")
        }
        let time = response.genTime
        guard !trustedRoot.timestampAuthorities.isEmpty else {
            throw SigstoreError(.timestampInvalid, "the bundle has timestamps but the trusted root has no TSA")
        }
        var reasons: [String] = []
        for authority in trustedRoot.timestampAuthorities {
            guard authority.validFor.contains(time) else {
                reasons.append("\(authority.chain[0].subject): not trusted at \(RFC3339.format(time))")
                continue
            }
            do {
                try response.verifySignature(chain: authority.chain)
                return time
            } catch let error as CryptoError {
                reasons.append(error.reason)
            }
        }
        throw SigstoreError(
            .timestampInvalid,
            "RFC 3161 timestamp \(index) is not from a trusted TSA: \(reasons.joined(separator: "; "))")
    }
}
