// FoundationEssentials (not Foundation) keeps start-up short: Foundation alone adds ~5 ms to every run.
import FoundationEssentials
import WasmSignatures

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes `text` to standard error with terminal controls made visible (`TerminalText.escapeControls`): error
/// messages quote what came from outside (file names, bundle fields, wscd's refusals).
func writeStderr(_ text: String) {
    var bytes = Array(TerminalText.escapeControls(text).utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + done, $0.count - done) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return }
        done += n
    }
    bytes.removeAll()
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
