internal import COpenSSL

extension Certificate {
    /// The entry of ``extensions`` with `oid`, or `nil`. If a (malformed) certificate repeats an extension,
    /// the first occurrence.
    public func extensionValue(oid: String) -> CertificateExtension? {
        extensions.first { $0.oid == oid }
    }

    /// The subject alternative names, in certificate order; empty when the extension is absent, repeated or
    /// malformed.
    public var subjectAlternativeNames: [GeneralName] {
        var critical: Int32 = 0
        guard let raw = X509_get_ext_d2i(x509, NID_subject_alt_name, &critical, nil) else {
            OpenSSLErrors.clear()
            return []
        }
        let names = OpaquePointer(raw)
        defer { wsc_GENERAL_NAMES_free(names) }
        var result: [GeneralName] = []
        for index in 0..<wsc_sk_GENERAL_NAME_num(names) {
            guard let name = wsc_sk_GENERAL_NAME_value(names, index) else { continue }
            let type = wsc_GENERAL_NAME_type(name)
            let bytes = Certificate.bytes(of: wsc_GENERAL_NAME_ia5(name))
            switch type {
            case GEN_EMAIL: result.append(.email(String(decoding: bytes, as: UTF8.self)))
            case GEN_DNS: result.append(.dns(String(decoding: bytes, as: UTF8.self)))
            case GEN_URI: result.append(.uri(String(decoding: bytes, as: UTF8.self)))
            case GEN_IPADD: result.append(.ipAddress(bytes))
            default: result.append(.other(type: Int(type)))
            }
        }
        return result
    }

    /// The extended key usage OIDs in dotted form, or `nil` when the certificate has no such extension.
    /// An extension that is present but repeated or malformed reads as an empty list, so no usage matches.
    public var extendedKeyUsages: [String]? {
        var critical: Int32 = 0
        guard let raw = X509_get_ext_d2i(x509, NID_ext_key_usage, &critical, nil) else {
            OpenSSLErrors.clear()
            return critical == -1 ? nil : []
        }
        let usages = OpaquePointer(raw)
        defer { wsc_EXTENDED_KEY_USAGE_free(usages) }
        var result: [String] = []
        for index in 0..<wsc_sk_ASN1_OBJECT_num(usages) {
            if let object = wsc_sk_ASN1_OBJECT_value(usages, index), let oid = Certificate.dottedOID(object) {
                result.append(oid)
            }
        }
        return result
    }

    /// Whether basic constraints mark this certificate as a CA. `false` when the extension is absent or
    /// malformed.
    public var isCA: Bool {
        basicConstraints()?.isCA ?? false
    }

    /// The basic constraints path length limit of a CA certificate, or `nil` when there is none.
    public var pathLengthConstraint: Int? {
        basicConstraints()?.pathLength
    }

    private func basicConstraints() -> (isCA: Bool, pathLength: Int?)? {
        var critical: Int32 = 0
        guard let raw = X509_get_ext_d2i(x509, NID_basic_constraints, &critical, nil) else {
            OpenSSLErrors.clear()
            return nil
        }
        let constraints = raw.assumingMemoryBound(to: BASIC_CONSTRAINTS.self)
        defer { BASIC_CONSTRAINTS_free(constraints) }
        let isCA = wsc_BASIC_CONSTRAINTS_is_ca(constraints) == 1
        guard let pathLength = wsc_BASIC_CONSTRAINTS_pathlen(constraints) else { return (isCA, nil) }
        let value = ASN1_INTEGER_get(pathLength)
        // ASN1_INTEGER_get returns -1 on error or for values that do not fit; a negative limit is invalid.
        guard value >= 0 else {
            OpenSSLErrors.clear()
            return (isCA, 0)
        }
        return (isCA, Int(value))
    }

    static func readExtensions(_ x509: OpaquePointer) throws -> [CertificateExtension] {
        var result: [CertificateExtension] = []
        for index in 0..<X509_get_ext_count(x509) {
            guard let ext = X509_get_ext(x509, index), let object = X509_EXTENSION_get_object(ext),
                let oid = dottedOID(object)
            else {
                throw OpenSSLErrors.error(
                    .invalidCertificate, "extension \(index + 1) of the certificate cannot be read")
            }
            let value = bytes(of: X509_EXTENSION_get_data(ext))
            result.append(
                CertificateExtension(oid: oid, isCritical: X509_EXTENSION_get_critical(ext) == 1, value: value))
        }
        return result
    }

    /// The dotted form of an OID, never a short name.
    static func dottedOID(_ object: OpaquePointer) -> String? {
        // Read the arcs from the OID's content bytes: OBJ_obj2txt formats through BIO_snprintf and costs more
        // than the rest of reading a certificate's extensions. Anything unusual goes to OpenSSL.
        if let data = OBJ_get0_data(object),
            let dotted = dottedOID(content: UnsafeBufferPointer(start: data, count: OBJ_length(object)))
        {
            return dotted
        }
        let needed = OBJ_obj2txt(nil, 0, object, 1)
        guard needed > 0, needed < 1024 else {
            OpenSSLErrors.clear()
            return nil
        }
        var buffer = [CChar](repeating: 0, count: Int(needed) + 1)
        let written = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        guard written == needed else {
            OpenSSLErrors.clear()
            return nil
        }
        return String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The dotted form of an OID's DER content bytes (base-128 arcs, the first two folded as 40 × a + b), as
    /// OBJ_obj2txt writes it; `nil` for an empty or truncated encoding, a non-minimal arc or an arc above
    /// 2^56 (the caller then asks OpenSSL).
    static func dottedOID(content: UnsafeBufferPointer<UInt8>) -> String? {
        guard !content.isEmpty, content.count < 256 else { return nil }
        var text: [UInt8] = []
        text.reserveCapacity(content.count * 3 + 4)
        func append(_ value: UInt64) {
            var divisor: UInt64 = 1
            while value / divisor >= 10 { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(truncatingIfNeeded: value / divisor % 10) + 0x30)
                divisor /= 10
            }
        }
        var value: UInt64 = 0
        var first = true
        var started = false
        for byte in content {
            // A leading 0x80 is a non-minimal encoding.
            if !started, byte == 0x80 { return nil }
            started = true
            guard value >> 56 == 0 else { return nil }
            value = value << 7 | UInt64(byte & 0x7F)
            guard byte & 0x80 == 0 else { continue }
            if first {
                let top: UInt64 = value < 40 ? 0 : value < 80 ? 1 : 2
                append(top)
                text.append(0x2E)
                append(value - top * 40)
                first = false
            } else {
                text.append(0x2E)
                append(value)
            }
            value = 0
            started = false
        }
        // The last byte must end an arc.
        guard !started, !first else { return nil }
        return String(decoding: text, as: UTF8.self)
    }

    static func bytes(of string: UnsafePointer<ASN1_STRING>?) -> [UInt8] {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return [] }
        let length = Int(ASN1_STRING_length(string))
        guard length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }
}
