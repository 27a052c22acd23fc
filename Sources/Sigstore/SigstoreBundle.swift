import WSCCrypto
import WSCJSON

/// A parsed Sigstore bundle (`dev.sigstore.bundle.v1.Bundle`, media types v0.1 to v0.3). Parsing checks
/// structure only (schema, base64, non-negative indices, the media type); nothing here is trusted yet.
struct SigstoreBundle: Sendable {
    enum Version: Int, Comparable {
        case v01 = 1, v02, v03
        static func < (lhs: Version, rhs: Version) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    enum Material {
        /// The leaf signing certificate, and the certificates a v0.1/v0.2 chain carried after it (never used
        /// for Fulcio; untrusted helpers for a private CA, which must still chain to the node's own roots).
        case certificate(Certificate, chain: [Certificate])
        /// A managed key, named by a hint only: the caller supplies the key.
        case publicKey(hint: String?)
    }

    struct InclusionProof {
        let logIndex: Int64
        let rootHash: [UInt8]
        let treeSize: Int64
        let hashes: [[UInt8]]
        let checkpoint: String?
    }

    struct LogEntry {
        let logIndex: Int64
        let logID: [UInt8]
        let kind: String
        let version: String
        let integratedTime: Int64?
        let signedEntryTimestamp: [UInt8]?
        let inclusionProof: InclusionProof?
        let body: [UInt8]
    }

    enum Content {
        case messageSignature(digest: (algorithm: String, bytes: [UInt8])?, signature: [UInt8])
        case dsse(payload: [UInt8], payloadType: String, signature: [UInt8])
    }

    let version: Version
    let material: Material
    let entries: [LogEntry]
    let timestamps: [[UInt8]]
    let content: Content

    /// The signature bytes a time-stamp must cover: the message signature or the DSSE signature.
    var signature: [UInt8] {
        switch content {
        case .messageSignature(_, let signature): signature
        case .dsse(_, _, let signature): signature
        }
    }

    static let maximumTimestamps = 32
    static let maximumLogEntries = 32

    static func version(mediaType: String) -> Version? {
        switch mediaType {
        case "application/vnd.dev.sigstore.bundle+json;version=0.1": .v01
        case "application/vnd.dev.sigstore.bundle+json;version=0.2": .v02
        case "application/vnd.dev.sigstore.bundle+json;version=0.3", "application/vnd.dev.sigstore.bundle.v0.3+json":
            .v03
        default: nil
        }
    }

    init(json: [UInt8]) throws {
        let reader = FieldReader(code: .malformedBundle)
        let value: JSONValue
        do {
            value = try ProtoJSON.normalize(JSONParser.parse(json), code: .malformedBundle)
        } catch let error as JSONError {
            throw SigstoreError(.malformedBundle, "bundle JSON: \(error.reason)")
        }
        let root = try reader.object(value, "bundle")
        let mediaType = try reader.string(root.optional("mediaType"), "mediaType")
        guard let version = SigstoreBundle.version(mediaType: mediaType) else {
            throw SigstoreError(.malformedBundle, "unsupported bundle media type \"\(mediaType)\"")
        }
        self.version = version
        let material = try reader.object(root.optional("verificationMaterial"), "verificationMaterial")
        self.material = try SigstoreBundle.material(material, version: version)

        var entries: [LogEntry] = []
        if let list = material.optional("tlogEntries") {
            let items = try reader.array(list, "verificationMaterial.tlogEntries")
            // Counted before any entry is decoded: the work never grows with what the bundle claims.
            guard items.count <= SigstoreBundle.maximumLogEntries else {
                throw SigstoreError(
                    .malformedBundle,
                    "the bundle holds \(items.count) transparency log entries, more than \(SigstoreBundle.maximumLogEntries)"
                )
            }
            for (index, entry) in items.enumerated() {
                entries.append(try SigstoreBundle.entry(entry, "verificationMaterial.tlogEntries[\(index)]"))
            }
        }
        self.entries = entries

        var timestamps: [[UInt8]] = []
        if let data = material.optional("timestampVerificationData") {
            let path = "verificationMaterial.timestampVerificationData"
            let object = try reader.object(data, path)
            if let list = object.optional("rfc3161Timestamps") {
                let items = try reader.array(list, "\(path).rfc3161Timestamps")
                guard items.count <= SigstoreBundle.maximumTimestamps else {
                    throw SigstoreError(
                        .malformedBundle,
                        "the bundle holds \(items.count) timestamps, more than \(SigstoreBundle.maximumTimestamps)")
                }
                for (index, item) in items.enumerated() {
                    let itemPath = "\(path).rfc3161Timestamps[\(index)]"
                    let itemObject = try reader.object(item, itemPath)
                    timestamps.append(
                        try reader.base64(itemObject.optional("signedTimestamp"), "\(itemPath).signedTimestamp"))
                }
            }
        }
        guard timestamps.count <= SigstoreBundle.maximumTimestamps else {
            throw SigstoreError(.malformedBundle, "the bundle holds \(timestamps.count) timestamps, more than 32")
        }
        guard Set(timestamps).count == timestamps.count else {
            throw SigstoreError(.malformedBundle, "the bundle repeats an RFC 3161 timestamp")
        }
        self.timestamps = timestamps

        let message = root.optional("messageSignature")
        let envelope = root.optional("dsseEnvelope")
        switch (message, envelope) {
        case (let message?, nil):
            let object = try reader.object(message, "messageSignature")
            let signature = try reader.base64(object.optional("signature"), "messageSignature.signature")
            guard !signature.isEmpty else {
                throw SigstoreError(.malformedBundle, "messageSignature.signature is empty")
            }
            var digest: (String, [UInt8])? = nil
            if let digestValue = object.optional("messageDigest") {
                let digestObject = try reader.object(digestValue, "messageSignature.messageDigest")
                digest = (
                    try reader.string(digestObject.optional("algorithm"), "messageSignature.messageDigest.algorithm"),
                    try reader.base64(digestObject.optional("digest"), "messageSignature.messageDigest.digest")
                )
            }
            content = .messageSignature(digest: digest, signature: signature)
        case (nil, let envelope?):
            let object = try reader.object(envelope, "dsseEnvelope")
            let payload = try reader.base64(object.optional("payload"), "dsseEnvelope.payload")
            let payloadType = try reader.string(object.optional("payloadType"), "dsseEnvelope.payloadType")
            let signatures = try reader.array(object.optional("signatures"), "dsseEnvelope.signatures")
            guard signatures.count == 1 else {
                throw SigstoreError(
                    .malformedBundle,
                    "dsseEnvelope.signatures must hold exactly one signature, found \(signatures.count)")
            }
            let first = try reader.object(signatures[0], "dsseEnvelope.signatures[0]")
            let signature = try reader.base64(first.optional("sig"), "dsseEnvelope.signatures[0].sig")
            guard !signature.isEmpty else { throw SigstoreError(.malformedBundle, "the DSSE signature is empty") }
            content = .dsse(payload: payload, payloadType: payloadType, signature: signature)
        default:
            throw SigstoreError(
                .malformedBundle, "the bundle must hold exactly one of messageSignature and dsseEnvelope")
        }
    }

    static func material(_ object: JSONObject, version: Version) throws -> Material {
        let reader = FieldReader(code: .malformedBundle)
        let path = "verificationMaterial"
        let present = ["publicKey", "x509CertificateChain", "certificate"].filter { object.optional($0) != nil }
        guard present.count == 1 else {
            throw SigstoreError(
                .malformedBundle, "\(path) must hold exactly one of publicKey, x509CertificateChain and certificate")
        }
        // The signing certificate's key is decoded when it is used, not by OpenSSL's parse (see
        // `Certificate(deferringKeyDER:)`); the rest of a chain is parsed whole.
        func certificate(_ der: [UInt8], _ at: String, leaf: Bool) throws -> Certificate {
            do {
                return leaf ? try Certificate(deferringKeyDER: der) : try Certificate(der: der)
            } catch let error as CryptoError {
                throw SigstoreError(.malformedBundle, "\(at): \(error.reason)")
            }
        }
        switch present[0] {
        case "publicKey":
            let key = try reader.object(object.optional("publicKey"), "\(path).publicKey")
            return .publicKey(hint: try key.optional("hint").map { try reader.string($0, "\(path).publicKey.hint") })
        case "certificate":
            guard version == .v03 else {
                throw SigstoreError(
                    .malformedBundle, "\(path).certificate needs a v0.3 bundle; use x509CertificateChain")
            }
            let cert = try reader.object(object.optional("certificate"), "\(path).certificate")
            let der = try reader.base64(cert.optional("rawBytes"), "\(path).certificate.rawBytes")
            return .certificate(try certificate(der, "\(path).certificate", leaf: true), chain: [])
        default:
            guard version < .v03 else {
                throw SigstoreError(.malformedBundle, "a v0.3 bundle must carry \(path).certificate, not a chain")
            }
            let chainPath = "\(path).x509CertificateChain.certificates"
            let chain = try reader.object(object.optional("x509CertificateChain"), "\(path).x509CertificateChain")
            let list = try reader.array(chain.optional("certificates"), chainPath)
            guard !list.isEmpty else { throw SigstoreError(.malformedBundle, "\(chainPath) is empty") }
            guard list.count <= Certificate.maximumChainLength else {
                throw SigstoreError(.malformedBundle, "\(chainPath) holds more than 32 certificates")
            }
            var certificates: [Certificate] = []
            for (index, item) in list.enumerated() {
                let der = try reader.base64(
                    try reader.object(item, "\(chainPath)[\(index)]").optional("rawBytes"),
                    "\(chainPath)[\(index)].rawBytes")
                certificates.append(try certificate(der, "\(chainPath)[\(index)]", leaf: index == 0))
            }
            // Signers must not include the root: a self-signed certificate here means the bundle tries to
            // bring its own trust anchor.
            for (index, cert) in certificates.enumerated() where cert.subject == cert.issuer && cert.isSignedBy(cert) {
                throw SigstoreError(
                    .malformedBundle,
                    "\(chainPath)[\(index)] is a self-signed root certificate; bundles must not carry roots")
            }
            return .certificate(certificates[0], chain: Array(certificates.dropFirst()))
        }
    }

    static func entry(_ value: JSONValue, _ path: String) throws -> LogEntry {
        let reader = FieldReader(code: .malformedBundle)
        let object = try reader.object(value, path)
        let logIndex = try reader.nonNegativeInteger(object.optional("logIndex"), "\(path).logIndex")
        let logID = try reader.base64(
            try reader.object(object.optional("logId"), "\(path).logId").optional("keyId"), "\(path).logId.keyId")
        let kindVersion = try reader.object(object.optional("kindVersion"), "\(path).kindVersion")
        let kind = try reader.string(kindVersion.optional("kind"), "\(path).kindVersion.kind")
        let version = try reader.string(kindVersion.optional("version"), "\(path).kindVersion.version")
        var integratedTime: Int64? = nil
        if let time = object.optional("integratedTime") {
            let value = try reader.nonNegativeInteger(time, "\(path).integratedTime")
            integratedTime = value == 0 ? nil : value
        }
        var set: [UInt8]? = nil
        if let promise = object.optional("inclusionPromise") {
            let promiseObject = try reader.object(promise, "\(path).inclusionPromise")
            set = try reader.base64(
                promiseObject.optional("signedEntryTimestamp"), "\(path).inclusionPromise.signedEntryTimestamp")
        }
        var proof: InclusionProof? = nil
        if let proofValue = object.optional("inclusionProof") {
            let proofPath = "\(path).inclusionProof"
            let proofObject = try reader.object(proofValue, proofPath)
            var hashes: [[UInt8]] = []
            if let list = proofObject.optional("hashes") {
                for (index, item) in try reader.array(list, "\(proofPath).hashes").enumerated() {
                    hashes.append(try reader.base64(item, "\(proofPath).hashes[\(index)]"))
                }
            }
            var checkpoint: String? = nil
            if let checkpointValue = proofObject.optional("checkpoint") {
                let checkpointObject = try reader.object(checkpointValue, "\(proofPath).checkpoint")
                checkpoint = try reader.string(
                    checkpointObject.optional("envelope"), "\(proofPath).checkpoint.envelope")
            }
            proof = InclusionProof(
                logIndex: try reader.nonNegativeInteger(proofObject.optional("logIndex"), "\(proofPath).logIndex"),
                rootHash: try reader.base64(proofObject.optional("rootHash"), "\(proofPath).rootHash"),
                treeSize: try reader.nonNegativeInteger(proofObject.optional("treeSize"), "\(proofPath).treeSize"),
                hashes: hashes, checkpoint: checkpoint)
        }
        let body = try reader.base64(object.optional("canonicalizedBody"), "\(path).canonicalizedBody")
        return LogEntry(
            logIndex: logIndex, logID: logID, kind: kind, version: version, integratedTime: integratedTime,
            signedEntryTimestamp: set, inclusionProof: proof, body: body)
    }
}
