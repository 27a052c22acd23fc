internal import COpenSSL
import Synchronization

/// A parsed X.509 certificate, immutable once built.
///
/// Parsing checks the DER structure only: whether the certificate is trusted, in its validity window or
/// fit for a purpose is for ``CertificateChainValidator`` to decide. Every property is read at parse
/// time, so a certificate whose fields OpenSSL cannot read is refused by the initialisers.
///
/// Safe to share between threads: the underlying `X509` object is only read after parsing.
public final class Certificate: @unchecked Sendable {
    let x509: OpaquePointer
    /// Whether `x509` was parsed without decoding its public key (``init(deferringKeyDER:)``): OpenSSL then has
    /// no key for it, and ``publicKey`` decodes the key from ``subjectPublicKeyInfoDER`` when asked.
    let keyDeferred: Bool
    /// The key of a deferred certificate, decoded once on first use.
    private let deferredKey = Mutex<PublicKey?>(nil)

    /// The largest DER certificate accepted (64 KiB): far above any real certificate.
    public static let maximumDERLength = 64 * 1024
    /// The most certificates ``parseChain(pem:)`` accepts.
    public static let maximumChainLength = 32
    /// The extended key usage OID for code signing (`id-kp-codeSigning`).
    public static let codeSigningEKU = "1.3.6.1.5.5.7.3.3"
    /// The extended key usage OID for time stamping (`id-kp-timeStamping`).
    public static let timeStampingEKU = "1.3.6.1.5.5.7.3.8"

    /// The DER encoding, exactly as parsed.
    public let der: [UInt8]
    /// SHA-256 of ``der``.
    public let sha256Fingerprint: [UInt8]
    /// The subject distinguished name on one line, RFC 2253 style (most specific attribute first).
    /// Formatted when asked for (it is for people, and costs more than the rest of a parse).
    public var subject: String {
        (try? Certificate.oneLine(X509_get_subject_name(x509), what: "subject")) ?? "(unreadable subject)"
    }
    /// The issuer distinguished name on one line, RFC 2253 style (most specific attribute first).
    public var issuer: String {
        (try? Certificate.oneLine(X509_get_issuer_name(x509), what: "issuer")) ?? "(unreadable issuer)"
    }
    /// The serial number in lowercase hexadecimal, without leading zeros (`-` first if negative).
    public var serialNumberHex: String { (try? Certificate.serialHex(x509)) ?? "?" }
    /// The start of the validity period, in Unix seconds.
    public let notValidBefore: Int64
    /// The end of the validity period, in Unix seconds. OpenSSL, and so ``CertificateChainValidator``,
    /// treats the certificate as expired from this very second on.
    public let notValidAfter: Int64
    /// Every extension, in certificate order.
    public let extensions: [CertificateExtension]

    /// Takes ownership of `x509` (one reference), freeing it if the certificate cannot be read. `der`, when
    /// given, is the encoding `x509` was parsed from (so it is not encoded again).
    init(owning x509: OpaquePointer, der given: [UInt8]? = nil, keyDeferred: Bool = false) throws {
        self.x509 = x509
        self.keyDeferred = keyDeferred
        do {
            let der: [UInt8]
            if let given {
                der = given
            } else {
                var out: UnsafeMutablePointer<UInt8>?
                let length = i2d_X509(x509, &out)
                guard length > 0, let out else {
                    throw OpenSSLErrors.error(.invalidCertificate, "cannot re-encode the certificate")
                }
                der = Array(UnsafeBufferPointer(start: out, count: Int(length)))
                wsc_OPENSSL_free(out)
            }
            self.der = der
            self.sha256Fingerprint = Digest.sha256(der)
            self.notValidBefore = try Certificate.unixSeconds(X509_get0_notBefore(x509), what: "notBefore")
            self.notValidAfter = try Certificate.unixSeconds(X509_get0_notAfter(x509), what: "notAfter")
            self.extensions = try Certificate.readExtensions(x509)
        } catch {
            X509_free(x509)
            throw error
        }
    }

    deinit { X509_free(x509) }

    // MARK: Parsing

    /// Parses one DER certificate. Bytes after the certificate, or more than ``maximumDERLength`` bytes,
    /// are refused.
    public convenience init(der: [UInt8]) throws {
        try self.init(der: der, keyDeferred: false)
    }

    /// Parses one DER certificate like ``init(der:)``, but leaves its public key undecoded until ``publicKey``
    /// is asked for.
    ///
    /// OpenSSL 3.0 decodes a certificate's key through its generic decoder, which costs several times the rest
    /// of the parse: for a leaf that is checked once and whose key is used once (a Sigstore signing
    /// certificate), deferring it saves most of the parse. ``CertificateChainValidator`` accepts such a leaf:
    /// it checks a leaf issued directly by an anchor itself, and otherwise validates a fully parsed copy.
    package convenience init(deferringKeyDER der: [UInt8]) throws {
        try self.init(der: der, keyDeferred: true)
    }

    private convenience init(der: [UInt8], keyDeferred: Bool) throws {
        guard !der.isEmpty else { throw CryptoError(.invalidCertificate, "the certificate is empty") }
        guard der.count <= Certificate.maximumDERLength else {
            throw CryptoError(
                .invalidCertificate,
                "the certificate is \(der.count) bytes, more than the \(Certificate.maximumDERLength) accepted")
        }
        var trailing = 0
        // The undecoded key leaves an error on OpenSSL's queue that is not one: dropped below, and only it.
        if keyDeferred { ERR_set_mark() }
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let parsed =
                keyDeferred
                ? wsc_d2i_X509_ex(&cursor, buffer.count, EmptyLibraryContext.shared.context)
                : d2i_X509(nil, &cursor, buffer.count)
            guard let x509 = parsed else { return nil }
            if let cursor, let base = buffer.baseAddress {
                trailing = buffer.count - (cursor - base)
            }
            if trailing != 0 {
                X509_free(x509)
                return nil
            }
            return x509
        }
        guard let parsed else {
            if trailing != 0 {
                OpenSSLErrors.clear()
                throw CryptoError(
                    .invalidCertificate, "\(trailing) unexpected bytes follow the DER certificate; the input is corrupt"
                )
            }
            throw OpenSSLErrors.error(.invalidCertificate, "not a valid DER X.509 certificate")
        }
        if keyDeferred { ERR_pop_to_mark() }
        try self.init(owning: parsed, der: der, keyDeferred: keyDeferred)
    }

    /// Parses text holding exactly one PEM `CERTIFICATE` block.
    public convenience init(pem: String) throws {
        let block = try PEM.decode(pem, expecting: ["CERTIFICATE"])
        try self.init(der: block.der)
    }

    /// Parses every PEM `CERTIFICATE` block in `pem`, in order; blocks with other labels are ignored.
    ///
    /// Throws when there is no certificate, more than ``maximumChainLength``, or any block does not parse.
    public static func parseChain(pem: String) throws -> [Certificate] {
        let blocks = try PEM.decodeAll(pem).filter { $0.label == "CERTIFICATE" }
        guard !blocks.isEmpty else {
            throw CryptoError(.invalidEncoding, "no PEM CERTIFICATE block found (expected -----BEGIN CERTIFICATE-----)")
        }
        guard blocks.count <= maximumChainLength else {
            throw CryptoError(
                .invalidCertificate,
                "the PEM text holds \(blocks.count) certificates, more than the \(maximumChainLength) accepted")
        }
        return try blocks.enumerated().map { index, block in
            do {
                return try Certificate(der: block.der)
            } catch let error as CryptoError {
                throw CryptoError(error.code, "certificate \(index + 1) of \(blocks.count): \(error.reason)")
            }
        }
    }

    /// The PEM `CERTIFICATE` encoding.
    public var pem: String { PEM.encode(der, label: "CERTIFICATE") }

    // MARK: Keys and signatures

    /// The subject public key. Throws `.unsupportedKeyType` for keys ``PublicKey`` does not support
    /// (for example RSA below 2048 bits or curves other than P-256 and P-384).
    public var publicKey: PublicKey {
        get throws {
            if keyDeferred {
                if let key = deferredKey.withLock({ $0 }) { return key }
                let key = try PublicKey(spkiDER: subjectPublicKeyInfoDER)
                return deferredKey.withLock { cached in
                    if let cached { return cached }
                    cached = key
                    return key
                }
            }
            guard let pkey = X509_get0_pubkey(x509) else {
                throw OpenSSLErrors.error(.invalidCertificate, "the certificate's public key cannot be decoded")
            }
            // Share the key OpenSSL already decoded with the certificate: re-encoding and decoding it again
            // goes through OpenSSL 3's generic decoders, which cost more than the signature check.
            guard EVP_PKEY_up_ref(pkey) == 1 else {
                throw OpenSSLErrors.error(.libraryFailure, "cannot reference the certificate's public key")
            }
            return try PublicKey(owning: pkey)
        }
    }

    /// Whether this certificate's signature verifies under `issuer`'s public key.
    ///
    /// Checks the signature only: not names, validity dates, basic constraints or key usage. Use
    /// ``CertificateChainValidator`` to decide trust.
    public func isSignedBy(_ issuer: Certificate) -> Bool {
        let deferred = issuer.keyDeferred ? try? issuer.publicKey : nil
        guard let key = deferred?.pkey ?? (issuer.keyDeferred ? nil : X509_get0_pubkey(issuer.x509)) else {
            OpenSSLErrors.clear()
            return false
        }
        let ok = withExtendedLifetime((issuer, deferred)) { X509_verify(x509, key) == 1 }
        if !ok { OpenSSLErrors.clear() }
        return ok
    }

    // MARK: Field readers

    static func oneLine(_ name: OpaquePointer?, what: String) throws -> String {
        guard let name else { throw OpenSSLErrors.error(.invalidCertificate, "the certificate has no \(what) name") }
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw OpenSSLErrors.error(.libraryFailure, "cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, wsc_XN_FLAG_RFC2253_UTF8()) >= 0 else {
            throw OpenSSLErrors.error(.invalidCertificate, "cannot print the certificate's \(what) name")
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = wsc_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    static func serialHex(_ x509: OpaquePointer) throws -> String {
        guard let serial = X509_get0_serialNumber(x509), let bn = ASN1_INTEGER_to_BN(serial, nil) else {
            throw OpenSSLErrors.error(.invalidCertificate, "the certificate's serial number cannot be read")
        }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { throw OpenSSLErrors.error(.libraryFailure, "BN_bn2hex failed") }
        defer { wsc_OPENSSL_free(hex) }
        return String(cString: hex).lowercased()
    }

    static func unixSeconds(_ time: UnsafePointer<ASN1_TIME>?, what: String) throws -> Int64 {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else {
            throw OpenSSLErrors.error(.invalidCertificate, "the certificate's \(what) time cannot be read")
        }
        return UnixTime.seconds(
            year: Int64(parts.tm_year) + 1900, month: Int64(parts.tm_mon) + 1, day: Int64(parts.tm_mday),
            hour: Int64(parts.tm_hour), minute: Int64(parts.tm_min), second: Int64(parts.tm_sec))
    }
}

extension Certificate: Equatable, Hashable {
    /// Two certificates are equal when their DER encodings are.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }

    /// Hashes the DER encoding.
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }
}

extension Certificate: CustomStringConvertible {
    /// The subject, serial number and validity period.
    public var description: String {
        "Certificate(subject: \(subject), serial: \(serialNumberHex), valid: "
            + "\(UnixTime.iso8601(notValidBefore)) to \(UnixTime.iso8601(notValidAfter)))"
    }
}
