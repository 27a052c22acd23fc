import WSCCrypto
import WSCJSON

/// The checks a trust bundle applies to an embedded Sigstore `trusted_root.json` before sealing it: it is
/// a trusted root by its media type, and every key and certificate in it parses. The Sigstore verifier
/// applies the rest of its rules when it uses the root.
enum SigstoreTrustedRootCheck {
    static func validate(_ value: JSONValue, _ path: String) throws {
        let root = try value.asObject(path)
        let mediaType = try root.require("mediaType", path).asString("\(path).mediaType")
        guard mediaType.hasPrefix("application/vnd.dev.sigstore.trustedroot") else {
            throw TrustStoreError(.malformedBundle, "\(path).mediaType is \(mediaType), not a Sigstore trusted root")
        }
        for list in ["tlogs", "ctlogs"] {
            guard let entries = try root.optional(list)?.asArray("\(path).\(list)") else { continue }
            for (i, entry) in entries.enumerated() {
                let p = "\(path).\(list)[\(i)].publicKey"
                let key = try entry.asObject("\(path).\(list)[\(i)]").require("publicKey", "\(path).\(list)[\(i)]")
                    .asObject(p)
                let raw = try key.require("rawBytes", p).asString("\(p).rawBytes")
                guard let der = Base64.decode(raw) else {
                    throw TrustStoreError(.invalidKeyMaterial, "\(p).rawBytes is not Base64")
                }
                do {
                    _ = try PublicKey(spkiDER: der)
                } catch let error as CryptoError {
                    throw TrustStoreError(.invalidKeyMaterial, "\(p) does not parse: \(error.reason)")
                }
            }
        }
        for list in ["certificateAuthorities", "timestampAuthorities"] {
            guard let entries = try root.optional(list)?.asArray("\(path).\(list)") else { continue }
            for (i, entry) in entries.enumerated() {
                let p = "\(path).\(list)[\(i)].certChain"
                let chain = try entry.asObject("\(path).\(list)[\(i)]").require("certChain", "\(path).\(list)[\(i)]")
                    .asObject(p)
                let certificates = try chain.require("certificates", p).asArray("\(p).certificates")
                for (j, item) in certificates.enumerated() {
                    let raw = try item.asObject("\(p).certificates[\(j)]").require(
                        "rawBytes", "\(p).certificates[\(j)]"
                    )
                    .asString("\(p).certificates[\(j)].rawBytes")
                    guard let der = Base64.decode(raw) else {
                        throw TrustStoreError(.invalidKeyMaterial, "\(p).certificates[\(j)].rawBytes is not Base64")
                    }
                    do {
                        _ = try Certificate(der: der)
                    } catch let error as CryptoError {
                        throw TrustStoreError(
                            .invalidKeyMaterial, "\(p).certificates[\(j)] does not parse: \(error.reason)")
                    }
                }
            }
        }
    }
}
