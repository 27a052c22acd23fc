internal import COpenSSL

/// An OpenSSL library context with no algorithms: only the `null` provider is loaded, which also stops OpenSSL
/// from loading the default provider into it.
///
/// A certificate parsed against it keeps its SubjectPublicKeyInfo bytes but not a decoded key: OpenSSL 3.0's
/// `X509_PUBKEY` decoding is opportunistic, finds no decoder here and moves on, skipping the generic decoder
/// search that dominates a certificate parse. Everything else about the certificate (signature checks by an
/// issuer, extension caching, fingerprints) uses the certificate's own context, the default one.
final class EmptyLibraryContext: @unchecked Sendable {
    /// The process's one empty context; `nil` context (OpenSSL's default) if it could not be made, which
    /// only costs the saving.
    static let shared = EmptyLibraryContext()

    let context: OpaquePointer?
    private let provider: OpaquePointer?

    private init() {
        guard let context = OSSL_LIB_CTX_new() else {
            OpenSSLErrors.clear()
            self.context = nil
            self.provider = nil
            return
        }
        guard let provider = OSSL_PROVIDER_load(context, "null") else {
            OpenSSLErrors.clear()
            OSSL_LIB_CTX_free(context)
            self.context = nil
            self.provider = nil
            return
        }
        self.context = context
        self.provider = provider
    }
}
