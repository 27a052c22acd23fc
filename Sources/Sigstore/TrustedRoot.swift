import WSCCrypto
import WSCJSON

/// A Sigstore trusted root (`trusted_root.json`, `dev.sigstore.trustroot.v1.TrustedRoot`): the transparency
/// logs, certificate authorities, CT logs and time-stamping authorities a verifier trusts.
///
/// Loading is strict where trust is at stake: every validity range needs a start; every log key id must be
/// base64; every CA chain must link (each certificate signed by the next), which is checked once here and
/// not again per bundle. Keys of types this verifier does not support make their log unusable, not the root.
public struct TrustedRoot: Sendable {
    /// A closed time interval `[start, end]` in Unix seconds; no end means open-ended.
    struct TimeRange: Sendable {
        let start: Int64
        let end: Int64?

        func contains(_ time: Int64) -> Bool { start <= time && (end.map { time <= $0 } ?? true) }
    }

    /// A transparency log (Rekor) or certificate transparency log.
    struct LogInstance: Sendable {
        let baseURL: String
        let keyID: [UInt8]
        /// `nil` when the key type is not supported: the log cannot verify anything.
        let key: PublicKey?
        let scheme: SignatureScheme?
        let validFor: TimeRange

        /// The host of ``baseURL`` (the checkpoint key name for Rekor v2), without scheme or path.
        var host: String {
            var text = baseURL
            for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
                text = String(text.dropFirst(scheme.count))
            }
            return String(text.prefix { $0 != "/" })
        }
    }

    /// A Fulcio CA or a time-stamping authority: a chain leaf-most first, the last certificate the anchor.
    struct Authority: Sendable {
        let chain: [Certificate]
        let validFor: TimeRange
        /// Every certificate of the chain as an anchor (checked once at load), built once.
        let validator: CertificateChainValidator
        /// Per chain certificate, computed once at load rather than per bundle: its subject, and the SHA-256 of
        /// its SubjectPublicKeyInfo (the issuer key hash an SCT signs).
        let subjects: [String]
        let keyHashes: [[UInt8]]

        init(chain: [Certificate], validFor: TimeRange) {
            self.chain = chain
            self.validFor = validFor
            validator = CertificateChainValidator(roots: chain, allowsPartialChains: true)
            subjects = chain.map(\.subject)
            keyHashes = chain.map { Digest.sha256($0.subjectPublicKeyInfoDER) }
        }
    }

    let tlogs: [LogInstance]
    let ctlogs: [LogInstance]
    let certificateAuthorities: [Authority]
    let timestampAuthorities: [Authority]

    static let mediaTypes: Set<String> = [
        "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "application/vnd.dev.sigstore.trustedroot.v0.1+json",
        "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    ]

    /// `value` under the protobuf JSON mapping Sigstore's clients use (null members dropped, proto field names
    /// rewritten to lowerCamel), for readers that check a trusted root's fields before parsing it.
    public static func protoNormalized(_ value: JSONValue) throws -> JSONValue {
        try ProtoJSON.normalize(value, code: .malformedTrustedRoot)
    }

    /// Parses `trusted_root.json`. Throws ``SigstoreError`` `.malformedTrustedRoot` naming the field at fault.
    public init(json: [UInt8]) throws {
        let reader = FieldReader(code: .malformedTrustedRoot)
        let value: JSONValue
        do {
            value = try ProtoJSON.normalize(JSONParser.parse(json), code: .malformedTrustedRoot)
        } catch let error as JSONError {
            throw SigstoreError(.malformedTrustedRoot, "trusted root JSON: \(error.reason)")
        }
        let root = try reader.object(value, "trustedRoot")
        let mediaType = try reader.string(root.optional("mediaType"), "mediaType")
        guard TrustedRoot.mediaTypes.contains(mediaType) else {
            throw SigstoreError(.malformedTrustedRoot, "unsupported trusted root media type \"\(mediaType)\"")
        }
        func list(_ key: String) throws -> [JSONValue] {
            guard let value = root.optional(key) else { return [] }
            return try reader.array(value, key)
        }
        tlogs = try list("tlogs").enumerated().map { try TrustedRoot.log($1, "tlogs[\($0)]") }
        ctlogs = try list("ctlogs").enumerated().map { try TrustedRoot.log($1, "ctlogs[\($0)]") }
        certificateAuthorities = try list("certificateAuthorities").enumerated().map {
            try TrustedRoot.authority($1, "certificateAuthorities[\($0)]")
        }
        timestampAuthorities = try list("timestampAuthorities").enumerated().map {
            try TrustedRoot.authority($1, "timestampAuthorities[\($0)]")
        }
    }

    static func timeRange(_ value: JSONValue?, _ path: String) throws -> TimeRange {
        let reader = FieldReader(code: .malformedTrustedRoot)
        let object = try reader.object(value, path)
        let startText = try reader.string(object.optional("start"), "\(path).start")
        guard let start = RFC3339.parse(startText) else {
            throw SigstoreError(.malformedTrustedRoot, "\(path).start is not an RFC 3339 time: \"\(startText)\"")
        }
        var end: Int64? = nil
        if let endValue = object.optional("end") {
            let endText = try reader.string(endValue, "\(path).end")
            guard let parsed = RFC3339.parse(endText), parsed >= start else {
                throw SigstoreError(
                    .malformedTrustedRoot, "\(path).end is not an RFC 3339 time after the start: \"\(endText)\"")
            }
            end = parsed
        }
        return TimeRange(start: start, end: end)
    }

    static func log(_ value: JSONValue, _ path: String) throws -> LogInstance {
        let reader = FieldReader(code: .malformedTrustedRoot)
        let object = try reader.object(value, path)
        let baseURL = try reader.string(object.optional("baseUrl"), "\(path).baseUrl")
        if let hash = object.optional("hashAlgorithm") {
            let name = try reader.string(hash, "\(path).hashAlgorithm")
            guard name == "SHA2_256" else {
                throw SigstoreError(.malformedTrustedRoot, "\(path).hashAlgorithm \"\(name)\" is not SHA2_256")
            }
        }
        let keyObject = try reader.object(object.optional("publicKey"), "\(path).publicKey")
        let raw = try reader.base64(keyObject.optional("rawBytes"), "\(path).publicKey.rawBytes")
        let details = try reader.string(keyObject.optional("keyDetails"), "\(path).publicKey.keyDetails")
        let validFor = try timeRange(keyObject.optional("validFor"), "\(path).publicKey.validFor")
        let logID = try reader.object(object.optional("logId"), "\(path).logId")
        let keyID = try reader.base64(logID.optional("keyId"), "\(path).logId.keyId")
        guard keyID.count == 32 else {
            throw SigstoreError(.malformedTrustedRoot, "\(path).logId.keyId must be 32 bytes, found \(keyID.count)")
        }
        let scheme = TrustedRoot.scheme(keyDetails: details)
        var key: PublicKey? = nil
        if scheme != nil {
            key = try? PublicKey(spkiDER: raw)
        }
        return LogInstance(
            baseURL: baseURL, keyID: keyID, key: key, scheme: key == nil ? nil : scheme, validFor: validFor)
    }

    /// The signature scheme of a `PublicKeyDetails` name, or `nil` when unsupported.
    static func scheme(keyDetails: String) -> SignatureScheme? {
        switch keyDetails {
        case "PKIX_ECDSA_P256_SHA_256", "PKIX_ECDSA_P384_SHA_256": .ecdsa(.sha256, .der)
        case "PKIX_ECDSA_P384_SHA_384": .ecdsa(.sha384, .der)
        case "PKIX_ED25519": .ed25519
        case "PKIX_RSA_PKCS1V15_2048_SHA256", "PKIX_RSA_PKCS1V15_3072_SHA256", "PKIX_RSA_PKCS1V15_4096_SHA256":
            .rsaPKCS1v15(.sha256)
        case "PKIX_RSA_PSS_2048_SHA256", "PKIX_RSA_PSS_3072_SHA256", "PKIX_RSA_PSS_4096_SHA256": .rsaPSS(.sha256)
        default: nil
        }
    }

    static func authority(_ value: JSONValue, _ path: String) throws -> Authority {
        let reader = FieldReader(code: .malformedTrustedRoot)
        let object = try reader.object(value, path)
        let chainObject = try reader.object(object.optional("certChain"), "\(path).certChain")
        let entries = try reader.array(chainObject.optional("certificates"), "\(path).certChain.certificates")
        guard !entries.isEmpty, entries.count <= Certificate.maximumChainLength else {
            throw SigstoreError(.malformedTrustedRoot, "\(path).certChain must hold 1 to 32 certificates")
        }
        var chain: [Certificate] = []
        for (index, entry) in entries.enumerated() {
            let entryPath = "\(path).certChain.certificates[\(index)]"
            let der = try reader.base64(
                try reader.object(entry, entryPath).optional("rawBytes"), "\(entryPath).rawBytes")
            do {
                chain.append(try Certificate(der: der))
            } catch let error as CryptoError {
                throw SigstoreError(.malformedTrustedRoot, "\(entryPath): \(error.reason)")
            }
        }
        // Verified once here, so per-bundle validation only has to check the leaf's own signature.
        for index in chain.indices.dropLast() where !chain[index].isSignedBy(chain[index + 1]) {
            throw SigstoreError(
                .malformedTrustedRoot,
                "\(path).certChain: certificate \(index) (\(chain[index].subject)) is not signed by certificate "
                    + "\(index + 1) (\(chain[index + 1].subject))")
        }
        let validFor = try timeRange(object.optional("validFor"), "\(path).validFor")
        return Authority(chain: chain, validFor: validFor)
    }

    /// The transparency log whose log id is `keyID`, if the root holds one.
    func tlog(keyID: [UInt8]) -> LogInstance? { tlogs.first { $0.keyID == keyID } }
}
