internal import COpenSSL

extension CertificateChainValidator {
    /// Extensions that make `X509_verify_cert` check more than a direct issue: name constraints, policy
    /// constraints, policy mappings, inhibit anyPolicy, and RFC 3779 IP address and AS number resources (v1 and
    /// v2). A leaf or an anchor carrying one always takes `X509_verify_cert`.
    static let constrainingExtensions: Set<String> = [
        "2.5.29.30", "2.5.29.36", "2.5.29.33", "2.5.29.54", "1.3.6.1.5.5.7.1.7", "1.3.6.1.5.5.7.1.8",
        "1.3.6.1.5.5.7.1.28", "1.3.6.1.5.5.7.1.29",
    ]

    /// The extension flags that send a certificate to `X509_verify_cert`: malformed extensions, an unhandled
    /// critical one, a proxy certificate, a fingerprint that could not be computed.
    static let refusedFlags = UInt32(EXFLAG_INVALID | EXFLAG_CRITICAL | EXFLAG_PROXY | EXFLAG_NO_FINGERPRINT)

    /// Whether the OpenSSL in use is the 3.0 series, whose `X509_verify_cert` the direct-issue check was written
    /// against and compared with: another series may check more, so there every leaf takes `X509_verify_cert`.
    static let directCheckApplies = OpenSSL_version_num() & 0xFFF0_0000 == 0x3000_0000

    /// Whether leaves under `root` may take the direct-issue check: decided once, when the validator is made,
    /// from what `X509_verify_cert` checks on a partial-chain anchor (`check_extensions` and `check_curve` run
    /// on every certificate of the chain, the anchor included).
    static func directAnchor(_ root: Certificate) -> Bool {
        // Errors these checks raise are not the caller's: drop them, and only them.
        ERR_set_mark()
        defer { ERR_pop_to_mark() }
        guard !root.keyDeferred, let key = X509_get0_pubkey(root.x509),
            X509_check_trust(root.x509, X509_TRUST_DEFAULT, 0) != X509_TRUST_REJECTED
        else { return false }
        guard UInt32(X509_get_extension_flags(root.x509)) & refusedFlags == 0, X509_check_ca(root.x509) != 0,
            !root.extensions.contains(where: { constrainingExtensions.contains($0.oid) })
        else { return false }
        if EVP_PKEY_get_base_id(key) == EVP_PKEY_EC {
            // An EC key given with explicit curve parameters is refused in any chain of two or more.
            var explicit: Int32 = 1
            let read = OSSL_PKEY_PARAM_EC_DECODED_FROM_EXPLICIT_PARAMS.withCString {
                EVP_PKEY_get_int_param(key, $0, &explicit)
            }
            guard read == 1, explicit == 0 else { return false }
        }
        return true
    }

    /// The chain `[leaf, anchor]` if `leaf` (parsed with its key deferred) was issued directly by one of
    /// ``roots`` and passes, at `time`, every check `X509_verify_cert` makes on such a two-certificate partial
    /// chain; `nil` when any check fails or does not apply, and the caller then runs `X509_verify_cert` on a
    /// fully parsed copy, which gives the verdict and the error message.
    ///
    /// So this can only accept what OpenSSL accepts, never refuse on its own. The checks, as OpenSSL 3.0
    /// makes them for a leaf and a partial-chain anchor with no purpose, policy, host or revocation
    /// parameters (security level unset):
    /// - the anchor passed ``directAnchor(_:)`` and is the only root whose subject is the leaf's issuer (OpenSSL
    ///   takes the first candidate by name and does not try the next when it fails), and the leaf is not
    ///   itself one of the roots;
    /// - the leaf's extensions are well formed and none it does not handle is critical; it is not a proxy
    ///   certificate and not self-issued (a self-issued leaf is looked up as its own anchor); it carries no
    ///   name or policy constraints and no RFC 3779 resources;
    /// - its key is a named-curve P-256 or P-384 key whose point is on the curve (`check_curve`);
    /// - `X509_check_issued`: names, key identifiers, the anchor's key usage, its key type against the leaf's
    ///   signature algorithm;
    /// - both certificates are inside their validity windows at `time`, compared by `X509_cmp_time` itself (which
    ///   refuses time encodings other than RFC 5280's, and counts `notAfter` itself as expired);
    /// - the leaf's signature verifies under the anchor's key (`X509_verify`, which also requires the inner
    ///   and outer signature algorithms to agree).
    func directlyIssuedChain(leaf: Certificate, intermediates: [Certificate], at time: Int64) -> [Certificate]? {
        guard allowsPartialChains, intermediates.isEmpty, leaf.keyDeferred, Self.directCheckApplies,
            store != nil, var moment = time_t(exactly: time)
        else { return nil }
        ERR_set_mark()
        defer { ERR_pop_to_mark() }
        let spki = leaf.subjectPublicKeyInfoDER
        guard spki.starts(with: PublicKey.p256SPKIPrefix) || spki.starts(with: PublicKey.p384SPKIPrefix),
            (try? leaf.publicKey) != nil,
            UInt32(X509_get_extension_flags(leaf.x509)) & (Self.refusedFlags | UInt32(EXFLAG_SI)) == 0,
            !leaf.extensions.contains(where: { Self.constrainingExtensions.contains($0.oid) }),
            !roots.contains(where: { $0.der == leaf.der })
        else { return nil }
        let issuerName = X509_get_issuer_name(leaf.x509)
        let candidates = roots.indices.filter { X509_NAME_cmp(X509_get_subject_name(roots[$0].x509), issuerName) == 0 }
        guard candidates.count == 1, let index = candidates.first, directAnchors[index] else { return nil }
        let anchor = roots[index]
        guard X509_check_issued(anchor.x509, leaf.x509) == X509_V_OK, let key = X509_get0_pubkey(anchor.x509) else {
            return nil
        }
        for certificate in [leaf, anchor] {
            // -1: notBefore is at or before the time; 1: notAfter is after it; 0 is a malformed time.
            guard X509_cmp_time(X509_get0_notBefore(certificate.x509), &moment) == -1,
                X509_cmp_time(X509_get0_notAfter(certificate.x509), &moment) == 1
            else { return nil }
        }
        let verified = withExtendedLifetime((leaf, anchor)) { X509_verify(leaf.x509, key) == 1 }
        return verified ? [leaf, anchor] : nil
    }
}
