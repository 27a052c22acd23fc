#if canImport(Glibc)
    import Glibc
#endif

/// Where a private key lives.
public enum KeyLocation: String, Sendable, CustomStringConvertible {
    /// A key file (or a systemd credential, which is a file), loaded into this process.
    case file
    /// A PKCS#11 token (HSM, smart card, SoftHSM): the key stays in the token.
    case pkcs11
    /// A TPM 2.0 persistent key: the key stays in the TPM.
    case tpm2

    public var description: String { rawValue }
}

/// A reference to a secret key, as given to `-k` or `[signing] key`: a file path, a `pkcs11:` URI (RFC 7512) or
/// `tpm2:handle=0x81…` (a persistent TPM key).
public enum KeyReference: Sendable {
    case file(String)
    case pkcs11(PKCS11URI)
    case tpm2(handle: UInt32)

    /// Parses `text`: `pkcs11:…` and `tpm2:…` are token references; anything else is a file path.
    public init(parsing text: String) throws {
        if text.hasPrefix("pkcs11:") {
            self = .pkcs11(try PKCS11URI(parsing: text))
        } else if text.hasPrefix("tpm2:") {
            self = .tpm2(handle: try KeyReference.parseTPM2(text))
        } else {
            self = .file(text)
        }
    }

    /// True for `pkcs11:` and `tpm2:` references.
    public static func isTokenReference(_ text: String) -> Bool {
        text.hasPrefix("pkcs11:") || text.hasPrefix("tpm2:")
    }

    /// Where the key lives.
    public var location: KeyLocation {
        switch self {
        case .file: .file
        case .pkcs11: .pkcs11
        case .tpm2: .tpm2
        }
    }

    static func parseTPM2(_ text: String) throws -> UInt32 {
        let body = text.dropFirst("tpm2:".count)
        let usage =
            "a TPM key reference is tpm2:handle=0x81XXXXXX (a persistent handle, made with tpm2_evictcontrol), not \(text)"
        guard body.hasPrefix("handle=") else { throw CryptoError(.invalidKeyReference, usage) }
        var value = body.dropFirst("handle=".count)
        guard value.hasPrefix("0x") || value.hasPrefix("0X") else { throw CryptoError(.invalidKeyReference, usage) }
        value = value.dropFirst(2)
        guard !value.isEmpty, value.count <= 8, let handle = UInt32(value, radix: 16) else {
            throw CryptoError(.invalidKeyReference, usage)
        }
        guard handle >> 24 == 0x81 else {
            throw CryptoError(
                .invalidKeyReference,
                "TPM handle 0x\(String(handle, radix: 16)) is not a persistent key handle (0x81000000-0x81ffffff)")
        }
        return handle
    }
}

/// A `pkcs11:` URI (RFC 7512) naming one private key: path attributes `token`, `serial`, `object`, `id`, `type`
/// (`private`), and query attributes `pin-source` (`file:PATH`), `pin-value`, `module-path`.
public struct PKCS11URI: Sendable, CustomStringConvertible {
    public var token: String?
    public var serial: String?
    public var object: String?
    public var id: [UInt8]?
    public var modulePath: String?
    /// `pin-source`: the file holding the PIN.
    public var pinSource: String?
    /// `pin-value`, when given in the URI (kept only until the key is opened; never shown).
    var pinValue: [UInt8]?

    static let pathAttributes = [
        "token", "serial", "object", "id", "type", "manufacturer", "model", "library-description",
        "library-manufacturer", "library-version", "slot-description", "slot-id", "slot-manufacturer",
    ]
    static let queryAttributes = ["pin-source", "pin-value", "module-path", "module-name"]

    public init(parsing text: String) throws {
        guard text.hasPrefix("pkcs11:") else {
            throw CryptoError(.invalidKeyReference, "a PKCS#11 URI starts with pkcs11:")
        }
        let rest = Substring(text.utf8.dropFirst(7))
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts.first.map(String.init) ?? ""
        let query = parts.count > 1 ? String(parts[1]) : ""
        for (attribute, separator, allowed) in [
            (path, ";" as Character, PKCS11URI.pathAttributes), (query, "&" as Character, PKCS11URI.queryAttributes),
        ] {
            for item in attribute.split(separator: separator) {
                guard let equals = item.firstIndex(of: "=") else {
                    throw CryptoError(.invalidKeyReference, "PKCS#11 URI attribute \(item.prefix(40)) has no value")
                }
                let name = String(item[..<equals])
                guard allowed.contains(name) else {
                    throw CryptoError(
                        .invalidKeyReference,
                        "unknown PKCS#11 URI attribute \(name.prefix(40)) (accepted: token, serial, object, id, type; "
                            + "query: pin-source, pin-value, module-path)")
                }
                var value = try PKCS11URI.percentDecode(item[item.index(after: equals)...], attribute: name)
                switch name {
                case "token": token = String(decoding: value, as: UTF8.self)
                case "serial": serial = String(decoding: value, as: UTF8.self)
                case "object": object = String(decoding: value, as: UTF8.self)
                case "id": id = value
                case "type":
                    guard value == Array("private".utf8) else {
                        throw CryptoError(.invalidKeyReference, "a signing key reference names type=private")
                    }
                case "pin-source":
                    var source = String(decoding: value, as: UTF8.self)
                    if source.hasPrefix("file:") { source.removeFirst(5) }
                    guard source.hasPrefix("/") else {
                        throw CryptoError(
                            .invalidKeyReference, "pin-source must be file:/ABSOLUTE/PATH (a file holding the PIN)")
                    }
                    pinSource = source
                case "pin-value": pinValue = value
                case "module-path": modulePath = String(decoding: value, as: UTF8.self)
                default: break
                }
                SecretBytes.wipe(&value)
            }
        }
        guard object != nil || id != nil else {
            throw CryptoError(
                .invalidKeyReference, "a PKCS#11 key reference names its key: object=LABEL or id=%XX… (or both)")
        }
        guard pinSource == nil || pinValue == nil else {
            throw CryptoError(.invalidKeyReference, "give either pin-source or pin-value, not both")
        }
    }

    static func percentDecode(_ text: Substring, attribute: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)
        defer { SecretBytes.wipe(&bytes) }
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count,
                    let byte = Hex.decode(
                        String(decoding: bytes[i + 1...i + 2], as: UTF8.self), acceptingUppercase: true),
                    byte.count == 1
                else {
                    throw CryptoError(
                        .invalidKeyReference, "bad percent-encoding in the PKCS#11 URI attribute \(attribute)")
                }
                out.append(byte[0])
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// The URI without its PIN (`pin-value` is shown as `***`).
    public var description: String {
        var path: [String] = []
        if let token { path.append("token=\(token)") }
        if let serial { path.append("serial=\(serial)") }
        if let object { path.append("object=\(object)") }
        if let id { path.append("id=" + id.map { "%" + Hex.encode([$0]) }.joined()) }
        var query: [String] = []
        if let modulePath { query.append("module-path=\(modulePath)") }
        if let pinSource { query.append("pin-source=file:\(pinSource)") }
        if pinValue != nil { query.append("pin-value=***") }
        return "pkcs11:" + path.joined(separator: ";") + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }
}

/// Settings for reaching tokens that a reference does not carry: the PKCS#11 module and the TPM's TCTI.
public struct TokenSettings: Sendable {
    /// The PKCS#11 module when the URI has no `module-path`; else `WSC_PKCS11_MODULE`.
    public var pkcs11Module: String?
    /// The TPM's TCTI (`device:/dev/tpmrm0`, `swtpm:port=2321`); else `WSC_TPM2_TCTI`, else `device:/dev/tpmrm0`.
    public var tpm2TCTI: String?

    public init(pkcs11Module: String? = nil, tpm2TCTI: String? = nil) {
        self.pkcs11Module = pkcs11Module
        self.tpm2TCTI = tpm2TCTI
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    var resolvedTCTI: String { tpm2TCTI ?? TokenSettings.environment("WSC_TPM2_TCTI") ?? "device:/dev/tpmrm0" }
    var resolvedModule: String? { pkcs11Module ?? TokenSettings.environment("WSC_PKCS11_MODULE") }
}
