import WSCCrypto

/// A parsed WebAssembly core module or component: the bytes (one copy, shared) and where each section is.
///
/// Parsing checks the preamble, every section size against the remaining input and the limits, and custom
/// section names for UTF-8; it does not validate section contents.
public struct WasmModule: Sendable {
    /// What the preamble says the binary is.
    public enum Kind: String, Sendable {
        /// A core module (`00 61 73 6d 01 00 00 00`).
        case coreModule = "core module"
        /// A component (`00 61 73 6d 0d 00 01 00`).
        case component = "component"
    }

    /// The 8-byte preamble of a core module.
    public static let coreModulePreamble: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
    /// The 8-byte preamble of a component.
    public static let componentPreamble: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00]

    /// The kind from the preamble.
    public let kind: Kind
    /// The module's bytes.
    public let bytes: [UInt8]
    /// The sections, in order.
    public let sections: [Section]

    /// Parses `bytes`.
    public init(bytes: [UInt8], limits: ParseLimits = .default) throws {
        guard bytes.count <= limits.maximumModuleSize else {
            throw WasmSignatureError(
                .limitExceeded, "the module is \(bytes.count) bytes, above the limit of \(limits.maximumModuleSize)")
        }
        guard bytes.count >= 8 else {
            if bytes.isEmpty {
                throw WasmSignatureError(.malformedModule, "the input is empty, not a WebAssembly module")
            }
            throw WasmSignatureError(
                .malformedModule, "the input is \(bytes.count) bytes, shorter than the 8-byte WebAssembly preamble")
        }
        let preamble = Array(bytes[0..<8])
        if preamble == WasmModule.coreModulePreamble {
            kind = .coreModule
        } else if preamble == WasmModule.componentPreamble {
            kind = .component
        } else if preamble[0..<4] == [0x00, 0x61, 0x73, 0x6D] {
            throw WasmSignatureError(
                .unsupportedModule,
                "unsupported WebAssembly version/layer \(Hex.encode(preamble[4..<8])) (supported: core module 01000000, component 0d000100)"
            )
        } else {
            throw WasmSignatureError(.malformedModule, "not a WebAssembly binary: the input does not start with \\0asm")
        }
        self.bytes = bytes
        var reader = ByteReader(bytes, range: 8..<bytes.count)
        var sections: [Section] = []
        while !reader.isAtEnd {
            guard sections.count < limits.maximumSectionCount else {
                throw WasmSignatureError(
                    .limitExceeded, "the module has more than \(limits.maximumSectionCount) sections")
            }
            let start = reader.offset
            let index = sections.count
            let id = try reader.readByte("the id of section \(index)")
            guard id < 0x80 else {
                throw WasmSignatureError(
                    .malformedModule, "section \(index) at offset \(start) has an invalid id 0x\(String(id, radix: 16))"
                )
            }
            let size = try reader.readLength(
                "the size of section \(index) at offset \(start)", limit: limits.maximumSectionSize)
            let payloadStart = reader.offset
            var name: String?
            var dataStart = payloadStart
            if id == 0 {
                var nameReader = ByteReader(bytes, range: payloadStart..<payloadStart + size)
                let nameBytes = try nameReader.readSlice("the name of custom section \(index)", limit: size)
                guard let decoded = String(validating: nameBytes, as: UTF8.self) else {
                    throw WasmSignatureError(.malformedModule, "the name of custom section \(index) is not valid UTF-8")
                }
                name = decoded
                dataStart = nameReader.offset
            }
            reader.skip(size)
            sections.append(
                Section(
                    id: id, range: start..<reader.offset, payloadRange: payloadStart..<reader.offset, customName: name,
                    dataStart: dataStart))
        }
        self.sections = sections
    }

    /// The preamble bytes.
    public var preamble: ArraySlice<UInt8> { bytes[0..<8] }

    /// The data of a custom section (after its name) or the payload of another section.
    public func data(of section: Section) -> ArraySlice<UInt8> {
        bytes[section.dataStart..<section.payloadRange.upperBound]
    }

    /// The embedded signature section, which must be the first section; `nil` if there is none.
    /// Throws if a `signature` section appears anywhere else.
    public func signatureSection() throws -> Section? {
        for (index, section) in sections.enumerated() where section.isSignatureSection && index != 0 {
            throw WasmModule.misplacedSignature(at: index)
        }
        if let first = sections.first, first.isSignatureSection { return first }
        return nil
    }
}

extension WasmModule {
    /// The error for a `signature` section at `index` (it must be the first section).
    public static func misplacedSignature(at index: Int) -> WasmSignatureError {
        WasmSignatureError(
            .malformedSignature,
            "a \"signature\" section is at position \(index); it must be the first section. The module was altered after signing or by a non-conforming tool"
        )
    }
}

/// Builds a custom section: id 0, size, name, data.
func customSection(name: String, data: [UInt8]) -> [UInt8] {
    let nameBytes = Array(name.utf8)
    var payload = LEB128.encode(nameBytes.count)
    payload += nameBytes
    payload += data
    var out: [UInt8] = [0]
    LEB128.append(UInt64(payload.count), to: &out)
    out += payload
    return out
}
