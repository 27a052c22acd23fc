import WSCCrypto
import WSCJSON

/// A DSSE envelope (in-toto Dead Simple Signing Envelope): a payload, its type, and signatures over the
/// pre-authentication encoding of both. Signatures cover the exact payload bytes, never a re-serialization.
public struct DSSEEnvelope: Sendable, Hashable {
    /// One signature.
    public struct Signature: Sendable, Hashable {
        /// A hint naming the key (wsc writes the hex SHA-256 of the key's SubjectPublicKeyInfo); never trusted.
        public var keyID: String
        /// The signature bytes.
        public var signature: [UInt8]

        /// Creates a signature entry.
        public init(keyID: String, signature: [UInt8]) {
            self.keyID = keyID
            self.signature = signature
        }
    }

    /// The payload type, e.g. `application/vnd.wsc.trust-bundle.v1+json`.
    public var payloadType: String
    /// The exact payload bytes.
    public var payload: [UInt8]
    /// The signatures, in order.
    public var signatures: [Signature]

    /// Most signatures an envelope may carry.
    public static let maximumSignatures = 32

    /// Creates an envelope.
    public init(payloadType: String, payload: [UInt8], signatures: [Signature] = []) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }

    /// The bytes every signature covers: `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`.
    public static func preAuthenticationEncoding(payloadType: String, payload: [UInt8]) -> [UInt8] {
        let type = Array(payloadType.utf8)
        var out = Array("DSSEv1 \(type.count) ".utf8) + type + Array(" \(payload.count) ".utf8)
        out += payload
        return out
    }

    /// The pre-authentication encoding of this envelope.
    public var preAuthenticationEncoding: [UInt8] {
        DSSEEnvelope.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
    }

    /// Parses an envelope strictly: unknown fields, duplicate keys, bad Base64 and oversized input are refused.
    public init(parsing bytes: [UInt8], maximumSize: Int) throws {
        guard bytes.count <= maximumSize else {
            throw TrustStoreError(
                .limitExceeded, "the envelope is \(bytes.count) bytes, above the limit of \(maximumSize)")
        }
        guard !bytes.isEmpty else { throw TrustStoreError(.malformedEnvelope, "the envelope is empty") }
        do {
            var limits = JSONLimits()
            limits.maximumBytes = maximumSize
            limits.maximumStringBytes = maximumSize
            let root = try JSONParser.parse(bytes, limits: limits).asObject("envelope")
            try root.rejectUnknownKeys(allowed: ["payloadType", "payload", "signatures"], "envelope")
            payloadType = try root.require("payloadType", "envelope").asString("envelope.payloadType")
            let encoded = try root.require("payload", "envelope").asString("envelope.payload")
            guard let decoded = Base64.decode(encoded) else {
                throw TrustStoreError(.malformedEnvelope, "envelope.payload is not valid standard Base64")
            }
            payload = decoded
            let list = try root.require("signatures", "envelope").asArray("envelope.signatures")
            guard list.count <= DSSEEnvelope.maximumSignatures else {
                throw TrustStoreError(
                    .limitExceeded,
                    "the envelope has \(list.count) signatures, above the limit of \(DSSEEnvelope.maximumSignatures)")
            }
            signatures = try list.enumerated().map { index, item in
                let path = "envelope.signatures[\(index)]"
                let object = try item.asObject(path)
                try object.rejectUnknownKeys(allowed: ["keyid", "sig"], path)
                let keyID = try object.optional("keyid")?.asString("\(path).keyid") ?? ""
                let sig = try object.require("sig", path).asString("\(path).sig")
                guard let raw = Base64.decode(sig), !raw.isEmpty, raw.count <= 1024 else {
                    throw TrustStoreError(.malformedEnvelope, "\(path).sig is not a valid Base64 signature")
                }
                return Signature(keyID: keyID, signature: raw)
            }
        } catch let error as JSONError {
            throw TrustStoreError(.malformedEnvelope, "not a valid DSSE envelope: \(error.reason)")
        }
    }

    /// The envelope as JSON (pretty, stable key order).
    public func serialized() -> [UInt8] {
        let value = JSONValue.object(
            try! JSONObject([
                ("payloadType", .string(payloadType)),
                ("payload", .string(Base64.encode(payload))),
                (
                    "signatures",
                    .array(
                        signatures.map {
                            .object(
                                try! JSONObject([
                                    ("keyid", .string($0.keyID)), ("sig", .string(Base64.encode($0.signature))),
                                ]))
                        })
                ),
            ]))
        return JSONWriter.encode(value, pretty: true) + [0x0A]
    }
}
