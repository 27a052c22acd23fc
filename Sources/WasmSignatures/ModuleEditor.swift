import WSCCrypto

/// Structural edits: attach, detach, split. Every output is a new byte array; inputs are never modified.
public enum ModuleEditor {
    /// The module with `signatureData` as its first section, replacing an embedded signature if there is one.
    static func replacingSignature(in module: WasmModule, with signatureData: [UInt8]) -> [UInt8] {
        var out = Array(module.preamble)
        let section = customSection(name: Section.signatureSectionName, data: signatureData)
        out.reserveCapacity(module.bytes.count + section.count)
        out += section
        for (index, s) in module.sections.enumerated() where !(index == 0 && s.isSignatureSection) {
            out += module.bytes[s.range]
        }
        return out
    }

    /// Embeds a detached signature as the first section.
    /// - Throws: if the module already embeds a signature, or `signatureData` does not parse.
    public static func attach(signatureData: [UInt8], to module: WasmModule, limits: ParseLimits = .default) throws
        -> [UInt8]
    {
        if try module.signatureSection() != nil {
            throw WasmSignatureError(
                .signatureAlreadyAttached,
                "the module already embeds a signature; detach it first or sign it again to add one")
        }
        _ = try SignatureData(parsing: signatureData, limits: limits)
        return replacingSignature(in: module, with: signatureData)
    }

    /// Removes the embedded signature and returns the module without it and the signature data.
    public static func detach(from module: WasmModule) throws -> (module: [UInt8], signatureData: [UInt8]) {
        guard let section = try module.signatureSection() else {
            throw WasmSignatureError(.noSignatures, "the module has no embedded signature to detach")
        }
        var out = Array(module.preamble)
        out.reserveCapacity(module.bytes.count)
        for s in module.sections.dropFirst() { out += module.bytes[s.range] }
        return (out, Array(module.data(of: section)))
    }

    /// Cuts the module into parts so that sections for which `isSigned` differs are in different parts:
    /// inserts a delimiter wherever the value flips and after the last section. Existing delimiters and the
    /// signature section are kept, so splitting again only adds cutting points.
    public static func split(_ module: WasmModule, isSigned: (Section) -> Bool) -> [UInt8] {
        var out = Array(module.preamble)
        out.reserveCapacity(module.bytes.count + 64)
        var previous: Bool?
        var lastWasDelimiter = false
        var hasContent = false
        for (index, s) in module.sections.enumerated() {
            if index == 0, s.isSignatureSection {
                out += module.bytes[s.range]
                continue
            }
            if s.isDelimiter {
                out += module.bytes[s.range]
                lastWasDelimiter = true
                continue
            }
            hasContent = true
            let value = isSigned(s)
            if let previous, previous != value, !lastWasDelimiter { out += newDelimiter() }
            previous = value
            out += module.bytes[s.range]
            lastWasDelimiter = false
        }
        if hasContent, !lastWasDelimiter { out += newDelimiter() }
        return out
    }

    /// A delimiter section with 16 random bytes, so that parts cannot be cut and pasted between modules.
    static func newDelimiter() -> [UInt8] {
        customSection(name: Section.delimiterSectionName, data: SecureRandom.bytes(16))
    }
}
