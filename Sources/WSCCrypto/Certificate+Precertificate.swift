internal import COpenSSL

extension Certificate {
    /// The DER `TBSCertificate` of this certificate with the extension `oid` removed (if present), re-encoded.
    ///
    /// This is what a Certificate Transparency log signs for an embedded SCT (RFC 6962 section 3.2): the
    /// TBS certificate without its SCT list extension (`1.3.6.1.4.1.11129.2.4.2`). The certificate itself is
    /// not modified.
    public func tbsCertificateDER(removingExtension oid: String) throws -> [UInt8] {
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
