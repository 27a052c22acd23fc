/// The wasmsig signature data: the payload of the `signature` custom section, or a detached signature file.
/// Serialization is byte-identical to wasmsign2.
public struct SignatureData: Sendable, Hashable {
    /// The only spec version, content type (module) and hash function (SHA-256) defined: 0x01.
    public static let specVersion: UInt8 = 0x01
    /// Content type 0x01: a WebAssembly module.
    public static let contentTypeModule: UInt8 = 0x01
    /// Hash function 0x01: SHA-256.
    public static let hashFunctionSHA256: UInt8 = 0x01
    /// The domain string that starts every signed message.
    public static let domain: [UInt8] = Array("wasmsig".utf8)

    /// The signed-hash records: one per distinct list of part hashes.
    public var records: [SignedHashes]

    /// Creates signature data from records.
    public init(records: [SignedHashes] = []) { self.records = records }

    /// The message an Ed25519 key signs for a list of part hashes.
    public static func message(for hashes: [[UInt8]]) -> [UInt8] {
        var msg = domain + [specVersion, contentTypeModule, hashFunctionSHA256]
        msg.reserveCapacity(msg.count + hashes.count * 32)
        for h in hashes { msg += h }
        return msg
    }
}

/// A list of part hashes and the signatures over it.
public struct SignedHashes: Sendable, Hashable {
    /// The rolling SHA-256 hashes, one per part (32 bytes each).
    public var hashes: [[UInt8]]
    /// The signature entries, in order.
    public var signatures: [SignatureEntry]

    /// Creates a record.
    public init(hashes: [[UInt8]], signatures: [SignatureEntry]) {
        self.hashes = hashes
        self.signatures = signatures
    }
}

/// One signature entry. Entries that cannot be used are kept (so re-signing does not drop them) and skipped
/// by verification with a reason.
public enum SignatureEntry: Sendable, Hashable {
    /// A structurally valid entry.
    case signature(SignatureForHashes)
    /// An entry whose bytes could not be parsed; kept verbatim.
    case malformed(raw: [UInt8], reason: String)
}

/// A signature over a record's hashes.
public struct SignatureForHashes: Sendable, Hashable {
    /// Algorithm 0x01: Ed25519.
    public static let ed25519: UInt8 = 0x01

    /// The key identifier, if the signer attached one.
    public var keyID: [UInt8]?
    /// The algorithm id (0x01 = Ed25519; others are kept but never verified).
    public var algorithm: UInt8
    /// The signature bytes.
    public var signature: [UInt8]
    /// Bytes after the signature inside the entry (the wsc fork appends a certificate list there); kept
    /// verbatim, never signed, never trusted.
    public var trailer: [UInt8]

    /// Creates an entry.
    public init(
        keyID: [UInt8]?, algorithm: UInt8 = SignatureForHashes.ed25519, signature: [UInt8], trailer: [UInt8] = []
    ) {
        self.keyID = keyID
        self.algorithm = algorithm
        self.signature = signature
        self.trailer = trailer
    }
}

// MARK: - Parsing

extension SignatureData {
    /// Parses signature data strictly: version bytes 0x01, every count and length bounded, no trailing bytes.
    /// An entry that cannot be parsed is kept as ``SignatureEntry/malformed(raw:reason:)``, not fatal.
    public init<Bytes: Collection>(parsing input: Bytes, limits: ParseLimits = .default) throws
    where Bytes.Element == UInt8 {
        guard input.count <= limits.maximumSignatureDataSize else {
            throw WasmSignatureError(
                .limitExceeded,
                "the signature data is \(input.count) bytes, above the limit of \(limits.maximumSignatureDataSize)")
        }
        guard !input.isEmpty else { throw WasmSignatureError(.malformedSignature, "the signature data is empty") }
        do {
            self = try SignatureData.parse(Array(input), limits: limits)
        } catch let error as WasmSignatureError where error.code == .malformedModule {
            throw WasmSignatureError(.malformedSignature, "malformed signature data: \(error.reason)")
        }
    }

    private static func parse(_ bytes: [UInt8], limits: ParseLimits) throws -> SignatureData {
        var r = ByteReader(bytes)
        let version = try r.readByte("the spec version")
        let contentType = try r.readByte("the content type")
        let hashFunction = try r.readByte("the hash function")
        guard version == specVersion else {
            throw WasmSignatureError(
                .unsupportedSignatureFormat,
                "unsupported signature spec version 0x\(String(version, radix: 16)) (only 0x01 is defined)")
        }
        guard contentType == contentTypeModule else {
            throw WasmSignatureError(
                .unsupportedSignatureFormat,
                "unsupported signature content type 0x\(String(contentType, radix: 16)) (only 0x01, a module, is defined)"
            )
        }
        guard hashFunction == hashFunctionSHA256 else {
            throw WasmSignatureError(
                .unsupportedSignatureFormat,
                "unsupported hash function 0x\(String(hashFunction, radix: 16)) (only 0x01, SHA-256, is defined)")
        }
        let recordCount = Int(try r.readVarUInt32("the number of signed-hash records"))
        guard recordCount <= limits.maximumSignedHashesRecords else {
            throw WasmSignatureError(
                .limitExceeded,
                "the signature data claims \(recordCount) signed-hash records, above the limit of \(limits.maximumSignedHashesRecords)"
            )
        }
        var records: [SignedHashes] = []
        var totalSignatures = 0
        for index in 0..<recordCount {
            let raw = try r.readSlice("signed-hash record \(index)", limit: limits.maximumSignatureDataSize)
            let record = try SignedHashes.parse(raw, index: index, limits: limits)
            totalSignatures += record.signatures.count
            guard totalSignatures <= limits.maximumTotalSignatures else {
                throw WasmSignatureError(
                    .limitExceeded, "the signature data holds more than \(limits.maximumTotalSignatures) signatures")
            }
            records.append(record)
        }
        guard r.isAtEnd else {
            throw WasmSignatureError(
                .malformedSignature, "the signature data has \(r.remaining) unexpected bytes after its last record")
        }
        return SignatureData(records: records)
    }
}

extension SignedHashes {
    static func parse(_ bytes: [UInt8], index: Int, limits: ParseLimits) throws -> SignedHashes {
        var r = ByteReader(bytes)
        let hashCount = Int(try r.readVarUInt32("the hash count of record \(index)"))
        guard hashCount <= limits.maximumHashesPerRecord else {
            throw WasmSignatureError(
                .limitExceeded,
                "record \(index) claims \(hashCount) hashes, above the limit of \(limits.maximumHashesPerRecord)")
        }
        guard hashCount > 0 else { throw WasmSignatureError(.malformedSignature, "record \(index) has no hashes") }
        guard hashCount * 32 <= r.remaining else {
            throw WasmSignatureError(.malformedSignature, "record \(index) is truncated inside its hashes")
        }
        var hashes: [[UInt8]] = []
        for h in 0..<hashCount { hashes.append(try r.readBytes(32, "hash \(h) of record \(index)")) }
        let signatureCount = Int(try r.readVarUInt32("the signature count of record \(index)"))
        guard signatureCount <= limits.maximumSignaturesPerRecord else {
            throw WasmSignatureError(
                .limitExceeded,
                "record \(index) claims \(signatureCount) signatures, above the limit of \(limits.maximumSignaturesPerRecord)"
            )
        }
        var signatures: [SignatureEntry] = []
        for s in 0..<signatureCount {
            let raw = try r.readSlice("signature \(s) of record \(index)", limit: limits.maximumSignatureDataSize)
            do {
                signatures.append(.signature(try SignatureForHashes.parse(raw, limits: limits)))
            } catch let error as WasmSignatureError {
                // One bad entry must not hide the others.
                signatures.append(.malformed(raw: raw, reason: error.reason))
            }
        }
        guard r.isAtEnd else {
            throw WasmSignatureError(
                .malformedSignature, "record \(index) has \(r.remaining) unexpected bytes after its signatures")
        }
        return SignedHashes(hashes: hashes, signatures: signatures)
    }
}

extension SignatureForHashes {
    static func parse(_ bytes: [UInt8], limits: ParseLimits) throws -> SignatureForHashes {
        var r = ByteReader(bytes)
        let keyID = try r.readSlice("the key id", limit: limits.maximumKeyIDLength)
        let algorithm = try r.readByte("the algorithm id")
        let signature = try r.readSlice("the signature", limit: limits.maximumSignatureLength)
        let trailer = try r.readBytes(r.remaining, "the entry trailer")
        return SignatureForHashes(
            keyID: keyID.isEmpty ? nil : keyID, algorithm: algorithm, signature: signature, trailer: trailer)
    }
}

// MARK: - Serialization

extension SignatureData {
    /// The wire form, byte-identical to wasmsign2's for the same content.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = [
            SignatureData.specVersion, SignatureData.contentTypeModule, SignatureData.hashFunctionSHA256,
        ]
        LEB128.append(UInt64(records.count), to: &out)
        for record in records {
            let body = record.serialized()
            LEB128.append(UInt64(body.count), to: &out)
            out += body
        }
        return out
    }
}

extension SignedHashes {
    func serialized() -> [UInt8] {
        var out: [UInt8] = []
        LEB128.append(UInt64(hashes.count), to: &out)
        for h in hashes { out += h }
        LEB128.append(UInt64(signatures.count), to: &out)
        for entry in signatures {
            let body: [UInt8]
            switch entry {
            case .signature(let s): body = s.serialized()
            case .malformed(let raw, _): body = raw
            }
            LEB128.append(UInt64(body.count), to: &out)
            out += body
        }
        return out
    }
}

extension SignatureForHashes {
    func serialized() -> [UInt8] {
        var out: [UInt8] = []
        let id = keyID ?? []
        LEB128.append(UInt64(id.count), to: &out)
        out += id
        out.append(algorithm)
        LEB128.append(UInt64(signature.count), to: &out)
        out += signature
        out += trailer
        return out
    }
}
