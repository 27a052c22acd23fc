import WSCCrypto

/// Verifies wasmsig signatures over one module: against one key, many keys (a matrix), the whole module or
/// the parts a predicate selects. Hashing happens once, when the verifier is made.
///
/// Stricter than wasmsign2: a full verification needs a signed record whose hash list equals the module's part
/// hashes exactly (so a module truncated at a delimiter fails); a partial verification also checks the part
/// after the last delimiter; an unusable signature entry is skipped with a reason, never fatal for the others.
public struct WasmVerifier: Sendable {
    /// The signature data in use.
    public let signatureData: SignatureData
    /// The module's parts and their hashes.
    public let parts: ModuleParts

    /// Prepares verification of `module`, with its embedded signature or a detached one. `streamed`, hashes a
    /// ``ModulePartsStream`` computed over these same bytes as they arrived, saves hashing them again (it is used
    /// only if its layout matches the module's).
    /// - Throws: ``WasmSignatureError`` with `.noSignatures` when there is none, `.ambiguousSignature` when both
    ///   are present, or a parse error for malformed signature data.
    public init(
        module: WasmModule, detachedSignature: [UInt8]? = nil, limits: ParseLimits = .default,
        streamed: StreamedParts? = nil
    ) throws {
        let embedded: EmbeddedSignature
        if let section = try module.signatureSection() {
            let data = module.data(of: section)
            embedded = data.count <= limits.maximumSignatureDataSize ? .data(Array(data)) : .oversized(data.count)
        } else {
            embedded = .none
        }
        signatureData = try WasmVerifier.select(embedded: embedded, detached: detachedSignature, limits: limits)
        parts = streamed.flatMap { ModuleParts(module: module, streamed: $0) } ?? ModuleParts(module: module)
        sectionsKnown = true
    }

    /// The embedded signature section of a module read as a stream: its data, or only its size when that is above
    /// the limit (the data was not kept), or where it was when it is not the first section.
    public enum EmbeddedSignature: Sendable, Equatable {
        /// No `signature` section.
        case none
        /// The first section is `signature`, with this data.
        case data([UInt8])
        /// The first section is `signature`, with this many bytes of data: above the limit, not kept.
        case oversized(Int)
        /// A `signature` section at this position (not the first).
        case misplaced(Int)
    }

    /// Prepares verification from what a streaming reader kept of a module: its embedded signature and its part
    /// hashes (as ``ModuleParts`` computes them), without the module's bytes. Whole-module verification
    /// (``verify(key:)``) works as with a module; ``verifyParts(key:mustBeSigned:)`` needs the sections and
    /// refuses. Errors as ``init(module:detachedSignature:limits:streamed:)``.
    public init(
        embedded: EmbeddedSignature, detachedSignature: [UInt8]?, partHashes: [[UInt8]],
        limits: ParseLimits = .default
    ) throws {
        if case .misplaced(let index) = embedded { throw WasmModule.misplacedSignature(at: index) }
        signatureData = try WasmVerifier.select(embedded: embedded, detached: detachedSignature, limits: limits)
        parts = ModuleParts(
            parts: partHashes.enumerated().map { index, hash in
                ModuleParts.Part(sections: [], rollingHash: hash, endsWithDelimiter: index < partHashes.count - 1)
            })
        sectionsKnown = false
    }

    /// Whether ``parts`` lists each part's sections (false when made from part hashes alone).
    let sectionsKnown: Bool

    static func select(embedded: EmbeddedSignature, detached: [UInt8]?, limits: ParseLimits) throws -> SignatureData {
        if case .misplaced(let index) = embedded { throw WasmModule.misplacedSignature(at: index) }
        if let detached {
            guard embedded == .none else {
                throw WasmSignatureError(
                    .ambiguousSignature,
                    "a detached signature was given but the module also embeds one; verify one or the other (detach the embedded one first)"
                )
            }
            return try SignatureData(parsing: detached, limits: limits)
        }
        switch embedded {
        case .data(let bytes):
            return try SignatureData(parsing: bytes, limits: limits)
        case .oversized(let count):
            throw WasmSignatureError(
                .limitExceeded,
                "the signature data is \(count) bytes, above the limit of \(limits.maximumSignatureDataSize)")
        case .none, .misplaced:
            throw WasmSignatureError(
                .noSignatures, "the module has no signature section (and no detached signature was given)")
        }
    }

    /// Which records carry a valid signature by `key`, and why other entries were passed over.
    func validRecords(for key: PublicKey) -> (records: [Int], matchedKeyIDs: [[UInt8]?], notes: [String]) {
        var records: [Int] = []
        var keyIDs: [[UInt8]?] = []
        var notes: [String] = []
        guard key.type == .ed25519 else {
            return ([], [], ["the key is \(key.type); wasmsig signatures are Ed25519"])
        }
        let ownKeyID = key.wasmsigKeyID
        for (r, record) in signatureData.records.enumerated() {
            let message = SignatureData.message(for: record.hashes)
            for (s, entry) in record.signatures.enumerated() {
                guard case .signature(let sig) = entry else {
                    if case .malformed(_, let reason) = entry {
                        notes.append("record \(r) signature \(s) skipped: \(reason)")
                    }
                    continue
                }
                guard sig.algorithm == SignatureForHashes.ed25519 else {
                    notes.append(
                        "record \(r) signature \(s) skipped: unknown algorithm id 0x\(String(sig.algorithm, radix: 16))"
                    )
                    continue
                }
                guard sig.signature.count == 64 else {
                    notes.append(
                        "record \(r) signature \(s) skipped: an Ed25519 signature is 64 bytes, this one is \(sig.signature.count)"
                    )
                    continue
                }
                // A key id is a hint: an entry labelled for another key is not tried.
                if let id = sig.keyID, id != ownKeyID { continue }
                if (try? key.verify(signature: sig.signature, message: message, scheme: .ed25519)) == true {
                    records.append(r)
                    keyIDs.append(sig.keyID)
                    break
                }
            }
        }
        return (records, keyIDs, notes)
    }

    /// What one key's signatures come to.
    public enum KeyCheck: Sendable, Hashable {
        /// The key signed exactly this module's content.
        case verified(WasmsigVerdict)
        /// The key made a valid signature, but over other content: the module was modified after signing.
        case signedOtherContent
        /// No valid signature by the key.
        case notSigned
    }

    /// Checks `key` against every signature once: verified, signed other content, or not signed. One pass of
    /// signature verifications (``verify(key:)`` followed by a second look would make two).
    public func check(key: PublicKey) -> KeyCheck {
        let (records, keyIDs, notes) = validRecords(for: key)
        let expected = parts.hashes
        for (i, r) in records.enumerated() {
            let signed = signatureData.records[r].hashes
            if signed.count == expected.count, zip(signed, expected).allSatisfy({ constantTimeEquals($0, $1) }) {
                return .verified(
                    WasmsigVerdict(recordIndex: r, keyID: keyIDs[i], partCount: expected.count, notes: notes))
            }
        }
        return records.isEmpty ? .notSigned : .signedOtherContent
    }

    /// How many signature entries carry no key id (each must be tried against every candidate key).
    public var unlabelledSignatureCount: Int {
        signatureData.records.reduce(0) { total, record in
            total
                + record.signatures.filter {
                    if case .signature(let sig) = $0 { return sig.keyID == nil }
                    return false
                }.count
        }
    }

    /// The key ids the signature entries carry (entries without one are left out).
    public var signatureKeyIDs: [[UInt8]] {
        signatureData.records.flatMap { record in
            record.signatures.compactMap { entry -> [UInt8]? in
                if case .signature(let sig) = entry { return sig.keyID }
                return nil
            }
        }
    }

    /// Verifies the whole module against `key`.
    /// - Returns: what verified.
    /// - Throws: ``WasmSignatureError`` `.verificationFailed` with the reason.
    public func verify(key: PublicKey) throws -> WasmsigVerdict {
        let (records, keyIDs, notes) = validRecords(for: key)
        let expected = parts.hashes
        for (i, r) in records.enumerated() {
            let signed = signatureData.records[r].hashes
            if signed.count == expected.count, zip(signed, expected).allSatisfy({ constantTimeEquals($0, $1) }) {
                return WasmsigVerdict(recordIndex: r, keyID: keyIDs[i], partCount: expected.count, notes: notes)
            }
        }
        let detail = notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
        if records.isEmpty {
            throw WasmSignatureError(
                .verificationFailed, "no valid signature by this key among the module's signatures\(detail)")
        }
        throw WasmSignatureError(
            .verificationFailed,
            "the key's signature covers different content: the module was modified, truncated or re-split after signing\(detail)"
        )
    }

    /// Verifies the parts for which `mustBeSigned` holds: each such part's rolling hash must be signed by `key`.
    /// All sections of a part must agree on `mustBeSigned`; the part after the last delimiter is checked too.
    public func verifyParts(key: PublicKey, mustBeSigned: (Section) -> Bool) throws -> WasmsigVerdict {
        guard sectionsKnown else {
            throw WasmSignatureError(
                .verificationFailed,
                "partial verification needs the module's sections; this verifier was made from part hashes alone")
        }
        let (records, keyIDs, notes) = validRecords(for: key)
        guard !records.isEmpty else {
            let detail = notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
            throw WasmSignatureError(
                .verificationFailed, "no valid signature by this key among the module's signatures\(detail)")
        }
        var valid: [[UInt8]] = []
        for r in records { valid += signatureData.records[r].hashes }
        var checked = 0
        for (p, part) in parts.parts.enumerated() {
            let content = part.sections.filter { !$0.isDelimiter }
            if content.isEmpty, !part.endsWithDelimiter { continue }  // nothing after the last delimiter
            let values = Set(content.map(mustBeSigned))
            guard values.count <= 1 else {
                throw WasmSignatureError(
                    .verificationFailed,
                    "part \(p) mixes sections that must be signed with sections that need not be; split the module along the same pattern before signing"
                )
            }
            if values.first == false { continue }
            guard valid.contains(where: { constantTimeEquals($0, part.rollingHash) }) else {
                let names = content.map(\.displayName).joined(separator: ", ")
                throw WasmSignatureError(
                    .verificationFailed,
                    "part \(p) [\(names)] is not covered by a valid signature of this key: it was modified, added or moved after signing"
                )
            }
            checked += 1
        }
        guard checked > 0 else {
            throw WasmSignatureError(
                .verificationFailed, "the pattern selects no part of the module, so nothing was verified")
        }
        return WasmsigVerdict(recordIndex: records[0], keyID: keyIDs[0], partCount: checked, notes: notes)
    }

    /// For each key, whether it verifies the whole module (`nil` predicate) or each predicate's parts.
    /// - Returns: `result[p][k]` for predicate `p` and key `k`.
    public func matrix(keys: [PublicKey], predicates: [(Section) -> Bool]) -> [[Bool]] {
        predicates.map { predicate in keys.map { (try? verifyParts(key: $0, mustBeSigned: predicate)) != nil } }
    }

    /// The indexes of the keys that verify the whole module.
    public func verifyingKeys(_ keys: [PublicKey]) -> [Int] {
        keys.indices.filter { (try? verify(key: keys[$0])) != nil }
    }
}

/// What a successful wasmsig verification found.
public struct WasmsigVerdict: Sendable, Hashable {
    /// The signed-hash record that verified.
    public let recordIndex: Int
    /// The key id recorded with the signature, if any.
    public let keyID: [UInt8]?
    /// How many parts were verified.
    public let partCount: Int
    /// Signature entries that were skipped, and why.
    public let notes: [String]
}
