import WSCPlatform

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The daemon's log: structured journald entries under systemd, `level: message key=value` lines on stderr
/// otherwise. Never logs key material.
struct DaemonLog: Sendable {
    enum Level: Int, Sendable, Comparable {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        init?(name: String) {
            switch name {
            case "error": self = .error
            case "warning": self = .warning
            case "notice": self = .notice
            case "info": self = .info
            case "debug": self = .debug
            default: return nil
            }
        }

        var name: String {
            switch self {
            case .error: "error"
            case .warning: "warning"
            case .notice: "notice"
            case .info: "info"
            case .debug: "debug"
            }
        }
    }

    let threshold: Level
    let journal: Bool

    init(level: String, format: String) {
        threshold = Level(name: level) ?? .info
        switch format {
        case "journal": journal = true
        case "text": journal = false
        default: journal = Journal.isConnectedToJournal
        }
    }

    func log(_ level: Level, _ message: String, _ fields: [(String, String)] = []) {
        guard level <= threshold else { return }
        if journal {
            Journal.send(priority: Int32(level.rawValue), message: message, fields: fields)
        } else {
            var line = "wscd \(level.name): \(message)"
            for (k, v) in fields { line += " \(k.lowercased())=\(v)" }
            line += "\n"
            _ = line.withCString { fputs($0, stderr) }
        }
    }

    func error(_ m: String, _ f: [(String, String)] = []) { log(.error, m, f) }
    func warning(_ m: String, _ f: [(String, String)] = []) { log(.warning, m, f) }
    func notice(_ m: String, _ f: [(String, String)] = []) { log(.notice, m, f) }
    func info(_ m: String, _ f: [(String, String)] = []) { log(.info, m, f) }
    func debug(_ m: String, _ f: [(String, String)] = []) { log(.debug, m, f) }
}
