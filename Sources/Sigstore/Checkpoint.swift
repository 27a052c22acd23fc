import WSCCrypto

/// A C2SP signed note holding a transparency log checkpoint (`tlog-checkpoint`): origin, tree size and
/// root hash, then signature lines `— <name> <base64(4-byte key hint || signature)>`.
struct Checkpoint {
    struct SignatureLine {
        let name: String
        let keyHint: [UInt8]
        let signature: [UInt8]
    }

    let origin: String
    let treeSize: Int64
    let rootHash: [UInt8]
    /// The signed bytes: the note text up to and including the newline before the blank line.
    let signedText: [UInt8]
    let signatures: [SignatureLine]

    static let maximumLength = 1 << 20

    /// Parses the note. Throws `.checkpointInvalid` for any malformed part.
    init(_ envelope: String) throws {
        func fail(_ why: String) -> SigstoreError { SigstoreError(.checkpointInvalid, "malformed checkpoint: \(why)") }
        let bytes = Array(envelope.utf8)
        guard bytes.count <= Checkpoint.maximumLength else { throw fail("larger than 1 MiB") }
        var separator: Int? = nil
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A && bytes[index + 1] == 0x0A {
                guard separator == nil else { throw fail("more than one blank line") }
                separator = index
            }
            index += 1
        }
        guard let separator else { throw fail("no blank line between the note and its signatures") }
        signedText = Array(bytes[...separator])
        let block = Array(bytes[(separator + 2)...])
        guard !block.isEmpty, block.last == 0x0A else {
            throw fail("no signature lines, or they do not end in a newline")
        }

        let text = String(decoding: signedText.dropLast(), as: UTF8.self)
        let lines = Checkpoint.lines(text)
        guard lines.count >= 3 else { throw fail("the note needs an origin, a tree size and a root hash") }
        guard !lines[0].isEmpty else { throw fail("the origin line is empty") }
        origin = String(lines[0])
        let sizeText = lines[1]
        guard !sizeText.isEmpty, sizeText.utf8.count <= 19, sizeText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            !(sizeText.utf8.count > 1 && sizeText.utf8.first == 0x30), let size = Int64(sizeText)
        else { throw fail("the tree size line \"\(sizeText)\" is not a decimal number") }
        treeSize = size
        guard let root = Base64.decode(lines[2]), root.count == 32 else {
            throw fail("the root hash line is not base64 of 32 bytes")
        }
        rootHash = root
        for line in lines.dropFirst(3) where line.isEmpty {
            throw fail("an empty extension line")
        }

        var signatures: [SignatureLine] = []
        let blockText = String(decoding: block.dropLast(), as: UTF8.self)
        for line in Checkpoint.lines(blockText) {
            guard line.hasPrefix("\u{2014} ") else { throw fail("a signature line does not start with an em dash") }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, let raw = Base64.decode(fields[1]), raw.count >= 5 else {
                throw fail("a signature line is not \"— <name> <base64 signature>\"")
            }
            signatures.append(
                SignatureLine(
                    name: String(fields[0]), keyHint: Array(raw.prefix(4)), signature: Array(raw.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw fail("no signature lines") }
        self.signatures = signatures
    }

    /// `text` split at line feeds, empty lines kept. Byte by byte when there is no carriage return: a line feed is
    /// then always a Character of its own, so this is what splitting the Characters gives, without the grapheme
    /// breaking. With a carriage return (CR LF is one Character), the Characters are split as they are.
    static func lines(_ text: String) -> [Substring] {
        guard !text.utf8.contains(0x0D) else { return text.split(separator: "\n", omittingEmptySubsequences: false) }
        return text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { Substring($0) }
    }

    /// Checks that a signature line named `name` with the key hint `logID[0..<4]` verifies under the log's
    /// key; lines from other keys (witness cosignatures, unknown signers) are ignored.
    func verify(name: String, logID: [UInt8], key: PublicKey, scheme: SignatureScheme) throws {
        let hint = Array(logID.prefix(4))
        let candidates = signatures.filter { $0.name == name && $0.keyHint == hint }
        guard !candidates.isEmpty else {
            throw SigstoreError(
                .checkpointInvalid,
                "the checkpoint has no signature by the log \"\(name)\" with key hint \(Hex.encode(hint))")
        }
        for line in candidates
        where (try? key.verify(signature: line.signature, message: signedText, scheme: scheme)) == true {
            return
        }
        throw SigstoreError(.checkpointInvalid, "the checkpoint signature by the log \"\(name)\" does not verify")
    }
}
