import Foundation
import Testing

@testable import WSCCrypto

/// One entry of Fixtures/signature_vectors.json.
struct SignatureVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let scheme: String
    let publicKeyPEM: String
    let messageHex: String
    let signatureHex: String

    var testDescription: String { name }
    var message: [UInt8] { [UInt8](hex: messageHex) }
    var signature: [UInt8] { [UInt8](hex: signatureHex) }

    var signatureScheme: SignatureScheme {
        switch scheme {
        case "ed25519": .ed25519
        case "ecdsa-sha256-der": .ecdsa(.sha256, .der)
        case "ecdsa-sha256-p1363": .ecdsa(.sha256, .p1363)
        case "ecdsa-sha384-der": .ecdsa(.sha384, .der)
        case "ecdsa-sha384-p1363": .ecdsa(.sha384, .p1363)
        case "rsa-pkcs1v15-sha256": .rsaPKCS1v15(.sha256)
        case "rsa-pss-sha256": .rsaPSS(.sha256)
        default: fatalError("unknown scheme \(scheme) in signature_vectors.json")
        }
    }

    func publicKey() throws -> PublicKey { try PublicKey(pem: publicKeyPEM) }

    static func all() throws -> [SignatureVector] {
        try JSONDecoder().decode([SignatureVector].self, from: TestFixtures.data("signature_vectors.json"))
    }
}

@Suite struct SignatureSchemeTests {
    @Test func vectorsCoverEveryScheme() throws {
        let schemes = Set(try SignatureVector.all().map(\.scheme))
        #expect(
            schemes == [
                "ed25519", "ecdsa-sha256-der", "ecdsa-sha256-p1363", "ecdsa-sha384-der", "ecdsa-sha384-p1363",
                "rsa-pkcs1v15-sha256", "rsa-pss-sha256",
            ])
    }

    @Test(arguments: try SignatureVector.all())
    func vectorVerifies(_ vector: SignatureVector) throws {
        let key = try vector.publicKey()
        #expect(try key.verify(signature: vector.signature, message: vector.message, scheme: vector.signatureScheme))
    }

    @Test(arguments: try SignatureVector.all())
    func flippedMessageBitFails(_ vector: SignatureVector) throws {
        let key = try vector.publicKey()
        var message = vector.message
        if message.isEmpty {
            message = [0x01]
        } else {
            message[message.count / 2] ^= 0x01
        }
        #expect(!(try key.verify(signature: vector.signature, message: message, scheme: vector.signatureScheme)))
    }

    @Test(arguments: try SignatureVector.all())
    func flippedSignatureBitFails(_ vector: SignatureVector) throws {
        let key = try vector.publicKey()
        for position in [0, vector.signature.count / 2, vector.signature.count - 1] {
            for bit in [0x01, 0x80] as [UInt8] {
                var signature = vector.signature
                signature[position] ^= bit
                #expect(
                    !(try key.verify(signature: signature, message: vector.message, scheme: vector.signatureScheme)),
                    "bit \(bit) of byte \(position)")
            }
        }
    }

    @Test(arguments: try SignatureVector.all().filter { $0.scheme.hasSuffix("p1363") })
    func p1363OfWrongLengthFails(_ vector: SignatureVector) throws {
        let key = try vector.publicKey()
        let good = vector.signature
        for signature in [[], Array(good.dropLast()), good + [0], Array(good.prefix(32)), good + good] {
            #expect(!(try key.verify(signature: signature, message: vector.message, scheme: vector.signatureScheme)))
        }
    }

    @Test func ed25519SignatureOfWrongLengthFails() throws {
        let vector = try #require(try SignatureVector.all().first { $0.scheme == "ed25519" })
        let key = try vector.publicKey()
        #expect(!(try key.verify(signature: Array(vector.signature.dropLast()), message: [], scheme: .ed25519)))
        #expect(!(try key.verify(signature: vector.signature + [0], message: [], scheme: .ed25519)))
    }

    @Test func rfc8032Vector1IsInTheFixtures() throws {
        let vector = try #require(try SignatureVector.all().first { $0.name == "Ed25519 RFC 8032 test 1" })
        let key = try vector.publicKey()
        #expect(key.ed25519Raw?.hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(vector.message.isEmpty)
        #expect(
            vector.signatureHex
                == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
    }

    static let mismatches: [(String, SignatureScheme)] = [
        ("ed25519", .ecdsa(.sha256, .der)),
        ("ed25519", .rsaPKCS1v15(.sha256)),
        ("ecdsa-sha256-der", .ed25519),
        ("ecdsa-sha256-der", .rsaPSS(.sha256)),
        ("ecdsa-sha384-der", .rsaPKCS1v15(.sha384)),
        ("rsa-pkcs1v15-sha256", .ed25519),
        ("rsa-pkcs1v15-sha256", .ecdsa(.sha256, .p1363)),
    ]

    @Test(arguments: mismatches)
    func schemeThatDoesNotFitTheKeyThrows(_ vectorScheme: String, _ scheme: SignatureScheme) throws {
        let vector = try #require(try SignatureVector.all().first { $0.scheme == vectorScheme })
        let key = try vector.publicKey()
        let error = #expect(throws: CryptoError.self) {
            try key.verify(signature: vector.signature, message: vector.message, scheme: scheme)
        }
        #expect(error?.code == .unsupportedAlgorithm)
    }

    @Test func defaultSchemes() throws {
        let vectors = try SignatureVector.all()
        func key(_ scheme: String) throws -> PublicKey {
            try #require(vectors.first { $0.scheme == scheme }).publicKey()
        }
        #expect(try key("ed25519").defaultScheme == .ed25519)
        #expect(try key("ecdsa-sha256-der").defaultScheme == .ecdsa(.sha256, .der))
        #expect(try key("ecdsa-sha384-der").defaultScheme == .ecdsa(.sha384, .der))
        #expect(try key("rsa-pss-sha256").defaultScheme == nil)
        #expect(try key("rsa-pss-sha256").type == .rsa(bits: 2048))
    }
}
