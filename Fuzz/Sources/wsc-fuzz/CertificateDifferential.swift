@testable import WSCCrypto

/// A certificate parsed with its key deferred (the Sigstore signing-certificate path) must read like one parsed
/// whole, and a chain check of it must get OpenSSL's `X509_verify_cert` verdict, word for word, whether or not
/// the direct-issue check takes it.
enum CertificateDifferential {
    /// The anchors: the test fixtures' P-256 intermediate (Tests/WSCCryptoTests/Fixtures/intermediate.pem) and
    /// the direct-issue fixtures' CA (Fixtures/direct-issue/ca.pem), which issued the leaves in the seed corpus:
    /// mutations of those leaves reach every step of the direct-issue check. Distinct names, so one validator
    /// holds both.
    static let anchors: [Certificate] = [
        """
        -----BEGIN CERTIFICATE-----
        MIIB6zCCAXKgAwIBAgICIAEwCgYIKoZIzj0EAwMwNzEaMBgGA1UECgwRd3NjIHRl
        c3QgZml4dHVyZXMxGTAXBgNVBAMMEHdzYyBUZXN0IFJvb3QgQ0EwHhcNMjQwMTAx
        MDAwMDAwWhcNMzAwMTAxMDAwMDAwWjA/MRowGAYDVQQKDBF3c2MgdGVzdCBmaXh0
        dXJlczEhMB8GA1UEAwwYd3NjIFRlc3QgSW50ZXJtZWRpYXRlIENBMFkwEwYHKoZI
        zj0CAQYIKoZIzj0DAQcDQgAEB9NqzywgLQ/fwcCGj6cjvU7GnaBUMu2lDDdBI5ur
        uEkrzkMNEITISZKx9CmQVPzt84um894atk+ZA23NyCz/BKNmMGQwEgYDVR0TAQH/
        BAgwBgEB/wIBADAdBgNVHQ4EFgQUzTI2S/k+s+Px5O4M7bd8JMEaQV0wHwYDVR0j
        BBgwFoAUTwgAY/LfZKZawvQjMGCS0nKtbfgwDgYDVR0PAQH/BAQDAgEGMAoGCCqG
        SM49BAMDA2cAMGQCMG3W1+tsxUiCKvlbD/Y7XKaTtS1HLh8Ea7riBvlDF62KnJqn
        U0HIYLw3TyLlHpZ1dAIwVtrkxPi6V7X8udkEkl15DZCjXHwZj+ni6YW6KecqjPwG
        8eBXtBjIYTLyNn4u85x2
        -----END CERTIFICATE-----
        """,
        """
        -----BEGIN CERTIFICATE-----
        MIIBYDCCAQigAwIBAgIBATAKBggqhkjOPQQDAjAoMRkwFwYDVQQKDBB3c2MgZGly
        ZWN0LWlzc3VlMQswCQYDVQQDDAJDQTAeFw0yNTA1MzEwMDAwMDBaFw0zNTA1Mjkw
        MDAwMDBaMCgxGTAXBgNVBAoMEHdzYyBkaXJlY3QtaXNzdWUxCzAJBgNVBAMMAkNB
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAnbOacXPXfGmjFW9GER7H6NvUW5Z
        sL3zM4Aw9yN7yvVukX8xLmbzM4DUWzPUBspRXPURW57FJkQ6fC43lKpM/aMjMCEw
        DwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwIDRgAw
        QwIgBzUTSLnzvnLtbgyzxQUiJX9xFTZho/CW+bqJmTRYLWYCH310JrSqyg34DShW
        Vx8F3H07CDkjFKIYdR/eys8nXJs=
        -----END CERTIFICATE-----
        """,
    ].compactMap { try? Certificate(pem: $0) }

    static let validator = CertificateChainValidator(roots: anchors, allowsPartialChains: true)

    static func check(_ input: [UInt8], whole: Certificate?) {
        let deferred = try? Certificate(deferringKeyDER: input)
        fuzzCheck((deferred == nil) == (whole == nil), "a deferred-key parse disagrees with a whole parse")
        guard let whole, let deferred else { return }
        fuzzCheck(
            deferred.extensions == whole.extensions && deferred.notValidBefore == whole.notValidBefore
                && deferred.notValidAfter == whole.notValidAfter && deferred.subject == whole.subject,
            "a deferred-key parse reads other fields")
        let wholeKey = try? whole.publicKey.spkiDER
        let deferredKey = try? deferred.publicKey.spkiDER
        // The deferred key is decoded from the SubjectPublicKeyInfo by wsc's own path; OpenSSL may decode forms
        // wsc refuses (curves other than P-256/P-384), so only a key both have must be the same key.
        if let wholeKey, let deferredKey { fuzzCheck(wholeKey == deferredKey, "the deferred key differs") }
        // One validator and one time inside the leaf's window: each check can cost a signature verification, and
        // the certificate as its own anchor (a P-384 root among the seeds) cost ten times the rest of the target.
        let time = whole.notValidBefore
        let expected = verdict { try validator.validate(leaf: whole, intermediates: [], at: time) }
        let actual = verdict { try validator.validate(leaf: deferred, intermediates: [], at: time) }
        fuzzCheck(expected == actual, "chain verdicts differ: \(expected) / \(actual)")
    }

    /// The chain's certificate fingerprints, or the refusal's code and reason.
    static func verdict(_ run: () throws -> [Certificate]) -> String {
        do {
            return try run().map { $0.sha256Fingerprint.map(\.description).joined(separator: ".") }
                .joined(separator: ",")
        } catch let error as CryptoError {
            return "\(error.code): \(error.reason)"
        } catch {
            return "\(error)"
        }
    }
}
