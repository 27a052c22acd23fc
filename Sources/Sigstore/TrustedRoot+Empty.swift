extension TrustedRoot {
    /// A trusted root that trusts nothing: no transparency log, CA, CT log or timestamp authority. For verifying a
    /// bundle signed by a managed key without a log entry (``VerificationPolicy/allowManagedKeyWithoutLog``), where
    /// the caller's key is the only trust; any log entry, certificate or timestamp a bundle carries is refused.
    public static let empty: TrustedRoot = {
        let json = #"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#
        do {
            return try TrustedRoot(json: Array(json.utf8))
        } catch {
            fatalError("the empty trusted root does not parse: \(error)")
        }
    }()
}
