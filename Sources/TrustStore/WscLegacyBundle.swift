import Sigstore
import WSCCrypto
import WSCJSON

/// A trust bundle of the tool wsc succeeds (`wsc bundle create/sign`), read so it can be converted. Its signature
/// is over a re-serialization, not the bytes received, so it is never trusted: the converted bundle must be
/// signed with wsc bundle keys before any node accepts it.
public struct WscLegacyBundle: Sendable {
    /// The legacy version number.
    public let version: UInt64
    /// The legacy validity window and grace period (Unix seconds).
    public let notBefore: Int64
    public let notAfter: Int64
    public let gracePeriod: Int64
    /// The converted Sigstore trusted root (certificate authorities and transparency logs).
    public let trustedRoot: JSONValue
    /// Revoked leaf certificates (hex SHA-256 of DER).
    public let revokedCertificates: [String]

    /// Parses a legacy bundle: either `{"bundle": {...}, "signature": {...}}` or the bare bundle object.
    public init(parsing bytes: [UInt8]) throws {
        do {
            let top = try JSONParser.parse(bytes).asObject("wsc bundle")
            let bundle = try (top.optional("bundle") ?? JSONValue.object(top)).asObject("bundle")
            if let format = try bundle.optional("format_version")?.asInteger("bundle.format_version"), format != 1 {
                throw TrustStoreError(
                    .malformedBundle,
                    "bundle.format_version is \(format); only wsc trust bundle format 1 can be imported (convert it with the wsc release that wrote it, or rebuild the bundle with wscctl bundle create)"
                )
            }
            version = UInt64(clamping: try bundle.require("version", "bundle").asInteger("bundle.version"))
            let validity = try bundle.require("validity", "bundle").asObject("bundle.validity")
            notBefore = try validity.require("not_before", "bundle.validity").asInteger("bundle.validity.not_before")
            notAfter = try validity.require("not_after", "bundle.validity").asInteger("bundle.validity.not_after")
            gracePeriod =
                try validity.optional("grace_period_seconds")?.asInteger("bundle.validity.grace_period_seconds") ?? 0

            var authorities: [JSONValue] = []
            let cas = try bundle.optional("certificate_authorities")?.asArray("bundle.certificate_authorities") ?? []
            for (i, item) in cas.enumerated() {
                let path = "bundle.certificate_authorities[\(i)]"
                let ca = try item.asObject(path)
                let name = try ca.require("name", path).asString("\(path).name")
                let uri = try ca.optional("uri")?.asString("\(path).uri") ?? ""
                var certificates: [JSONValue] = []
                for (j, pem) in try ca.require("certificates_pem", path).asArray("\(path).certificates_pem")
                    .enumerated()
                {
                    do {
                        for certificate in try Certificate.parseChain(
                            pem: pem.asString("\(path).certificates_pem[\(j)]"))
                        {
                            certificates.append(
                                .object(try JSONObject([("rawBytes", .string(Base64.encode(certificate.der)))])))
                        }
                    } catch let error as CryptoError {
                        throw TrustStoreError(.invalidKeyMaterial, "\(path).certificates_pem[\(j)]: \(error.reason)")
                    }
                }
                var validFor: [(String, JSONValue)] = []
                if let window = try ca.optional("valid_for")?.asObject("\(path).valid_for") {
                    if let s = try window.optional("not_before")?.asInteger("\(path).valid_for.not_before") {
                        validFor.append(("start", .string(RFC3339.format(s))))
                    }
                    if let e = try window.optional("not_after")?.asInteger("\(path).valid_for.not_after") {
                        validFor.append(("end", .string(RFC3339.format(e))))
                    }
                }
                if validFor.isEmpty { validFor.append(("start", .string(RFC3339.format(notBefore)))) }
                authorities.append(
                    .object(
                        try JSONObject([
                            (
                                "subject",
                                .object(
                                    try JSONObject([("organization", .string(name)), ("commonName", .string(name))]))
                            ),
                            ("uri", .string(uri)),
                            ("certChain", .object(try JSONObject([("certificates", .array(certificates))]))),
                            ("validFor", .object(try JSONObject(validFor))),
                        ])))
            }

            var tlogs: [JSONValue] = []
            let logs = try bundle.optional("transparency_logs")?.asArray("bundle.transparency_logs") ?? []
            for (i, item) in logs.enumerated() {
                let path = "bundle.transparency_logs[\(i)]"
                let log = try item.asObject(path)
                let key: PublicKey
                do {
                    key = try PublicKey(pem: try log.require("public_key_pem", path).asString("\(path).public_key_pem"))
                } catch let error as CryptoError {
                    throw TrustStoreError(.invalidKeyMaterial, "\(path).public_key_pem: \(error.reason)")
                }
                let start =
                    try log.optional("valid_for")?.asObject("\(path).valid_for").optional("not_before")?
                    .asInteger("\(path).valid_for.not_before") ?? notBefore
                tlogs.append(
                    try Self.logEntry(
                        baseURL: try log.require("base_url", path).asString("\(path).base_url"), key: key, start: start)
                )
            }
            trustedRoot = .object(
                try JSONObject([
                    ("mediaType", .string("application/vnd.dev.sigstore.trustedroot+json;version=0.1")),
                    ("tlogs", .array(tlogs)), ("certificateAuthorities", .array(authorities)), ("ctlogs", .array([])),
                    ("timestampAuthorities", .array([])),
                ]))
            revokedCertificates = try (bundle.optional("revocations")?.asArray("bundle.revocations") ?? []).enumerated()
                .map { try $1.asString("bundle.revocations[\($0)]").lowercased() }
        } catch let error as JSONError {
            throw TrustStoreError(.malformedBundle, "not a wsc trust bundle: \(error.reason)")
        }
    }

    /// A transparency or CT log entry of a Sigstore trusted root: the key (SPKI DER), its details, the start of
    /// its validity and its log id (Base64 of the SHA-256 of the SPKI).
    static func logEntry(baseURL: String, key: PublicKey, start: Int64) throws -> JSONValue {
        let details: String
        switch key.type {
        case .ed25519: details = "PKIX_ED25519"
        case .ecdsaP256: details = "PKIX_ECDSA_P256_SHA_256"
        case .ecdsaP384: details = "PKIX_ECDSA_P384_SHA_384"
        case .rsa: details = "PKIX_RSA_PKCS1V15_2048_SHA256"
        }
        return .object(
            try JSONObject([
                ("baseUrl", .string(baseURL)),
                ("hashAlgorithm", .string("SHA2_256")),
                (
                    "publicKey",
                    .object(
                        try JSONObject([
                            ("rawBytes", .string(Base64.encode(key.spkiDER))), ("keyDetails", .string(details)),
                            ("validFor", .object(try JSONObject([("start", .string(RFC3339.format(start)))]))),
                        ]))
                ),
                ("logId", .object(try JSONObject([("keyId", .string(Base64.encode(Digest.sha256(key.spkiDER))))]))),
            ]))
    }

    /// A certificate transparency log to add: its name (used as its base URL, e.g. `https://ctfe.sigstore.dev/2022`)
    /// and its public key.
    public struct CTLog: Sendable {
        public var name: String
        public var key: PublicKey

        /// Creates a CT log entry.
        public init(name: String, key: PublicKey) {
            self.name = name
            self.key = key
        }
    }

    /// The converted trusted root with `ctlogs` added (valid from the legacy bundle's `not_before`: wsc bundles
    /// carry no CT log keys, and without them no Fulcio certificate's SCT verifies) and, when given, merged with
    /// a real Sigstore trusted root: every CA, transparency log, CT log and time-stamping authority of either is
    /// trusted, duplicates (same log id, same CA) once.
    public func trustedRoot(ctlogs: [CTLog], merging other: JSONValue?) throws -> JSONValue {
        do {
            let base = try trustedRoot.asObject("converted root")
            var lists: [String: [JSONValue]] = [:]
            var order = ["tlogs", "certificateAuthorities", "ctlogs", "timestampAuthorities"]
            var mediaType = try base.require("mediaType", "converted root").asString("mediaType")
            func add(_ key: String, _ items: [JSONValue]) throws {
                var list = lists[key] ?? []
                var seen = Set(try list.map(Self.identityKey))
                for item in items where seen.insert(try Self.identityKey(item)).inserted { list.append(item) }
                lists[key] = list
            }
            for key in order {
                try add(key, try base.optional(key)?.asArray("converted root.\(key)") ?? [])
            }
            try add("ctlogs", try ctlogs.map { try Self.logEntry(baseURL: $0.name, key: $0.key, start: notBefore) })
            if let other {
                let real: JSONObject
                do {
                    real = try TrustedRoot.protoNormalized(other).asObject("trusted root")
                } catch let error as SigstoreError {
                    throw TrustStoreError(.malformedBundle, "the trusted root: \(error.reason)")
                }
                mediaType = try real.require("mediaType", "trusted root").asString("trusted root.mediaType")
                for key in order {
                    try add(key, try real.optional(key)?.asArray("trusted root.\(key)") ?? [])
                }
                for member in real.members where !order.contains(member.key) && member.key != "mediaType" {
                    throw TrustStoreError(
                        .malformedBundle,
                        "the trusted root has a field \"\(member.key)\" this wsc does not know; nothing merged")
                }
                order = order.filter { lists[$0] != nil }
            }
            return .object(
                try JSONObject([("mediaType", .string(mediaType))] + order.map { ($0, .array(lists[$0] ?? [])) }))
        } catch let error as JSONError {
            throw TrustStoreError(.malformedBundle, "cannot merge the trusted roots: \(error.reason)")
        }
    }

    /// What makes two entries of a trusted root the same: a log's id, else the whole entry.
    static func identityKey(_ item: JSONValue) throws -> String {
        if case .object(let object) = item, case .object(let logID) = object["logId"] ?? .null,
            case .string(let keyID) = logID["keyId"] ?? .null
        {
            return "log:" + keyID
        }
        return String(decoding: JSONWriter.encode(item), as: UTF8.self)
    }
}
