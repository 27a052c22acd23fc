internal import COpenSSL

extension Certificate {
    /// The DER of the certificate's `TBSCertificate` with every extension of type `oid` removed.
    ///
    /// This is what a Certificate Transparency log signs for an embedded SCT (RFC 6962 section 3.2): the
    /// TBS certificate without its SCT list extension (`1.3.6.1.4.1.11129.2.4.2`). The certificate itself is
    /// not modified.
    public func tbsCertificateDER(removingExtension oid: String) throws -> [UInt8] {
        // Cut the extension out of the DER directly: a copy, a delete and a re-encode through OpenSSL cost a
        // full certificate decode, several times the SCT signature check itself.
        let encoded = oid == DERWalker.sctListOID ? DERWalker.sctListOIDContent : DERWalker.encodeOID(oid)
        if let encoded, let tbs = DERWalker.tbsRemovingExtension(der, oidContent: encoded) {
            return tbs
        }
        return try tbsCertificateDERThroughOpenSSL(removingExtension: oid)
    }

    /// The DER of the certificate's `SubjectPublicKeyInfo`, cut from its encoding (no key decoding).
    public var subjectPublicKeyInfoDER: [UInt8] {
        if let spki = DERWalker.subjectPublicKeyInfo(der) { return spki }
        // Encodings OpenSSL reads but the strict DER walker does not (BER lengths): OpenSSL encodes the
        // structure it holds. Never through ``publicKey``, which for a deferred key reads this property.
        guard let structure = X509_get_X509_PUBKEY(x509) else { return [] }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_PUBKEY(structure, &out)
        guard length > 0, let out else {
            OpenSSLErrors.clear()
            return []
        }
        defer { wsc_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    func tbsCertificateDERThroughOpenSSL(removingExtension oid: String) throws -> [UInt8] {
        guard let copy = X509_dup(x509) else { throw OpenSSLErrors.error(.libraryFailure, "X509_dup failed") }
        defer { X509_free(copy) }
        guard let object = OBJ_txt2obj(oid, 1) else {
            throw OpenSSLErrors.error(.invalidEncoding, "\(oid) is not a dotted object identifier")
        }
        defer { ASN1_OBJECT_free(object) }
        while true {
            let index = X509_get_ext_by_OBJ(copy, object, -1)
            if index < 0 { break }
            guard let removed = X509_delete_ext(copy, index) else {
                throw OpenSSLErrors.error(.libraryFailure, "cannot remove extension \(oid)")
            }
            X509_EXTENSION_free(removed)
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_re_X509_tbs(copy, &out)
        guard length > 0, let out else {
            throw OpenSSLErrors.error(.invalidCertificate, "cannot re-encode the TBS certificate")
        }
        defer { wsc_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// Just enough DER to take an extension out of a certificate's TBS. Any surprise returns `nil` (the caller then
/// uses OpenSSL); it never accepts what OpenSSL did not already parse, since it reads an existing certificate.
enum DERWalker {
    struct Element {
        let tag: UInt8
        let start: Int
        let contentStart: Int
        let end: Int
    }

    /// The embedded SCT list extension, the one every keyless verification cuts, encoded once.
    static let sctListOID = "1.3.6.1.4.1.11129.2.4.2"
    static let sctListOIDContent = encodeOID(sctListOID)

    static func element(_ b: [UInt8], at i: Int, limit: Int) -> Element? {
        guard i + 2 <= limit else { return nil }
        let tag = b[i]
        var length = Int(b[i + 1])
        var header = 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count >= 1, count <= 4, i + 2 + count <= limit else { return nil }
            length = 0
            for k in 0..<count { length = length << 8 | Int(b[i + 2 + k]) }
            header += count
        }
        guard i + header + length <= limit else { return nil }
        return Element(tag: tag, start: i, contentStart: i + header, end: i + header + length)
    }

    static func children(_ b: [UInt8], of parent: Element) -> [Element]? {
        var out: [Element] = []
        var i = parent.contentStart
        while i < parent.end {
            guard let e = element(b, at: i, limit: parent.end) else { return nil }
            out.append(e)
            i = e.end
        }
        return out
    }

    static func encodeLength(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var v = n
        while v > 0 {
            bytes.insert(UInt8(v & 0xFF), at: 0)
            v >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    static func wrap(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + encodeLength(content.count) + content }

    /// The content bytes of a dotted OID's DER encoding.
    static func encodeOID(_ dotted: String) -> [UInt8]? {
        let arcs = dotted.split(separator: ".").compactMap { UInt64($0) }
        guard arcs.count >= 2, arcs.count == dotted.split(separator: ".").count, arcs[0] <= 2 else { return nil }
        var out: [UInt8] = []
        func base128(_ v: UInt64) {
            var chunk: [UInt8] = [UInt8(v & 0x7F)]
            var rest = v >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            out += chunk
        }
        base128(arcs[0] * 40 + arcs[1])
        for arc in arcs.dropFirst(2) { base128(arc) }
        return out
    }

    static func subjectPublicKeyInfo(_ der: [UInt8]) -> [UInt8]? {
        guard let certificate = element(der, at: 0, limit: der.count), certificate.tag == 0x30,
            let parts = children(der, of: certificate), let tbs = parts.first, tbs.tag == 0x30,
            let fields = children(der, of: tbs), !fields.isEmpty
        else { return nil }
        // version [0] is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
        let index = fields[0].tag == 0xA0 ? 6 : 5
        guard index < fields.count, fields[index].tag == 0x30 else { return nil }
        return Array(der[fields[index].start..<fields[index].end])
    }

    static func tbsRemovingExtension(_ der: [UInt8], oidContent: [UInt8]) -> [UInt8]? {
        // One pass over the TBS fields, copying into one buffer (no per-level child lists): the SCT check runs
        // this for every keyless verification.
        guard let certificate = element(der, at: 0, limit: der.count), certificate.tag == 0x30,
            allChildrenParse(der, of: certificate),
            let tbs = element(der, at: certificate.contentStart, limit: certificate.end), tbs.tag == 0x30
        else { return nil }
        var content: [UInt8] = []
        content.reserveCapacity(tbs.end - tbs.contentStart)
        var index = tbs.contentStart
        while index < tbs.end {
            guard let field = element(der, at: index, limit: tbs.end) else { return nil }
            index = field.end
            guard field.tag == 0xA3 else {
                content += der[field.start..<field.end]
                continue
            }
            // [3] EXPLICIT holds exactly one SEQUENCE of extensions.
            guard let list = element(der, at: field.contentStart, limit: field.end), list.tag == 0x30,
                list.end == field.end
            else { return nil }
            var kept: [UInt8] = []
            kept.reserveCapacity(list.end - list.contentStart)
            var position = list.contentStart
            while position < list.end {
                guard let ext = element(der, at: position, limit: list.end), ext.tag == 0x30,
                    allChildrenParse(der, of: ext),
                    let id = element(der, at: ext.contentStart, limit: ext.end), id.tag == 0x06
                else { return nil }
                position = ext.end
                if der[id.contentStart..<id.end].elementsEqual(oidContent) { continue }
                kept += der[ext.start..<ext.end]
            }
            // An empty extension list is omitted, as a certificate without extensions would be encoded.
            if !kept.isEmpty {
                let listLength = encodeLength(kept.count)
                content.append(0xA3)
                content += encodeLength(1 + listLength.count + kept.count)
                content.append(0x30)
                content += listLength
                content += kept
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(content.count + 6)
        out.append(0x30)
        out += encodeLength(content.count)
        out += content
        return out
    }

    /// Whether the contents of `parent` are a sequence of well-formed elements that fill it exactly.
    static func allChildrenParse(_ b: [UInt8], of parent: Element) -> Bool {
        var index = parent.contentStart
        while index < parent.end {
            guard let child = element(b, at: index, limit: parent.end) else { return false }
            index = child.end
        }
        return true
    }
}
