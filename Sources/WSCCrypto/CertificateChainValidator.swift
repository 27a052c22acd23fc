internal import COpenSSL

/// Validates certificate chains against a fixed set of trust anchors, at a time the caller gives.
///
/// A chain is accepted only if it runs from the leaf through the given intermediates to one of ``roots``
/// (partial chains that end at an intermediate are refused), every certificate is inside its validity
/// window at the given time, every signature verifies, and every issuer is a CA allowed to issue at that
/// depth (basic constraints, path length, key usage), as OpenSSL's `X509_verify_cert` checks.
public struct CertificateChainValidator: Sendable {
    /// The most intermediates one validation accepts.
    public static let maximumIntermediates = 32
    /// The longest chain OpenSSL may build, leaf and root excluded.
    static let maximumDepth: Int32 = 32

    /// The trust anchors.
    public let roots: [Certificate]

    /// Whether a chain may end at any certificate of ``roots`` even if it is not self-signed (OpenSSL's
    /// `X509_V_FLAG_PARTIAL_CHAIN`). Off by default.
    public let allowsPartialChains: Bool

    /// The X509_STORE holding ``roots``, built once: validations share it (OpenSSL locks its lookups).
    let store: TrustStoreOwner?

    /// For each of ``roots``, whether a leaf under it may take the direct-issue check (``directAnchor(_:)``);
    /// all false without partial chains.
    let directAnchors: [Bool]

    /// Owns an `X509_STORE`.
    final class TrustStoreOwner: @unchecked Sendable {
        let store: OpaquePointer
        init?(roots: [Certificate]) {
            guard let store = X509_STORE_new() else { return nil }
            // Extension caches are filled now, once, before validations on several threads share these
            // certificates (OpenSSL 3.0 computes part of the cache, the fingerprint, outside the certificate's lock).
            for root in roots { _ = X509_get_extension_flags(root.x509) }
            for root in roots where X509_STORE_add_cert(store, root.x509) != 1 {
                X509_STORE_free(store)
                OpenSSLErrors.clear()
                return nil
            }
            self.store = store
        }
        deinit { X509_STORE_free(store) }
    }

    /// Creates a validator that trusts exactly `roots`.
    public init(roots: [Certificate]) {
        self.roots = roots
        self.directAnchors = roots.map { _ in false }
        self.allowsPartialChains = false
        self.store = TrustStoreOwner(roots: roots)
    }

    /// Creates a validator that trusts exactly `roots`, each as a trust anchor in its own right when
    /// `allowsPartialChains` is set: a chain ending at an intermediate in `roots` is then accepted without
    /// checking that intermediate's issuer, whose validity and signature the caller has established already
    /// (for example once, when a trust root is loaded).
    public init(roots: [Certificate], allowsPartialChains: Bool) {
        self.roots = roots
        self.directAnchors = roots.map { allowsPartialChains && CertificateChainValidator.directAnchor($0) }
        self.allowsPartialChains = allowsPartialChains
        self.store = TrustStoreOwner(roots: roots)
    }

    /// Validates `leaf` at `time` (Unix seconds, never "now" implicitly), using `intermediates` as
    /// untrusted helpers, and returns the chain built: leaf first, ending at one of ``roots``.
    ///
    /// If `requiredExtendedKeyUsage` is given, the leaf must also carry an extended key usage extension
    /// that lists that OID (`anyExtendedKeyUsage` does not count). Throws `.certificateVerificationFailed`
    /// saying what failed, at which depth, for which subject, and at which time.
    public func validate(
        leaf: Certificate, intermediates: [Certificate], at time: Int64, requiredExtendedKeyUsage: String? = nil
    ) throws -> [Certificate] {
        let checkedAt = UnixTime.iso8601(time)
        guard !roots.isEmpty else {
            throw CryptoError(.certificateVerificationFailed, "no trust anchors are configured: cannot validate")
        }
        guard intermediates.count <= CertificateChainValidator.maximumIntermediates else {
            throw CryptoError(
                .certificateVerificationFailed,
                "\(intermediates.count) intermediate certificates given, more than the "
                    + "\(CertificateChainValidator.maximumIntermediates) accepted")
        }
        guard let timeValue = time_t(exactly: time) else {
            throw CryptoError(.certificateVerificationFailed, "the validation time \(time) is out of range")
        }
        let chain: [Certificate]
        if let direct = directlyIssuedChain(leaf: leaf, intermediates: intermediates, at: time) {
            chain = direct
        } else if leaf.keyDeferred {
            // X509_verify_cert needs the leaf's key inside its X509 (it asks whether the leaf is self-signed).
            let full = try Certificate(der: leaf.der)
            let built = try withExtendedLifetime((full, intermediates, roots)) {
                try buildChain(leaf: full, intermediates: intermediates, time: timeValue, checkedAt: checkedAt)
            }
            chain = [leaf] + built.dropFirst()
        } else {
            chain = try withExtendedLifetime((leaf, intermediates, roots)) {
                try buildChain(leaf: leaf, intermediates: intermediates, time: timeValue, checkedAt: checkedAt)
            }
        }
        if let required = requiredExtendedKeyUsage {
            guard let usages = leaf.extendedKeyUsages else {
                throw CryptoError(
                    .certificateVerificationFailed,
                    "the certificate \"\(leaf.subject)\" has no extended key usage extension; \(required) is required")
            }
            guard usages.contains(required) else {
                throw CryptoError(
                    .certificateVerificationFailed,
                    "the certificate \"\(leaf.subject)\" is not valid for extended key usage \(required) "
                        + "(it allows: \(usages.isEmpty ? "nothing" : usages.joined(separator: ", ")))")
            }
        }
        return chain
    }

    private func buildChain(
        leaf: Certificate, intermediates: [Certificate], time: time_t, checkedAt: String
    ) throws -> [Certificate] {
        guard let owner = self.store else {
            throw OpenSSLErrors.error(.libraryFailure, "the trust anchors could not be loaded into an X509_STORE")
        }
        let store = owner.store
        guard let untrusted = wsc_sk_X509_new_null() else {
            throw OpenSSLErrors.error(.libraryFailure, "cannot allocate a certificate stack")
        }
        // The stack borrows the certificates (no reference taken); the caller keeps them alive.
        defer { wsc_sk_X509_free(untrusted) }
        for certificate in intermediates {
            guard wsc_sk_X509_push(untrusted, certificate.x509) > 0 else {
                throw OpenSSLErrors.error(.libraryFailure, "cannot build the intermediate certificate stack")
            }
        }
        guard let ctx = X509_STORE_CTX_new() else {
            throw OpenSSLErrors.error(.libraryFailure, "X509_STORE_CTX_new failed")
        }
        defer { X509_STORE_CTX_free(ctx) }
        guard X509_STORE_CTX_init(ctx, store, leaf.x509, untrusted) == 1 else {
            throw OpenSSLErrors.error(.libraryFailure, "X509_STORE_CTX_init failed")
        }
        guard let param = X509_STORE_CTX_get0_param(ctx) else {
            throw OpenSSLErrors.error(.libraryFailure, "X509_STORE_CTX_get0_param failed")
        }
        X509_VERIFY_PARAM_set_time(param, time)
        X509_VERIFY_PARAM_set_depth(param, CertificateChainValidator.maximumDepth)
        if allowsPartialChains {
            X509_VERIFY_PARAM_set_flags(param, UInt(X509_V_FLAG_PARTIAL_CHAIN))
        }

        guard X509_verify_cert(ctx) == 1 else {
            let code = X509_STORE_CTX_get_error(ctx)
            let depth = X509_STORE_CTX_get_error_depth(ctx)
            guard code != X509_V_OK else {
                // An internal failure (for example out of memory) rather than a verdict on the chain.
                throw OpenSSLErrors.error(
                    .certificateVerificationFailed,
                    "certificate chain validation of \"\(leaf.subject)\" could not complete, checked at \(checkedAt)")
            }
            let what = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)"
            var subject = leaf.subject
            if let current = X509_STORE_CTX_get_current_cert(ctx),
                let name = try? Certificate.oneLine(X509_get_subject_name(current), what: "subject")
            {
                subject = name
            }
            OpenSSLErrors.clear()
            throw CryptoError(
                .certificateVerificationFailed,
                "certificate chain validation failed: \(what) at depth \(depth) (0 is the leaf), "
                    + "certificate \"\(subject)\", checked at \(checkedAt)")
        }

        guard let built = X509_STORE_CTX_get0_chain(ctx) else {
            throw OpenSSLErrors.error(.libraryFailure, "the validated chain cannot be read")
        }
        let known = [leaf] + intermediates + roots
        var chain: [Certificate] = []
        for index in 0..<wsc_sk_X509_num(built) {
            guard let x509 = wsc_sk_X509_value(built, index) else {
                throw OpenSSLErrors.error(.libraryFailure, "the validated chain has a hole at depth \(index)")
            }
            if let certificate = known.first(where: { $0.x509 == x509 }) {
                chain.append(certificate)
            } else {
                guard X509_up_ref(x509) == 1 else { throw OpenSSLErrors.error(.libraryFailure, "X509_up_ref failed") }
                chain.append(try Certificate(owning: x509))
            }
        }
        return chain
    }
}
