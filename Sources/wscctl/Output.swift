// FoundationEssentials (not Foundation) keeps start-up short: Foundation alone adds ~5 ms to every run.
import FoundationEssentials

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func writeStderr(_ text: String) {
    var bytes = Array(text.utf8)
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
