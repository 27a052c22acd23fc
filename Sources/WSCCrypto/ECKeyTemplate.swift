internal import COpenSSL

/// One public key per supported curve, its point the curve's generator, built once: new EC keys are copies of
/// it with their own point (`EVP_PKEY_dup` and `EVP_PKEY_set1_encoded_public_key`), which copies the curve's
/// group instead of building it from the curve's name for every key.
final class ECKeyTemplate: @unchecked Sendable {
    static let shared = ECKeyTemplate()

    /// The generators of P-256 and P-384 (SEC 2), uncompressed.
    static let p256Generator: [UInt8] =
        Hex.decode(
            "046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C2964FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
            acceptingUppercase: true) ?? []
    static let p384Generator: [UInt8] =
        Hex.decode(
            "04AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB73617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
            acceptingUppercase: true) ?? []

    /// Read-only after initialization; OpenSSL allows concurrent `EVP_PKEY_dup` of a key.
    private let p256: OpaquePointer?
    private let p384: OpaquePointer?

    private init() {
        p256 = try? PublicKey.importPoint(ECKeyTemplate.p256Generator, type: .ecdsaP256)
        p384 = try? PublicKey.importPoint(ECKeyTemplate.p384Generator, type: .ecdsaP384)
        OpenSSLErrors.clear()
    }

    /// The template for `type`, or `nil` (the caller then imports the point in full).
    func key(for type: KeyType) -> OpaquePointer? {
        switch type {
        case .ecdsaP256: p256
        case .ecdsaP384: p384
        default: nil
        }
    }
}
