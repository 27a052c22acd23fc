/// One section of a module: where it is in the module's bytes, its id, and the name of a custom section.
public struct Section: Sendable, Hashable {
    /// The section id (0 = custom).
    public let id: UInt8
    /// The whole section (id, size, payload) in the module's bytes.
    public let range: Range<Int>
    /// The payload (after the size; for custom sections this includes the name).
    public let payloadRange: Range<Int>
    /// The name of a custom section; `nil` for other sections.
    public let customName: String?
    /// Where the custom section's data starts (after its name); equals `payloadRange` start for others.
    public let dataStart: Int

    /// The name of the custom section that carries signature data.
    public static let signatureSectionName = "signature"
    /// The name of the custom section that marks the end of a part.
    public static let delimiterSectionName = "signature_delimiter"

    /// Whether this is the custom section `signature`.
    public var isSignatureSection: Bool { id == 0 && customName == Section.signatureSectionName }
    /// Whether this is a `signature_delimiter` custom section.
    public var isDelimiter: Bool { id == 0 && customName == Section.delimiterSectionName }
    /// Whether this is a custom section.
    public var isCustom: Bool { id == 0 }

    /// A short human name: the standard section name, or `custom "NAME"` with the name escaped for a terminal.
    public var displayName: String {
        if let customName { return "custom \"\(TerminalText.escape(customName))\"" }
        switch id {
        case 1: return "type"
        case 2: return "import"
        case 3: return "function"
        case 4: return "table"
        case 5: return "memory"
        case 6: return "global"
        case 7: return "export"
        case 8: return "start"
        case 9: return "element"
        case 10: return "code"
        case 11: return "data"
        case 12: return "datacount"
        case 13: return "tag"
        default: return "section id \(id)"
        }
    }
}

/// Escaping of untrusted text before it reaches a terminal.
public enum TerminalText {
    /// Escapes control characters (C0, DEL, C1), backslashes and quotes as `\xNN` / `\u{N}` so a section
    /// name cannot move the cursor, change colours or forge output lines.
    public static func escape(_ text: String) -> String { escape(text, quoting: true) }

    /// Escapes only what could drive a terminal: C0 controls except newline and tab, DEL, C1 controls, and the
    /// line-separator and bidirectional-override characters. Quotes and backslashes stay as they are, for
    /// messages that quote outside text.
    public static func escapeControls(_ text: String) -> String { escape(text, quoting: false) }

    private static func escape(_ text: String, quoting: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x5C where quoting: out += "\\\\"
            case 0x22 where quoting: out += "\\\""
            case 0x0A where !quoting, 0x09 where !quoting: out.unicodeScalars.append(scalar)
            case 0..<0x20, 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            case 0x80..<0xA0, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
