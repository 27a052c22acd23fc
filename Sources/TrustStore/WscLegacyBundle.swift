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
                let details: String
                switch key.type {
                case .ed25519: details = "PKIX_ED25519"
                case .ecdsaP256: details = "PKIX_ECDSA_P256_SHA_256"
                case .ecdsaP384: details = "PKIX_ECDSA_P384_SHA_384"
                case .rsa: details = "PKIX_RSA_PKCS1V15_2048_SHA256"
                }
                let start =
                    try log.optional("valid_for")?.asObject("\(path).valid_for").optional("not_before")?
                    .asInteger("\(path).valid_for.not_before") ?? notBefore
                tlogs.append(
                    .object(
                        try JSONObject([
                            ("baseUrl", .string(try log.require("base_url", path).asString("\(path).base_url"))),
                            ("hashAlgorithm", .string("SHA2_256")),
                            (
                                "publicKey",
                                .object(
                                    try JSONObject([
                                        ("rawBytes", .string(Base64.encode(key.spkiDER))),
                                        ("keyDetails", .string(details)),
                                        (
                                            "validFor",
                                            .object(try JSONObject([("start", .string(RFC3339.format(start)))]))
                                        ),
                                    ]))
                            ),
                            (
                                "logId",
                                .object(try JSONObject([("keyId", .string(Base64.encode(Digest.sha256(key.spkiDER))))]))
                            ),
                        ])))
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
}
