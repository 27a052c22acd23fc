import Testing
import WSCCrypto

@testable import Sigstore

@Suite struct CheckpointTests {
    static let root = Base64.encode([UInt8](repeating: 7, count: 32))

    static func note(origin: String = "log.example", size: String = "5", root: String = CheckpointTests.root)
        -> String
    {
        "\(origin)\n\(size)\n\(root)\n"
    }

    static func signed(_ note: String, key: PrivateKey, name: String, keyID: [UInt8]) throws -> String {
        let signature = try key.sign(Array(note.utf8))
        return note + "\n\u{2014} \(name) \(Base64.encode(Array(keyID.prefix(4)) + signature))\n"
    }

    static func key() throws -> PrivateKey {
        try [UInt8](repeating: 3, count: 32).withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
    }

    /// Splitting lines byte by byte gives what splitting the Characters gives (CR LF, combining marks, emoji).
    @Test(arguments: [
        "", "\n", "a\n\nb", "log.example\n5\nroot\n", "a\r\nb\nc", "\r\n\n", "x\n\u{301}y\n",
        "\u{2014} name c2ln\n\u{1F600}\n", "\n\n\n", "no newline",
    ])
    func linesMatchCharacterSplit(text: String) {
        let expected = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Checkpoint.lines(text).map(String.init) == expected)
    }

    @Test func validCheckpointVerifiesAndIgnoresCosignatures() throws {
        let key = try Self.key()
        let keyID = Digest.sha256(Array("log.example".utf8))
        var text = try Self.signed(Self.note(), key: key, name: "log.example", keyID: keyID)
        text += "\u{2014} witness.example \(Base64.encode([UInt8](repeating: 1, count: 76)))\n"
        let checkpoint = try Checkpoint(text)
        #expect(checkpoint.origin == "log.example")
        #expect(checkpoint.treeSize == 5)
        #expect(checkpoint.signatures.count == 2)
        try checkpoint.verify(name: "log.example", logID: keyID, key: key.publicKey, scheme: .ed25519)
        // A wrong hint, a wrong name or another key are refused.
        var otherID = keyID
        otherID[0] ^= 1
        #expect(throws: SigstoreError(.checkpointInvalid, "")) {
            try checkpoint.verify(name: "log.example", logID: otherID, key: key.publicKey, scheme: .ed25519)
        }
        #expect(throws: SigstoreError(.checkpointInvalid, "")) {
            try checkpoint.verify(name: "other.example", logID: keyID, key: key.publicKey, scheme: .ed25519)
        }
        let other = try PrivateKey.generate(.ed25519)
        #expect(throws: SigstoreError(.checkpointInvalid, "")) {
            try checkpoint.verify(name: "log.example", logID: keyID, key: other.publicKey, scheme: .ed25519)
        }
    }

    @Test(arguments: [
        "",
        "log.example\n5\n\(CheckpointTests.root)\n",  // no blank line, no signatures
        "log.example\n5\n\(CheckpointTests.root)\n\n",  // no signature lines
        "\n5\n\(CheckpointTests.root)\n\n\u{2014} log.example AAAAAAAA\n",  // empty origin
        "log.example\n\(CheckpointTests.root)\n\n\u{2014} log.example AAAAAAAA\n",  // missing size
        "log.example\n5\n\n\u{2014} log.example AAAAAAAA\n",  // missing root hash
        "log.example\nfive\n\(CheckpointTests.root)\n\n\u{2014} log.example AAAAAAAA\n",  // size not decimal
        "log.example\n-5\n\(CheckpointTests.root)\n\n\u{2014} log.example AAAAAAAA\n",  // negative size
        "log.example\n5\nAAAA\n\n\u{2014} log.example AAAAAAAA\n",  // root hash not 32 bytes
        "log.example\n5\n\(CheckpointTests.root)\n\n- log.example AAAAAAAA\n",  // not an em dash
        "log.example\n5\n\(CheckpointTests.root)\n\n\u{2014} log.example AAAA\n",  // signature under 5 bytes
        "log.example\n5\n\(CheckpointTests.root)\n\n\u{2014} log.example AAAAAAAA",  // no final newline
        "log.example\n5\n\(CheckpointTests.root)\n\n\u{2014} log.example !!!!\n",  // not base64
        "log.example\n5\n\(CheckpointTests.root)\n\n\u{2014} log.example AAAAAAAA\n\n",  // two blank lines
    ])
    func malformedCheckpointsAreRefused(_ text: String) {
        #expect(throws: SigstoreError(.checkpointInvalid, "")) { _ = try Checkpoint(text) }
    }
}
