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
        var blocks: [Block] = []
        var label: String?
        var body = ""
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.trimmingCharacters(in: " \t\r")
            if let current = label {
                if line == "-----END \(current)-----" {
                    guard let der = Base64.decode(body) else {
                        throw CryptoError(.invalidEncoding, "the PEM block \"\(current)\" holds invalid Base64")
                    }
                    blocks.append(Block(label: current, der: der))
                    label = nil
                    body = ""
                } else if line.hasPrefix("-----") {
                    throw CryptoError(.invalidEncoding, "the PEM block \"\(current)\" is not closed by its END line")
                } else {
                    body += line
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                label = String(line.dropFirst(11).dropLast(5))
            }
        }
        if let label { throw CryptoError(.invalidEncoding, "the PEM block \"\(label)\" has no END line") }
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

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var slice = Substring(self)
        while let c = slice.first, chars.contains(c) { slice = slice.dropFirst() }
        while let c = slice.last, chars.contains(c) { slice = slice.dropLast() }
        return String(slice)
    }
}
