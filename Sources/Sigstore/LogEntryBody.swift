import WSCCrypto
import WSCJSON

/// Checks that a transparency log entry body (`canonicalizedBody`) describes exactly this bundle: the same
/// digest or payload, the same signature, the same certificate or key.
enum LogEntryBody {
    /// The signing material the body must name.
    enum Signer {
        case certificate(Certificate)
        case key(PublicKey)
    }

    /// What was signed, as the bundle and artifact say.
    enum Signed {
        /// A message signature over the artifact whose SHA-256 is `digest`.
        case message(digest: [UInt8], signature: [UInt8])
        /// A DSSE envelope.
        case dsse(payload: [UInt8], payloadType: String, pae: [UInt8], signature: [UInt8])
    }

    static func fail(_ why: String) -> SigstoreError {
        SigstoreError(.logEntryMismatch, "the transparency log entry does not match the bundle: \(why)")
    }

    static let reader = FieldReader(code: .logEntryMismatch)

    static func check(kind: String, version: String, body: [UInt8], signer: Signer, signed: Signed) throws {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch let error as JSONError {
            throw fail("the body is not JSON (\(error.reason))")
        }
        let root = try reader.object(value, "body")
        let bodyKind = try reader.string(root.optional("kind"), "body.kind")
        let apiVersion = try reader.string(root.optional("apiVersion"), "body.apiVersion")
        guard bodyKind == kind, apiVersion == version else {
            throw fail("the body is \(bodyKind) \(apiVersion), the entry says \(kind) \(version)")
        }
        let spec = try reader.object(root.optional("spec"), "body.spec")
        switch (kind, version, signed) {
        case ("hashedrekord", "0.0.1", .message(let digest, let signature)):
            try hashedRekordV001(spec, signer: signer, digest: digest, signature: signature)
        case ("hashedrekord", "0.0.2", .message(let digest, let signature)):
            try hashedRekordV002(spec, signer: signer, digest: digest, signature: signature)
        case ("hashedrekord", "0.0.2", .dsse(_, _, let pae, let signature)):
            try hashedRekordV002(spec, signer: signer, digest: Digest.sha256(pae), signature: signature)
        case ("dsse", "0.0.1", .dsse(let payload, _, _, let signature)):
            try dsseV001(spec, signer: signer, payload: payload, signature: signature)
        case ("intoto", "0.0.2", .dsse(let payload, let payloadType, _, let signature)):
            try intotoV002(spec, signer: signer, payload: payload, payloadType: payloadType, signature: signature)
        default:
            throw SigstoreError(
                .unsupported, "log entry kind \(kind) \(version) is not supported for this bundle content")
        }
    }

    /// The PEM certificate or public key in a body, base64 of the PEM text, must be the signer.
    static func checkPEM(_ value: JSONValue?, _ path: String, signer: Signer) throws {
        let pemBytes = try reader.base64(value, path)
        // The usual case first: the leaf in the PEM form Sigstore clients log, compared byte for byte.
        if case .certificate(let leaf) = signer, pemBytes == pemText(leaf.der, label: "CERTIFICATE") { return }
        let pem = String(decoding: pemBytes, as: UTF8.self)
        switch signer {
        case .certificate(let leaf):
            // Compare the DER inside the PEM with the leaf's: the same bytes, without parsing a second certificate.
            guard let block = try? PEM.decode(pem, expecting: ["CERTIFICATE"]), block.der == leaf.der else {
                throw fail("\(path) is not the bundle's signing certificate")
            }
        case .key(let key):
            guard let logged = try? PublicKey(pem: pem), logged.spkiDER == key.spkiDER else {
                throw fail("\(path) is not the expected public key")
            }
        }
    }

    /// PEM as Sigstore clients write it: Base64 in 64-character lines, every line (the last too) ending in a newline.
    static func pemText(_ der: [UInt8], label: String) -> [UInt8] {
        var base64: [UInt8] = []
        Base64.encode(der, appendingTo: &base64)
        var out: [UInt8] = []
        out.reserveCapacity(base64.count + base64.count / 64 + 2 * label.utf8.count + 40)
        out += "-----BEGIN \(label)-----\n".utf8
        var start = 0
        while start < base64.count {
            let end = min(start + 64, base64.count)
            out += base64[start..<end]
            out.append(0x0A)
            start = end
        }
        out += "-----END \(label)-----\n".utf8
        return out
    }

    static func hashedRekordV001(_ spec: JSONObject, signer: Signer, digest: [UInt8], signature: [UInt8]) throws {
        let data = try reader.object(spec.optional("data"), "spec.data")
        let hash = try reader.object(data.optional("hash"), "spec.data.hash")
        let algorithm = try reader.string(hash.optional("algorithm"), "spec.data.hash.algorithm")
        let value = try reader.string(hash.optional("value"), "spec.data.hash.value")
        guard algorithm == "sha256", Hex.decode(value, acceptingUppercase: true) == digest else {
            throw fail("the logged digest \(algorithm):\(value) is not the artifact's sha256:\(Hex.encode(digest))")
        }
        let signatureObject = try reader.object(spec.optional("signature"), "spec.signature")
        guard try reader.base64(signatureObject.optional("content"), "spec.signature.content") == signature else {
            throw fail("the logged signature is not the bundle's signature")
        }
        let key = try reader.object(signatureObject.optional("publicKey"), "spec.signature.publicKey")
        try checkPEM(key.optional("content"), "spec.signature.publicKey.content", signer: signer)
    }

    static func keyDetails(_ key: PublicKey) -> String? {
        switch key.type {
        case .ecdsaP256: "PKIX_ECDSA_P256_SHA_256"
        case .ecdsaP384: "PKIX_ECDSA_P384_SHA_384"
        case .ed25519: "PKIX_ED25519"
        case .rsa: nil
        }
    }

    static func hashedRekordV002(_ spec: JSONObject, signer: Signer, digest: [UInt8], signature: [UInt8]) throws {
        let inner = try reader.object(spec.optional("hashedRekordV002"), "spec.hashedRekordV002")
        let data = try reader.object(inner.optional("data"), "spec.hashedRekordV002.data")
        let algorithm = try reader.string(data.optional("algorithm"), "spec.hashedRekordV002.data.algorithm")
        guard algorithm == "SHA2_256",
            try reader.base64(data.optional("digest"), "spec.hashedRekordV002.data.digest") == digest
        else { throw fail("the logged digest is not the SHA-256 of what was signed") }
        let signatureObject = try reader.object(inner.optional("signature"), "spec.hashedRekordV002.signature")
        guard try reader.base64(signatureObject.optional("content"), "signature.content") == signature else {
            throw fail("the logged signature is not the bundle's signature")
        }
        let verifier = try reader.object(signatureObject.optional("verifier"), "signature.verifier")
        let signingKey: PublicKey
        switch signer {
        case .certificate(let leaf):
            let x509 = try reader.object(verifier.optional("x509Certificate"), "verifier.x509Certificate")
            guard try reader.base64(x509.optional("rawBytes"), "verifier.x509Certificate.rawBytes") == leaf.der else {
                throw fail("the logged certificate is not the bundle's signing certificate")
            }
            do {
                signingKey = try leaf.publicKey
            } catch {
                throw SigstoreError(.unsupported, "the signing certificate's key is not supported")
            }
        case .key(let key):
            let publicKey = try reader.object(verifier.optional("publicKey"), "verifier.publicKey")
            guard try reader.base64(publicKey.optional("rawBytes"), "verifier.publicKey.rawBytes") == key.spkiDER else {
                throw fail("the logged public key is not the expected key")
            }
            signingKey = key
        }
        let details = try reader.string(verifier.optional("keyDetails"), "verifier.keyDetails")
        if let expected = keyDetails(signingKey), details != expected {
            throw fail("the logged key details \(details) do not fit a \(signingKey.type) key")
        }
    }

    static func dsseV001(_ spec: JSONObject, signer: Signer, payload: [UInt8], signature: [UInt8]) throws {
        let payloadHash = try reader.object(spec.optional("payloadHash"), "spec.payloadHash")
        let algorithm = try reader.string(payloadHash.optional("algorithm"), "spec.payloadHash.algorithm")
        let value = try reader.string(payloadHash.optional("value"), "spec.payloadHash.value")
        guard algorithm == "sha256", Hex.decode(value, acceptingUppercase: true) == Digest.sha256(payload) else {
            throw fail("the logged payload hash is not the SHA-256 of the envelope payload")
        }
        let signatures = try reader.array(spec.optional("signatures"), "spec.signatures")
        guard signatures.count == 1 else { throw fail("the entry must log exactly one signature") }
        let first = try reader.object(signatures[0], "spec.signatures[0]")
        guard try reader.base64(first.optional("signature"), "spec.signatures[0].signature") == signature else {
            throw fail("the logged signature is not the envelope's signature")
        }
        try checkPEM(first.optional("verifier"), "spec.signatures[0].verifier", signer: signer)
    }

    /// intoto 0.0.2 double-encodes: the logged payload and signature are base64 of the envelope's base64 text.
    static func intotoV002(
        _ spec: JSONObject, signer: Signer, payload: [UInt8], payloadType: String, signature: [UInt8]
    ) throws {
        let content = try reader.object(spec.optional("content"), "spec.content")
        let payloadHash = try reader.object(content.optional("payloadHash"), "spec.content.payloadHash")
        let algorithm = try reader.string(payloadHash.optional("algorithm"), "payloadHash.algorithm")
        let value = try reader.string(payloadHash.optional("value"), "payloadHash.value")
        guard algorithm == "sha256", Hex.decode(value, acceptingUppercase: true) == Digest.sha256(payload) else {
            throw fail("the logged payload hash is not the SHA-256 of the envelope payload")
        }
        let envelope = try reader.object(content.optional("envelope"), "spec.content.envelope")
        func doubleDecoded(_ value: JSONValue?, _ path: String) throws -> [UInt8] {
            let once = try reader.base64(value, path)
            guard let twice = Base64.decode(String(decoding: once, as: UTF8.self)) else {
                throw fail("\(path) is not base64 of base64")
            }
            return twice
        }
        guard try doubleDecoded(envelope.optional("payload"), "envelope.payload") == payload else {
            throw fail("the logged envelope payload is not the bundle's payload")
        }
        guard try reader.string(envelope.optional("payloadType"), "envelope.payloadType") == payloadType else {
            throw fail("the logged payload type is not the bundle's")
        }
        let signatures = try reader.array(envelope.optional("signatures"), "envelope.signatures")
        guard signatures.count == 1 else { throw fail("the entry must log exactly one signature") }
        let first = try reader.object(signatures[0], "envelope.signatures[0]")
        guard try doubleDecoded(first.optional("sig"), "envelope.signatures[0].sig") == signature else {
            throw fail("the logged signature is not the envelope's signature")
        }
        try checkPEM(first.optional("publicKey"), "envelope.signatures[0].publicKey", signer: signer)
    }
}
