internal import COpenSSL

/// A parsed RFC 3161 `TimeStampResp` whose status is granted: the time-stamp token's time and message
/// imprint, plus a check of the token's signature against a trusted time-stamping authority.
///
/// Parsing alone proves nothing: call ``verifySignature(chain:)`` before trusting ``genTime``.
public final class TimestampResponse: @unchecked Sendable {
    let response: OpaquePointer

    /// The largest DER response accepted (64 KiB).
    public static let maximumDERLength = 64 * 1024

    /// The token's `genTime`, in Unix seconds (fractions truncated).
    public let genTime: Int64
    /// The digest algorithm of the message imprint.
    public let imprintAlgorithm: DigestAlgorithm
    /// The message imprint: the digest of the time-stamped data.
    public let messageImprint: [UInt8]

    /// Parses a DER `TimeStampResp`. Throws `.invalidEncoding` when it is not one, has trailing bytes, its
    /// status is not granted, it holds no token, or its imprint algorithm is not SHA-256/384/512.
    public init(der: [UInt8]) throws {
        guard !der.isEmpty, der.count <= TimestampResponse.maximumDERLength else {
            throw CryptoError(.invalidEncoding, "the time-stamp response is empty or larger than 64 KiB")
        }
        var trailing = 0
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            guard let resp = d2i_TS_RESP(nil, &cursor, buffer.count) else { return nil }
            if let cursor, let base = buffer.baseAddress { trailing = buffer.count - (cursor - base) }
            if trailing != 0 {
                TS_RESP_free(resp)
                return nil
            }
            return resp
        }
        guard let parsed else {
            if trailing != 0 {
                OpenSSLErrors.clear()
                throw CryptoError(.invalidEncoding, "\(trailing) unexpected bytes follow the time-stamp response")
            }
            throw OpenSSLErrors.error(.invalidEncoding, "not a valid DER RFC 3161 TimeStampResp")
        }
        response = parsed
        do {
            guard let info = TS_RESP_get_status_info(parsed), let status = TS_STATUS_INFO_get0_status(info) else {
                throw OpenSSLErrors.error(.invalidEncoding, "the time-stamp response has no status")
            }
            let value = ASN1_INTEGER_get(status)
            guard value == 0 || value == 1 else {
                OpenSSLErrors.clear()
                throw CryptoError(.invalidEncoding, "the time-stamp response status is \(value), not granted")
            }
            guard let tst = TS_RESP_get_tst_info(parsed) else {
                throw OpenSSLErrors.error(.invalidEncoding, "the time-stamp response holds no token")
            }
            genTime = try Certificate.unixSeconds(TS_TST_INFO_get_time(tst), what: "genTime")
            guard let imprint = TS_TST_INFO_get_msg_imprint(tst), let algor = TS_MSG_IMPRINT_get_algo(imprint),
                let message = TS_MSG_IMPRINT_get_msg(imprint)
            else { throw OpenSSLErrors.error(.invalidEncoding, "the time-stamp token has no message imprint") }
            var object: OpaquePointer?
            X509_ALGOR_get0(&object, nil, nil, algor)
            switch object.map({ OBJ_obj2nid($0) }) {
            case NID_sha256: imprintAlgorithm = .sha256
            case NID_sha384: imprintAlgorithm = .sha384
            case NID_sha512: imprintAlgorithm = .sha512
            default:
                throw CryptoError(.unsupportedAlgorithm, "the time-stamp imprint algorithm is not SHA-256/384/512")
            }
            messageImprint = Certificate.bytes(of: message)
        } catch {
            TS_RESP_free(parsed)
            throw error
        }
    }

    deinit { TS_RESP_free(response) }

    /// Verifies the token's CMS signature with a trusted TSA certificate chain (`chain[0]` the TSA signing
    /// certificate, the last one the trust anchor), validating the chain at ``genTime``.
    ///
    /// OpenSSL checks the signature, the ESS signing-certificate binding, the chain at `genTime`, and that
    /// the signer is fit for time stamping (critical extended key usage `timeStamping` only). The response
    /// may or may not embed certificates. Throws `.certificateVerificationFailed` on any failure.
    public func verifySignature(chain: [Certificate]) throws {
        guard let anchor = chain.last else {
            throw CryptoError(.certificateVerificationFailed, "the time-stamping authority has no certificates")
        }
        guard let time = time_t(exactly: genTime) else {
            throw CryptoError(.certificateVerificationFailed, "genTime \(genTime) is out of range")
        }
        guard let ctx = TS_VERIFY_CTX_new() else {
            throw OpenSSLErrors.error(.libraryFailure, "TS_VERIFY_CTX_new failed")
        }
        defer { TS_VERIFY_CTX_free(ctx) }
        try withExtendedLifetime(chain) {
            guard let store = X509_STORE_new() else { throw OpenSSLErrors.error(.libraryFailure, "X509_STORE_new") }
            // The context owns the store from here on.
            TS_VERIFY_CTX_set_store(ctx, store)
            guard X509_STORE_add_cert(store, anchor.x509) == 1, let param = X509_STORE_get0_param(store) else {
                throw OpenSSLErrors.error(.libraryFailure, "cannot build the time-stamping trust store")
            }
            X509_VERIFY_PARAM_set_time(param, time)
            guard let certs = wsc_sk_X509_new_null() else {
                throw OpenSSLErrors.error(.libraryFailure, "cannot allocate a certificate stack")
            }
            // The context owns the stack and one reference to each certificate in it.
            _ = TS_VERIFY_CTX_set_certs(ctx, certs)
            for certificate in chain.dropLast() {
                guard X509_up_ref(certificate.x509) == 1 else {
                    throw OpenSSLErrors.error(.libraryFailure, "X509_up_ref failed")
                }
                guard wsc_sk_X509_push(certs, certificate.x509) > 0 else {
                    X509_free(certificate.x509)
                    throw OpenSSLErrors.error(.libraryFailure, "cannot build the certificate stack")
                }
            }
            _ = TS_VERIFY_CTX_set_flags(ctx, wsc_TS_VFY_SIGNATURE())
            guard TS_RESP_verify_response(ctx, response) == 1 else {
                throw OpenSSLErrors.error(
                    .certificateVerificationFailed,
                    "the time-stamp token does not verify with the time-stamping authority "
                        + "\"\(chain[0].subject)\" at \(UnixTime.iso8601(genTime))")
            }
        }
    }
}
