import KeylessWasm
import WSCCrypto
import WasmSignatures

/// Computes a module's ``ModuleDigests`` in one pass over its bytes, given in consecutive chunks of any size,
/// holding only the section being read's header and the small sections verification needs (the wasmsig
/// `signature` section, the `sigstore.bundle` section; each bounded). Memory does not grow with the module,
/// except the bytes themselves when `keepBytes` is set (for a module up to ``ModuleDigests/keptBytesLimit``).
///
/// Parses as ``WasmModule`` does (preamble, strict LEB128 sizes, section count and size limits, UTF-8 custom
/// section names), with one more bound: a custom section name is at most
/// ``ModuleDigests/maximumStreamedNameLength`` bytes. Not thread-safe: one digester belongs to one reader.
public final class ModuleDigester {
    private enum Step {
        case preamble, id, size, nameLength, name, body, failed
    }

    private enum Kind {
        case other, delimiter, keyless, firstSignature, signature
    }

    private let length: Int
    private let limits: ParseLimits
    private let evidence: RequestPolicy.Evidence
    /// Whether wasmsig part hashes leave out the keyless section (not for a keyless-only request).
    private let partsWithoutKeyless: Bool
    private let keepBytes: Bool
    private var kept: [UInt8] = []

    private var step = Step.preamble
    private var offset = 0
    private var error: WasmSignatureError?
    /// The bytes of the current section read before its kind is known (id, size, name), or the preamble.
    private var header: [UInt8] = []
    private var lebValue = 0
    private var lebIndex = 0
    private var lebStart = 0
    private var sectionStart = 0
    private var sectionEnd = 0
    private var sectionID: UInt8 = 0
    private var nameLength = 0
    private var nameEnd = 0
    private var sectionIndex = 0
    /// Sections seen that count for wasmsig positions (the keyless section aside, unless keyless-only).
    private var partsIndex = 0
    private var kind = Kind.other
    private var capture: [UInt8]?
    private var captureLimit = 0

    private let fileHasher: StreamingHasher?
    private let unsignedHasher: StreamingHasher?
    private let partsHasher = StreamingHasher(.sha256)
    private var partHashes: [[UInt8]] = []
    private var lastWasDelimiter = false

    private var keylessCount = 0
    private var keylessBundle: [UInt8]?
    private var keylessOversized: Int?
    private var keylessRange: Range<Int>?
    private var embedded = WasmVerifier.EmbeddedSignature.none

    /// Starts a pass over a module of `length` bytes, for a request asking for `evidence`. `keepBytes`: keep the
    /// module's bytes (for Ed25519 Sigstore message signatures); `fileDigest`: compute the whole file's SHA-256
    /// (a detached Sigstore bundle signs it).
    public init(
        length: Int, evidence: RequestPolicy.Evidence = .any, keepBytes: Bool, fileDigest: Bool,
        limits: ParseLimits = .default
    ) {
        self.length = length
        self.limits = limits
        self.evidence = evidence
        self.partsWithoutKeyless = evidence != .keyless
        self.keepBytes = keepBytes
        fileHasher = !keepBytes && fileDigest && evidence != .wasmsig ? StreamingHasher(.sha256) : nil
        unsignedHasher = !keepBytes && evidence != .wasmsig ? StreamingHasher(.sha256) : nil
        if keepBytes { kept.reserveCapacity(length) }
        if length > limits.maximumModuleSize {
            fail(.limitExceeded, "the module is \(length) bytes, above the limit of \(limits.maximumModuleSize)")
        } else if length == 0 {
            fail(.malformedModule, "the input is empty, not a WebAssembly module")
        } else if length < 8 {
            fail(.malformedModule, "the input is \(length) bytes, shorter than the 8-byte WebAssembly preamble")
        }
    }

    private func fail(_ code: WasmSignatureError.Code, _ reason: String) {
        if error == nil { error = WasmSignatureError(code, reason) }
        step = .failed
        kept = []
        capture = nil
    }

    /// Reads the next `chunk` of the module (bytes past its length are ignored).
    public func update(_ chunk: UnsafeRawBufferPointer) {
        var index = 0
        let count = min(chunk.count, length - offset)
        while index < count {
            switch step {
            case .failed:
                return
            case .preamble:
                let take = min(8 - header.count, count - index)
                header += UnsafeRawBufferPointer(rebasing: chunk[index..<index + take])
                index += take
                offset += take
                guard header.count == 8 else { continue }
                if header == WasmModule.coreModulePreamble || header == WasmModule.componentPreamble {
                    header.withUnsafeBytes { emit($0, file: true) }
                    header = []
                    step = .id
                } else if header[0..<4] == [0x00, 0x61, 0x73, 0x6D] {
                    fail(
                        .unsupportedModule,
                        "unsupported WebAssembly version/layer \(Hex.encode(header[4..<8])) (supported: core module 01000000, component 0d000100)"
                    )
                } else {
                    fail(.malformedModule, "not a WebAssembly binary: the input does not start with \\0asm")
                }
            case .id:
                guard sectionIndex < limits.maximumSectionCount else {
                    fail(.limitExceeded, "the module has more than \(limits.maximumSectionCount) sections")
                    return
                }
                let byte = chunk[index]
                sectionStart = offset
                index += 1
                offset += 1
                guard byte < 0x80 else {
                    fail(
                        .malformedModule,
                        "section \(sectionIndex) at offset \(sectionStart) has an invalid id 0x\(String(byte, radix: 16))"
                    )
                    return
                }
                sectionID = byte
                header = [byte]
                startLEB()
                step = .size
            case .size:
                let byte = chunk[index]
                index += 1
                offset += 1
                header.append(byte)
                let what = "the size of section \(sectionIndex) at offset \(sectionStart)"
                guard let size = leb(byte, what) else { continue }
                let remaining = length - offset
                guard size <= remaining else {
                    fail(
                        .malformedModule,
                        "\(what) claims \(size) bytes but only \(remaining) remain: the input is truncated")
                    return
                }
                guard size <= limits.maximumSectionSize else {
                    fail(.limitExceeded, "\(what) is \(size) bytes, above the limit of \(limits.maximumSectionSize)")
                    return
                }
                sectionEnd = offset + size
                if sectionID == 0 {
                    guard size > 0 else {
                        fail(
                            .malformedModule,
                            "unexpected end of input inside the LEB128 the name of custom section \(sectionIndex)")
                        return
                    }
                    startLEB()
                    step = .nameLength
                } else {
                    startSection(.other)
                }
            case .nameLength:
                let byte = chunk[index]
                index += 1
                offset += 1
                header.append(byte)
                let what = "the name of custom section \(sectionIndex)"
                guard let value = leb(byte, what) else {
                    if step != .failed, offset == sectionEnd {
                        fail(.malformedModule, "unexpected end of input inside the LEB128 \(what)")
                    }
                    continue
                }
                let remaining = sectionEnd - offset
                guard value <= remaining else {
                    fail(
                        .malformedModule,
                        "\(what) claims \(value) bytes but only \(remaining) remain: the input is truncated")
                    return
                }
                guard value <= ModuleDigests.maximumStreamedNameLength else {
                    fail(
                        .limitExceeded,
                        "\(what) is \(value) bytes; a module read from a descriptor may have names of up to \(ModuleDigests.maximumStreamedNameLength) bytes"
                    )
                    return
                }
                nameLength = value
                nameEnd = offset + value
                if value == 0 { classify() } else { step = .name }
            case .name:
                let wanted = nameEnd - offset
                let take = min(wanted, count - index)
                header += UnsafeRawBufferPointer(rebasing: chunk[index..<index + take])
                index += take
                offset += take
                if take == wanted { classify() }
            case .body:
                let take = min(sectionEnd - offset, count - index)
                let slice = UnsafeRawBufferPointer(rebasing: chunk[index..<index + take])
                emit(slice, file: false)
                if capture != nil { capture! += slice }
                index += take
                offset += take
                if offset == sectionEnd { endSection() }
            }
        }
    }

    private func startLEB() {
        lebValue = 0
        lebIndex = 0
        lebStart = offset - 1
    }

    /// Adds `byte` to a strict varuint32 being read; its value once complete, `nil` while more bytes are needed
    /// (or on an error, which fails the pass).
    private func leb(_ byte: UInt8, _ what: String) -> Int? {
        let start = step == .size ? sectionStart + 1 : lebStart + 1
        if lebIndex == 4, byte & 0xF0 != 0 {
            fail(
                .malformedModule,
                "the LEB128 \(what) at offset \(start) overflows 32 bits (fifth byte 0x\(String(byte, radix: 16)))")
            return nil
        }
        lebValue |= Int(byte & 0x7F) << (7 * lebIndex)
        if byte & 0x80 == 0 {
            if lebIndex > 0, byte == 0 {
                fail(.malformedModule, "the LEB128 \(what) at offset \(start) is overlong (not minimally encoded)")
                return nil
            }
            return lebValue
        }
        lebIndex += 1
        if lebIndex == 5 {
            fail(.malformedModule, "the LEB128 \(what) at offset \(start) is longer than 5 bytes")
            return nil
        }
        if offset == length {
            fail(.malformedModule, "unexpected end of input inside the LEB128 \(what)")
        }
        return nil
    }

    /// The custom section's name is in: decides what the section is.
    private func classify() {
        let name = header.suffix(nameLength)
        guard let decoded = String(validating: name, as: UTF8.self) else {
            fail(.malformedModule, "the name of custom section \(sectionIndex) is not valid UTF-8")
            return
        }
        switch decoded {
        case KeylessWasm.sectionName: startSection(.keyless)
        case Section.signatureSectionName: startSection(.signature)
        case Section.delimiterSectionName: startSection(.delimiter)
        default: startSection(.other)
        }
    }

    private func startSection(_ found: Kind) {
        kind = found
        capture = nil
        if kind == .keyless {
            keylessCount += 1
            keylessRange = sectionStart..<sectionEnd
            if keylessCount == 1 {
                let size = sectionEnd - offset
                if size <= ModuleDigests.maximumEmbeddedBundleSize {
                    capture = []
                    capture!.reserveCapacity(size)
                } else {
                    keylessOversized = size
                }
            }
        }
        if kind == .signature, partsIndex == 0 { kind = .firstSignature }
        if kind == .firstSignature, partsWithoutKeyless {
            let size = sectionEnd - offset
            if size <= limits.maximumSignatureDataSize {
                capture = []
                capture!.reserveCapacity(size)
            } else {
                embedded = .oversized(size)
            }
        } else if kind == .signature, partsWithoutKeyless {
            // The first misplaced one is reported, before any other problem of the signature data.
            if case .misplaced = embedded {} else { embedded = .misplaced(partsIndex) }
        }
        header.withUnsafeBytes { emit($0, file: false) }
        header = []
        step = .body
        if offset == sectionEnd { endSection() }
    }

    /// Hashes bytes of the current section (or the preamble, `file`).
    private func emit(_ bytes: UnsafeRawBufferPointer, file: Bool) {
        fileHasher?.update(bytes)
        if keepBytes { kept += bytes }
        if file {
            unsignedHasher?.update(bytes)
            return
        }
        if kind != .keyless { unsignedHasher?.update(bytes) }
        if inParts { partsHasher.update(bytes) }
    }

    /// Whether the current section is in the part hashes.
    private var inParts: Bool {
        switch kind {
        case .keyless: !partsWithoutKeyless
        case .firstSignature: false
        case .other, .delimiter, .signature: true
        }
    }

    private func endSection() {
        if kind == .keyless, keylessCount == 1, let capture { keylessBundle = capture }
        if kind == .firstSignature, partsWithoutKeyless, let capture, case .none = embedded {
            embedded = .data(capture)
        }
        capture = nil
        if inParts {
            lastWasDelimiter = kind == .delimiter
            if lastWasDelimiter { partHashes.append(partsHasher.peek()) }
        }
        if kind != .keyless || !partsWithoutKeyless { partsIndex += 1 }
        sectionIndex += 1
        step = .id
    }

    /// The digests, once every byte was given (or why the module is malformed).
    public func finish() -> ModuleDigests {
        if error == nil, offset != length {
            fail(.malformedModule, "the module ended after \(offset) of \(length) bytes")
        }
        if error == nil, step == .size {
            fail(
                .malformedModule,
                "unexpected end of input inside the LEB128 the size of section \(sectionIndex) at offset \(sectionStart)"
            )
        }
        if error == nil, step != .id {
            fail(.malformedModule, "unexpected end of input inside section \(sectionIndex)")
        }
        if let error { return .failed(error, evidence: evidence, length: length) }
        var keylessProblem: KeylessError?
        if keylessCount > 1 {
            keylessProblem = KeylessError(
                .duplicateBundle,
                "the module holds \(keylessCount) \"\(KeylessWasm.sectionName)\" sections; at most one is allowed")
        } else if let keylessOversized {
            keylessProblem = ModuleDigests.oversizedBundle(keylessOversized)
        }
        if let keylessProblem {
            return ModuleDigests(
                evidence: evidence, length: length, malformed: nil, keylessProblem: keylessProblem,
                embeddedSignature: .none, wasmsigHashes: nil, contentDigest: nil, keylessBundle: nil,
                keylessRange: nil, unsignedSHA256: nil, fileSHA256: nil, bytes: nil)
        }
        var hashes = partHashes
        if !lastWasDelimiter { hashes.append(partsHasher.finalize()) }
        return ModuleDigests(
            evidence: evidence, length: length, malformed: nil, keylessProblem: keylessProblem,
            embeddedSignature: partsWithoutKeyless ? embedded : .none,
            wasmsigHashes: partsWithoutKeyless ? hashes : nil, contentDigest: hashes.last,
            keylessBundle: keylessBundle, keylessRange: keylessRange,
            unsignedSHA256: keylessCount == 1 ? unsignedHasher?.finalize() : nil,
            fileSHA256: keylessCount == 0 ? unsignedHasher?.finalize() : fileHasher?.finalize(),
            bytes: keepBytes ? kept : nil)
    }
}
