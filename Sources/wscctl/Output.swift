// FoundationEssentials (not Foundation) keeps start-up short: Foundation alone adds ~5 ms to every run.
import FoundationEssentials

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes `text` to standard error with terminal controls made visible (``terminalSafe(_:)``): error messages
/// quote what came from outside (file names, bundle fields, wscd's refusals).
func writeStderr(_ text: String) {
    var bytes = Array(terminalSafe(text).utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + done, $0.count - done) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return }
        done += n
    }
    bytes.removeAll()
}

/// `text` with every character that could drive a terminal written as an escape: C0 controls except newline and
/// tab (`\x1b`), DEL, C1 controls and the line-separator and bidirectional-override characters (`\u{202e}`). A
/// module name or a field of a bundle quoted in an error then cannot move the cursor, recolour or rewrite the
/// admin's screen, or hide part of the line.
func terminalSafe(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x0A, 0x09: out.unicodeScalars.append(scalar)
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

enum BuildInfo {
    static let version = "0.1.0"
    static var versionText: String { "wscctl \(version)" }
}

/// Prints a value as JSON with sorted keys, one document per line group.
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
}
