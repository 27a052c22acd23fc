internal import COpenSSL

extension CertificateChainValidator {
    /// Extensions of an anchor that constrain the certificates below it (name constraints, policy constraints,
    /// policy mappings, inhibit anyPolicy): a leaf under such an anchor always takes `X509_verify_cert`.
    static let constrainingExtensions: Set<String> = ["2.5.29.30", "2.5.29.36", "2.5.29.33", "2.5.29.54"]

    /// The chain `[leaf, anchor]` if `leaf` (parsed with its key deferred) was issued directly by one of
    /// ``roots`` and passes, at `time`, every check `X509_verify_cert` makes on such a two-certificate partial
    /// chain; `nil` when any check fails or does not apply, and the caller then runs `X509_verify_cert` on a
    /// fully parsed copy, which gives the verdict and the error message.
    ///
    /// So this can only accept what OpenSSL accepts, never refuse on its own. The checks, as OpenSSL 3.0
    /// makes them for a chain of a leaf and a partial-chain anchor with no purpose, policy, host or
    /// revocation parameters:
    /// - the leaf's extensions are well formed and none it does not handle is critical; it is not a proxy
    ///   certificate and not self-issued (a self-issued leaf is looked up as its own anchor);
    /// - its key is a named-curve P-256 or P-384 key whose point is on the curve (`check_curve`);
    /// - `X509_check_issued`: the anchor's subject is the leaf's issuer, key identifiers agree, the anchor may
    ///   sign certificates (key usage) and its key type fits the leaf's signature algorithm;
    /// - the anchor is a CA (`X509_check_ca`) and carries no constraint on the names or policies below it;
    /// - both certificates are inside their validity windows at `time` (`notAfter` itself is expired, as in
    ///   OpenSSL);
    /// - the leaf's signature verifies under the anchor's key (`X509_verify`, which also requires the inner
    ///   and outer signature algorithms to agree).
    func directlyIssuedChain(leaf: Certificate, intermediates: [Certificate], at time: Int64) -> [Certificate]? {
        guard allowsPartialChains, intermediates.isEmpty, leaf.keyDeferred else { return nil }
        let spki = leaf.subjectPublicKeyInfoDER
        guard spki.starts(with: PublicKey.p256SPKIPrefix) || spki.starts(with: PublicKey.p384SPKIPrefix),
            (try? leaf.publicKey) != nil
        else { return nil }
        let flags = UInt32(X509_get_extension_flags(leaf.x509))
        let refused = UInt32(EXFLAG_INVALID | EXFLAG_CRITICAL | EXFLAG_PROXY | EXFLAG_SI | EXFLAG_NO_FINGERPRINT)
        guard flags & refused == 0, leaf.notValidBefore <= time, time < leaf.notValidAfter else {
            OpenSSLErrors.clear()
            return nil
        }
        for anchor in roots where !anchor.keyDeferred {
            guard X509_check_issued(anchor.x509, leaf.x509) == X509_V_OK else { continue }
            guard X509_check_ca(anchor.x509) != 0, anchor.notValidBefore <= time, time < anchor.notValidAfter,
                !anchor.extensions.contains(where: { Self.constrainingExtensions.contains($0.oid) }),
                let key = X509_get0_pubkey(anchor.x509)
            else { break }
            let verified = withExtendedLifetime((leaf, anchor)) { X509_verify(leaf.x509, key) == 1 }
            OpenSSLErrors.clear()
            return verified ? [leaf, anchor] : nil
        }
        OpenSSLErrors.clear()
        return nil
    }
}
