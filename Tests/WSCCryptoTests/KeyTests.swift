import Foundation
import Testing

@testable import WSCCrypto

@Suite struct KeyTests {
    static let seed = [UInt8](0..<32)
    static let seedPublicKeyHex = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"

    // MARK: Generate, sign, verify

    @Test(arguments: [KeyType.ed25519, .ecdsaP256])
    func generateSignVerify(_ type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        #expect(key.type == type)
        #expect(key.publicKey.type == type)
        let message = Array("round trip".utf8)
        let signature = try key.sign(message)
        let scheme = try #require(key.publicKey.defaultScheme)
        #expect(try key.publicKey.verify(signature: signature, message: message, scheme: scheme))
        #expect(!(try key.publicKey.verify(signature: signature, message: message + [0], scheme: scheme)))
        let other = try PrivateKey.generate(type)
        #expect(!(try other.publicKey.verify(signature: signature, message: message, scheme: scheme)))
    }

    @Test func p256P1363SignatureVerifies() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let message = Array("p1363".utf8)
        let signature = try key.sign(message, ecdsaEncoding: .p1363)
        #expect(signature.count == 64)
        #expect(try key.publicKey.verify(signature: signature, message: message, scheme: .ecdsa(.sha256, .p1363)))
        #expect(!(try key.publicKey.verify(signature: signature, message: message, scheme: .ecdsa(.sha256, .der))))
    }

    @Test(arguments: [KeyType.ecdsaP384, .rsa(bits: 2048)])
    func unsupportedSigningKeyTypes(_ type: KeyType) {
        let error = #expect(throws: CryptoError.self) { try PrivateKey.generate(type) }
        #expect(error?.code == .unsupportedKeyType)
    }

    @Test func rfc8032Vector1Signs() throws {
        let secret = [UInt8](hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let key = try secret.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
        #expect(key.publicKey.ed25519Raw?.hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(
            try key.sign([]).hex
                == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
    }

    // MARK: Encodings

    @Test(arguments: [KeyType.ed25519, .ecdsaP256])
    func pkcs8RoundTrip(_ type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let der = try key.pkcs8DER()
        let fromDER = try der.withUnsafeBytes { try PrivateKey(pkcs8DER: $0) }
        #expect(fromDER.publicKey == key.publicKey)
        let pem = try key.pem()
        let text = pem.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        #expect(text.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let fromPEM = try PrivateKey(pem: text)
        #expect(fromPEM.publicKey == key.publicKey)
        let message = Array("pkcs8".utf8)
        let scheme = try #require(key.publicKey.defaultScheme)
        #expect(try key.publicKey.verify(signature: fromPEM.sign(message), message: message, scheme: scheme))
    }

    @Test(arguments: [KeyType.ed25519, .ecdsaP256])
    func spkiRoundTrip(_ type: KeyType) throws {
        let key = try PrivateKey.generate(type).publicKey
        #expect(try PublicKey(spkiDER: key.spkiDER) == key)
        #expect(try PublicKey(pem: key.pem) == key)
        #expect(key.pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(throws: CryptoError.self) { try PublicKey(spkiDER: key.spkiDER + [0]) }
        #expect(throws: CryptoError.self) { try PublicKey(spkiDER: Array(key.spkiDER.dropLast())) }
    }

    /// Uncompressed named-curve EC keys are imported from their point without OpenSSL's decoder; every other
    /// form still goes through it. Both must give the same key, and a point off the curve is refused either way.
    @Test(arguments: [("intermediate.pem", KeyType.ecdsaP256, 32), ("root.pem", .ecdsaP384, 48)])
    func ecSPKIFastPathMatchesTheDecoder(_ fixture: String, _ type: KeyType, _ size: Int) throws {
        let key = try TestFixtures.certificate(fixture).publicKey
        #expect(key.type == type)
        let spki = key.spkiDER
        let prefix = type == .ecdsaP256 ? PublicKey.p256SPKIPrefix : PublicKey.p384SPKIPrefix
        #expect(spki.starts(with: prefix) && spki.count == prefix.count + 1 + 2 * size)
        #expect(try PublicKey(spkiDER: spki) == key)
        // The compressed form: another length, so the decoder reads it (and keeps the form when re-encoding).
        let x = Array(spki.suffix(2 * size).prefix(size))
        let odd = spki.last! & 1
        let algorithm = Array(prefix[2..<(prefix.count - 3)])
        let bitString: [UInt8] = [0x03, UInt8(size + 2), 0x00, 0x02 | odd] + x
        let body = algorithm + bitString
        let compressed = [0x30, UInt8(body.count)] + body
        #expect(try PublicKey(spkiDER: compressed).type == type)
        var offCurve = spki
        offCurve[offCurve.count - 1] ^= 0x01
        let error = #expect(throws: CryptoError.self) { try PublicKey(spkiDER: offCurve) }
        #expect(error?.code == .invalidKey)
        #expect(OpenSSLErrors.drain() == nil)
    }

    /// EC keys are copies of a per-curve template with their own point; the copy must be the key a full
    /// import gives, and the templates must exist (without them every import takes the slower full path).
    @Test(arguments: [("intermediate.pem", KeyType.ecdsaP256), ("root.pem", .ecdsaP384)])
    func ecKeyFromTemplateIsTheImportedKey(_ fixture: String, _ type: KeyType) throws {
        #expect(ECKeyTemplate.shared.key(for: type) != nil)
        let spki = try TestFixtures.certificate(fixture).publicKey.spkiDER
        let point = Array(spki.suffix(type == .ecdsaP256 ? 65 : 97))
        let copied = try PublicKey(ecPoint: point, type: type)
        let imported = try PublicKey(owning: PublicKey.importPoint(point, type: type))
        #expect(copied == imported && copied.spkiDER == spki && copied.type == type)
        #expect(throws: CryptoError.self) {
            try PublicKey(ecPoint: [0x04] + [UInt8](repeating: 1, count: point.count - 1), type: type)
        }
        #expect(OpenSSLErrors.drain() == nil)
    }

    /// The point at infinity: OpenSSL decodes and imports it, but it is no key, and encoding it again fails (it
    /// once trapped in `spkiDER`, from a publisher key in an unsigned trust bundle). Refused at import.
    @Test func pointAtInfinityIsRefused() throws {
        let pem = "-----BEGIN PUBLIC KEY-----\nMBkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDAgAA\n-----END PUBLIC KEY-----\n"
        let error = #expect(throws: CryptoError.self) { try PublicKey(pem: pem) }
        #expect(error?.code == .invalidKey)
        #expect(error?.reason.contains("point at infinity") == true, "\(String(describing: error))")
        for type in [KeyType.ecdsaP256, .ecdsaP384] {
            #expect(throws: CryptoError.self) { try PublicKey(ecPoint: [0x00], type: type) }
        }
        #expect(OpenSSLErrors.drain() == nil)
    }

    @Test func ecPointRoundTrip() throws {
        let key = try PrivateKey.generate(.ecdsaP256).publicKey
        let spki = key.spkiDER
        let point = Array(spki.suffix(65))  // the uncompressed point closes a P-256 SPKI
        #expect(point.first == 0x04)
        #expect(try PublicKey(ecPoint: point, type: .ecdsaP256) == key)
        #expect(throws: CryptoError.self) { try PublicKey(ecPoint: point, type: .ecdsaP384) }
        #expect(throws: CryptoError.self) { try PublicKey(ecPoint: point, type: .ed25519) }
    }

    @Test func privateKeyPEMWithWrongLabelIsRejected() throws {
        let key = try PrivateKey.generate(.ed25519)
        let der = try key.pkcs8DER().withUnsafeBytes { Array($0) }
        let error = #expect(throws: CryptoError.self) { try PrivateKey(pem: PEM.encode(der, label: "PUBLIC KEY")) }
        #expect(error?.code == .invalidEncoding)
        #expect(throws: CryptoError.self) { try [UInt8]([1, 2, 3]).withUnsafeBytes { try PrivateKey(pkcs8DER: $0) } }
    }

    // MARK: wasmsign2 raw forms

    @Test func wasmsignRawKnownAnswer() throws {
        let key = try Self.seed.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
        let publicRaw = try #require(key.publicKey.ed25519Raw)
        #expect(publicRaw.hex == Self.seedPublicKeyHex)
        #expect(key.publicKey.wasmsigKeyID?.hex == "a87b10d4934d3a04633a3faf")
        #expect(key.publicKey.wasmsignRaw == [0x01] + publicRaw)

        let secretRaw = try key.wasmsignRaw().withUnsafeBytes { Array($0) }
        #expect(secretRaw == [0x81] + Self.seed + publicRaw)
        let reimported = try secretRaw.withUnsafeBytes { try PrivateKey(wasmsignRaw: $0) }
        #expect(reimported.publicKey == key.publicKey)
        let publicKey = try PublicKey(wasmsignRaw: [0x01] + publicRaw)
        #expect(publicKey == key.publicKey)
        #expect(publicKey.wasmsigKeyID?.hex == "a87b10d4934d3a04633a3faf")
    }

    @Test func nonEd25519KeysHaveNoWasmsignForm() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        #expect(key.publicKey.wasmsignRaw == nil)
        #expect(key.publicKey.wasmsigKeyID == nil)
        #expect(throws: CryptoError.self) { try key.wasmsignRaw() }
    }

    @Test(arguments: [0, 32, 34, 64, 66])
    func wasmsignPublicKeyOfWrongLengthIsRejected(_ length: Int) {
        let raw = [UInt8](repeating: 0x01, count: length)
        let error = #expect(throws: CryptoError.self) { try PublicKey(wasmsignRaw: raw) }
        #expect(error?.code == .invalidKey)
        #expect(error?.reason.contains("33 bytes") == true)
    }

    @Test(arguments: [0, 32, 33, 34, 64, 66])
    func wasmsignSecretKeyOfWrongLengthIsRejected(_ length: Int) {
        let raw = [0x81] + [UInt8](repeating: 0x07, count: max(0, length - 1))
        let input = length == 0 ? [] : raw
        let error = #expect(throws: CryptoError.self) { try input.withUnsafeBytes { try PrivateKey(wasmsignRaw: $0) } }
        #expect(error?.code == .invalidKey)
        #expect(error?.reason.contains("65 bytes") == true)
    }

    @Test(arguments: [0x00, 0x02, 0x80, 0xFF] as [UInt8])
    func wasmsignPublicKeyTypeByteIsChecked(_ type: UInt8) throws {
        let publicRaw = [UInt8](hex: Self.seedPublicKeyHex)
        let error = #expect(throws: CryptoError.self) { try PublicKey(wasmsignRaw: [type] + publicRaw) }
        #expect(error?.code == .unsupportedKeyType)
    }

    @Test(arguments: [0x00, 0x01, 0x80, 0xFF] as [UInt8])
    func wasmsignSecretKeyTypeByteIsChecked(_ type: UInt8) throws {
        let raw = [type] + Self.seed + [UInt8](hex: Self.seedPublicKeyHex)
        let error = #expect(throws: CryptoError.self) { try raw.withUnsafeBytes { try PrivateKey(wasmsignRaw: $0) } }
        #expect(error?.code == .unsupportedKeyType)
    }

    @Test func wasmsignSecretKeyWithForeignPublicHalfIsRejected() throws {
        var publicRaw = [UInt8](hex: Self.seedPublicKeyHex)
        publicRaw[0] ^= 0x01
        let raw = [0x81] + Self.seed + publicRaw
        let error = #expect(throws: CryptoError.self) { try raw.withUnsafeBytes { try PrivateKey(wasmsignRaw: $0) } }
        #expect(error?.code == .invalidKey)
        let other = try PrivateKey.generate(.ed25519).publicKey.ed25519Raw!
        let mismatched = [0x81] + Self.seed + other
        #expect(throws: CryptoError.self) { try mismatched.withUnsafeBytes { try PrivateKey(wasmsignRaw: $0) } }
    }

    // MARK: ECDSA encodings

    @Test(arguments: [KeyType.ecdsaP256])
    func p1363DERRoundTrip(_ type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let message = Array("encodings".utf8)
        for _ in 0..<8 {
            let der = try key.sign(message)
            let raw = try ECDSASignature.derToP1363(der, keyType: type)
            #expect(raw.count == 64)
            let back = try #require(raw.withUnsafeBytes { ECDSASignature.p1363ToDER($0, keyType: type) })
            #expect(back == der)
            #expect(try key.publicKey.verify(signature: raw, message: message, scheme: .ecdsa(.sha256, .p1363)))
        }
    }

    @Test func p1363DERRoundTripP384Vector() throws {
        let vector = try #require(try SignatureVector.all().first { $0.scheme == "ecdsa-sha384-der" })
        let raw = try ECDSASignature.derToP1363(vector.signature, keyType: .ecdsaP384)
        #expect(raw.count == 96)
        #expect(raw.withUnsafeBytes { ECDSASignature.p1363ToDER($0, keyType: .ecdsaP384) } == vector.signature)
    }

    @Test func derToP1363RejectsBadInput() {
        #expect(throws: CryptoError.self) { try ECDSASignature.derToP1363([0x30, 0x01], keyType: .ecdsaP256) }
        let error = #expect(throws: CryptoError.self) { try ECDSASignature.derToP1363([], keyType: .ed25519) }
        #expect(error?.code == .unsupportedKeyType)
        #expect(
            [UInt8](repeating: 1, count: 63).withUnsafeBytes { ECDSASignature.p1363ToDER($0, keyType: .ecdsaP256) }
                == nil)
    }

    // MARK: Digests, HMAC, Base64

    static let abcDigests: [(DigestAlgorithm, String)] = [
        (.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (.sha384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        (
            .sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        ),
    ]

    @Test(arguments: abcDigests)
    func digestKnownAnswer(_ algorithm: DigestAlgorithm, _ hex: String) {
        let abc = Array("abc".utf8)
        #expect(Digest.hash(algorithm, abc).hex == hex)
        #expect(Digest.hash(algorithm, "abc".utf8).hex == hex)  // a non-contiguous sequence
        #expect(algorithm.byteCount * 2 == hex.count)

        let hasher = StreamingHasher(algorithm)
        hasher.update(Array("a".utf8))
        #expect(hasher.peek() == Digest.hash(algorithm, Array("a".utf8)))
        #expect(hasher.peek() == Digest.hash(algorithm, Array("a".utf8)))
        hasher.update([UInt8]())
        hasher.update("bc".utf8)
        #expect(hasher.finalize().hex == hex)
    }

    @Test func sha256OfNothing() {
        #expect(Digest.sha256([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(StreamingHasher(.sha256).finalize() == Digest.sha256([UInt8]()))
    }

    @Test func hmacSHA256RFC4231Case2() {
        let mac = HMAC.sha256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(mac.hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test(arguments: [("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob")])
    func base64KnownAnswers(_ encoded: String, _ decoded: String) {
        #expect(Base64.decode(encoded) == Array(decoded.utf8))
        #expect(Base64.encode(Array(decoded.utf8)) == encoded)
    }

    @Test(arguments: [
        "Zg", "Zg=", "Zg===", "Z===", "=Zg=", "Zh==", "Zm9=", "Zg==Zg==", "Zm9v!A==", "Zm 9v", "Zm9v\n",
        "Zm-_", "Zm9vYg", "Zm=vZm9v", "!m9vZm9v", "Zm9v-m9vZm9v", "Zm9v\u{E9}9vZm9v", "Zm9vZm9vZm9vZ===",
    ])
    func base64RejectsMalformedInput(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test func base64RoundTripsEveryLength() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }

    @Test func privateKeyDescriptionHidesKeyMaterial() throws {
        let key = try Self.seed.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
        let seedHex = Self.seed.hex
        let seedBase64 = Base64.encode(Self.seed)
        for text in [key.description, key.debugDescription, "\(key)", String(reflecting: key)] {
            #expect(text.contains("redacted"))
            #expect(!text.contains(seedHex))
            #expect(!text.contains(String(seedBase64.prefix(16))))
            #expect(!text.contains(Self.seedPublicKeyHex))
        }
    }
}

@Suite struct TrailingBytesTests {
    /// A key or signature followed by extra bytes is a different byte string for the same value: refused.
    @Test func pkcs8WithTrailingBytesIsRejected() throws {
        let key = try PrivateKey.generate(.ed25519)
        var der = try key.pkcs8DER().withUnsafeBytes { Array($0) }
        der.append(0x00)
        #expect(throws: CryptoError(.invalidKey, "")) { try der.withUnsafeBytes { try PrivateKey(pkcs8DER: $0) } }
    }

    @Test func derSignatureWithTrailingBytesIsRejected() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let signature = try key.sign(Array("message".utf8)) + [0x00]
        #expect(throws: CryptoError(.invalidSignature, "")) {
            try ECDSASignature.derToP1363(signature, keyType: .ecdsaP256)
        }
    }
}
