import WSCCrypto

/// The parts of a module as the wasmsig format sees them: the sections after the signature header, cut after
/// each `signature_delimiter`, with the rolling SHA-256 at the end of each part.
public struct ModuleParts: Sendable {
    /// One part.
    public struct Part: Sendable {
        /// The sections of the part, its closing delimiter included if it has one.
        public let sections: [Section]
        /// SHA-256 of every section byte from the first part up to the end of this one.
        public let rollingHash: [UInt8]
        /// Whether the part ends with a delimiter (only the last part may not).
        public let endsWithDelimiter: Bool
    }

    /// The parts, in order. A module with no sections after the header has one empty part.
    public let parts: [Part]

    /// The rolling hashes, one per part: what a signer signs.
    public var hashes: [[UInt8]] { parts.map(\.rollingHash) }

    init(parts: [Part]) { self.parts = parts }

    /// Hashes the module once, streaming over its bytes (no copy).
    public init(module: WasmModule) {
        let hasher = StreamingHasher(.sha256)
        var parts: [Part] = []
        var current: [Section] = []
        var lastWasDelimiter = false
        module.bytes.withUnsafeBytes { all in
            for (index, section) in module.sections.enumerated() {
                if index == 0, section.isSignatureSection { continue }
                hasher.update(UnsafeRawBufferPointer(rebasing: all[section.range]))
                current.append(section)
                lastWasDelimiter = section.isDelimiter
                if lastWasDelimiter {
                    parts.append(Part(sections: current, rollingHash: hasher.peek(), endsWithDelimiter: true))
                    current = []
                }
            }
        }
        if !lastWasDelimiter {
            parts.append(Part(sections: current, rollingHash: hasher.finalize(), endsWithDelimiter: false))
        }
        self.parts = parts
    }
}
