/// PEM armour (RFC 7468): a label and Base64 of DER.
public enum PEM {
    /// One decoded PEM block.
    public struct Block: Sendable {
        /// The label, e.g. `PUBLIC KEY`.
        public let label: String
        /// The DER bytes.
        public let der: [UInt8]
    }

    /// The largest PEM text accepted (1 MiB): far above any key or certificate chain.
    public static let maximumTextLength = 1 << 20

    /// Decodes every PEM block in `text`, in order. Text outside blocks is ignored, as RFC 7468 allows.
    public static func decodeAll(_ text: String) throws -> [Block] {
        guard text.utf8.count <= maximumTextLength else {
            throw CryptoError(.invalidEncoding, "PEM text is larger than \(maximumTextLength) bytes")
        }
        // Works on UTF-8 bytes: PEM is ASCII, and this runs for every key of a large bundle.
        var blocks: [Block] = []
        var label: [UInt8]?
        var body: [UInt8] = []
        let bytes = Array(text.utf8)
        let begin = Array("-----BEGIN ".utf8)
        let dashes = Array("-----".utf8)
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            var a = lineStart
            var b = lineEnd
            while a < b, bytes[a] == 0x20 || bytes[a] == 0x09 || bytes[a] == 0x0D { a += 1 }
            while b > a, bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09 || bytes[b - 1] == 0x0D { b -= 1 }
            let line = bytes[a..<b]
            if let current = label {
                let name = String(decoding: current, as: UTF8.self)
                if line.starts(with: dashes) {
                    guard line.elementsEqual(Array("-----END ".utf8) + current + dashes) else {
                        throw CryptoError(.invalidEncoding, "the PEM block \"\(name)\" is not closed by its END line")
                    }
                    guard let der = Base64.decode(String(decoding: body, as: UTF8.self)) else {
                        throw CryptoError(.invalidEncoding, "the PEM block \"\(name)\" holds invalid Base64")
                    }
                    blocks.append(Block(label: name, der: der))
                    label = nil
                    body = []
                } else {
                    body += line
                }
            } else if line.starts(with: begin), line.count >= begin.count + dashes.count,
                line.suffix(5).elementsEqual(dashes)
            {
                label = Array(line.dropFirst(begin.count).dropLast(dashes.count))
            }
            lineStart = lineEnd + 1
        }
        if let label {
            throw CryptoError(
                .invalidEncoding, "the PEM block \"\(String(decoding: label, as: UTF8.self))\" has no END line")
        }
        return blocks
    }

    /// Decodes the single PEM block in `text`, requiring one of the `expecting` labels.
    public static func decode(_ text: String, expecting labels: Set<String>) throws -> Block {
        let blocks = try decodeAll(text)
        guard let first = blocks.first else {
            throw CryptoError(
                .invalidEncoding,
                "no PEM block found (expected -----BEGIN \(labels.sorted().joined(separator: "/"))-----)")
        }
        guard blocks.count == 1 else {
            throw CryptoError(.invalidEncoding, "expected one PEM block, found \(blocks.count)")
        }
        guard labels.contains(first.label) else {
            throw CryptoError(
                .invalidEncoding,
                "found a PEM \"\(first.label)\" block, expected \(labels.sorted().joined(separator: " or "))")
        }
        return first
    }

    /// Encodes DER as a PEM block with 64-character lines.
    public static func encode(_ der: [UInt8], label: String) -> String {
        let b64 = Base64.encode(der)
        var out = "-----BEGIN \(label)-----\n"
        var index = b64.startIndex
        while index < b64.endIndex {
            let end = b64.index(index, offsetBy: 64, limitedBy: b64.endIndex) ?? b64.endIndex
            out += b64[index..<end] + "\n"
            index = end
        }
        out += "-----END \(label)-----\n"
        return out
    }
}
