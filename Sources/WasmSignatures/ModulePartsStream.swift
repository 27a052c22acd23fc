import WSCCrypto

/// Hashes a module's parts while its bytes arrive, so that hashing overlaps the transfer instead of following it.
///
/// Give it the bytes received so far, always from the module's first byte (each call the same bytes, or more),
/// then ``finish(_:)`` with the complete module. The stream only hashes: it never decides anything. What it
/// returns is checked against the parsed module by ``ModuleParts/init(module:streamed:)``, and any doubt
/// (malformed input, a limit exceeded, a layout that differs) leaves the caller to hash the module the ordinary
/// way, which also reports the ordinary error.
///
/// Not thread-safe: one stream belongs to one reader.
public final class ModulePartsStream {
    private let moduleLength: Int
    private let limits: ParseLimits
    private let hasher = StreamingHasher(.sha256)
    private var failed = false
    private var preambleChecked = false
    /// Where the next section header starts, when no section is open.
    private var position = 8
    /// The section being hashed: its end, and whether it is hashed and closes a part.
    private var open: (end: Int, hashed: Bool, delimiter: Bool)?
    private var hashedUpTo = 0
    private var layout: [StreamedParts.SectionMark] = []
    private var hashes: [[UInt8]] = []
    private var lastWasDelimiter = false

    private static let specialNames = [Section.signatureSectionName, Section.delimiterSectionName].map {
        Array($0.utf8)
    }

    /// Starts a stream over a module of `moduleLength` bytes.
    public init(moduleLength: Int, limits: ParseLimits = .default) {
        self.moduleLength = moduleLength
        self.limits = limits
        failed = moduleLength < 8 || moduleLength > limits.maximumModuleSize
    }

    /// Hashes what `received` adds (bytes past the module's length are ignored).
    public func advance(_ received: UnsafeRawBufferPointer) {
        let available = min(received.count, moduleLength)
        while !failed {
            if !preambleChecked {
                guard available >= 8 else { return }
                let p = UnsafeRawBufferPointer(rebasing: received[0..<8])
                guard p.elementsEqual(WasmModule.coreModulePreamble) || p.elementsEqual(WasmModule.componentPreamble)
                else {
                    failed = true
                    return
                }
                preambleChecked = true
            }
            if let section = open {
                let upTo = min(available, section.end)
                if section.hashed, upTo > hashedUpTo {
                    hasher.update(UnsafeRawBufferPointer(rebasing: received[hashedUpTo..<upTo]))
                }
                hashedUpTo = max(hashedUpTo, upTo)
                guard upTo == section.end else { return }
                open = nil
                position = section.end
                if section.hashed {
                    lastWasDelimiter = section.delimiter
                    if section.delimiter { hashes.append(hasher.peek()) }
                }
                continue
            }
            guard position < moduleLength else { return }
            guard startSection(received, available: available) else { return }
        }
    }

    /// Reads the header of the section at `position` when enough of it has arrived; `false` means wait for more.
    private func startSection(_ bytes: UnsafeRawBufferPointer, available: Int) -> Bool {
        guard layout.count < limits.maximumSectionCount else {
            failed = true
            return false
        }
        guard position < available else { return false }
        let id = bytes[position]
        guard id < 0x80 else {
            failed = true
            return false
        }
        guard let (size, sizeLength) = readLength(bytes, at: position + 1, available: available) else { return false }
        let payloadStart = position + 1 + sizeLength
        guard size <= limits.maximumSectionSize, size <= moduleLength - payloadStart else {
            failed = true
            return false
        }
        let end = payloadStart + size
        var kind = StreamedParts.SectionMark.Kind.other
        if id == 0 {
            guard let (nameLength, nameLengthSize) = readLength(bytes, at: payloadStart, available: available) else {
                return false
            }
            let nameStart = payloadStart + nameLengthSize
            guard nameLength <= end - nameStart else {
                failed = true
                return false
            }
            let special = ModulePartsStream.specialNames
            if special.contains(where: { $0.count == nameLength }) {
                guard nameStart + nameLength <= available else { return false }
                let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameStart + nameLength])
                if name.elementsEqual(special[0]) { kind = .signature }
                if name.elementsEqual(special[1]) { kind = .delimiter }
            }
        }
        // Only a signature section in first place stays out of the hashes (as in ModuleParts).
        let hashed = !(layout.isEmpty && kind == .signature)
        layout.append(StreamedParts.SectionMark(end: end, kind: kind))
        open = (end, hashed, kind == .delimiter)
        hashedUpTo = position
        return true
    }

    /// A strict varuint32 at `offset`; `nil` if it has not fully arrived (or is invalid, which marks the stream
    /// failed).
    private func readLength(_ bytes: UnsafeRawBufferPointer, at offset: Int, available: Int) -> (Int, Int)? {
        var result = 0
        for index in 0..<5 {
            guard offset + index < available else { return nil }
            let byte = bytes[offset + index]
            if index == 4, byte & 0xF0 != 0 { break }
            result |= Int(byte & 0x7F) << (7 * index)
            if byte & 0x80 == 0 {
                if index > 0, byte == 0 { break }
                return (result, index + 1)
            }
        }
        failed = true
        return nil
    }

    /// Completes the stream over the whole module; `nil` if the stream gave up (the caller hashes normally).
    public func finish(_ module: UnsafeRawBufferPointer) -> StreamedParts? {
        guard module.count == moduleLength else { return nil }
        advance(module)
        guard !failed, open == nil, position == moduleLength, hashedUpTo == moduleLength || layout.isEmpty else {
            return nil
        }
        var all = hashes
        if !lastWasDelimiter { all.append(hasher.finalize()) }
        return StreamedParts(moduleLength: moduleLength, layout: layout, hashes: all)
    }
}

/// The part hashes a ``ModulePartsStream`` computed, with the section layout they were computed over.
public struct StreamedParts: Sendable {
    struct SectionMark: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case other, signature, delimiter
        }
        let end: Int
        let kind: Kind
    }

    /// The length of the module that was hashed.
    public let moduleLength: Int
    let layout: [SectionMark]
    let hashes: [[UInt8]]
}

extension ModuleParts {
    /// The parts of `module` from hashes computed while it arrived; `nil` unless `streamed` was computed over a
    /// module of the same length and section layout (then the hashes are those ``init(module:)`` would compute).
    public init?(module: WasmModule, streamed: StreamedParts) {
        guard module.bytes.count == streamed.moduleLength, module.sections.count == streamed.layout.count else {
            return nil
        }
        for (section, mark) in zip(module.sections, streamed.layout) {
            let kind: StreamedParts.SectionMark.Kind =
                section.isSignatureSection ? .signature : section.isDelimiter ? .delimiter : .other
            guard section.range.upperBound == mark.end, kind == mark.kind else { return nil }
        }
        var parts: [Part] = []
        var current: [Section] = []
        var lastWasDelimiter = false
        var next = streamed.hashes.makeIterator()
        for (index, section) in module.sections.enumerated() {
            if index == 0, section.isSignatureSection { continue }
            current.append(section)
            lastWasDelimiter = section.isDelimiter
            if lastWasDelimiter {
                guard let hash = next.next() else { return nil }
                parts.append(Part(sections: current, rollingHash: hash, endsWithDelimiter: true))
                current = []
            }
        }
        if !lastWasDelimiter {
            guard let hash = next.next() else { return nil }
            parts.append(Part(sections: current, rollingHash: hash, endsWithDelimiter: false))
        }
        guard next.next() == nil else { return nil }
        self.init(parts: parts)
    }
}
