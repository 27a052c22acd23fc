import Foundation

/// Sigstore bundles (v0.3, no transparency log entry) assembled by hand from an OpenSSL signature: an
/// independent producer, so the tests do not only check wsc against itself.
enum HandBuiltBundle {
    static func messageSignature(digest: [UInt8], signature: [UInt8], material: String) -> [UInt8] {
        let json = """
            {"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
             "verificationMaterial":{\(material),"tlogEntries":[]},
             "messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"\(Data(digest).base64EncodedString())"},
                                 "signature":"\(Data(signature).base64EncodedString())"}}
            """
        return Array(json.utf8)
    }

    static func keySigned(digest: [UInt8], signature: [UInt8], hint: String?) -> [UInt8] {
        messageSignature(
            digest: digest, signature: signature,
            material: hint.map { #""publicKey":{"hint":"\#($0)"}"# } ?? #""publicKey":{}"#)
    }

    static func certificateSigned(digest: [UInt8], signature: [UInt8], leafDER: [UInt8]) -> [UInt8] {
        messageSignature(
            digest: digest, signature: signature,
            material: #""certificate":{"rawBytes":"\#(Data(leafDER).base64EncodedString())"}"#)
    }
}
