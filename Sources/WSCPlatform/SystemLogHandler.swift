public import Logging

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A swift-log handler for wsc's processes: structured journald entries under systemd, one
/// `NAME LEVEL: message key=value` line per entry otherwise. The level and destination come from shared
/// ``LogSettings`` (so a reload reaches every logger); a logger may still set its own level.
///
/// Metadata keys are lowercase `snake_case` in code; the journal receives them upper-cased as fields
/// (`peer_uid` → `PEER_UID`), the text form as written. Keys that cannot be journal fields are dropped there.
public struct SystemLogHandler: LogHandler {
    public let label: String
    public let settings: LogSettings
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private var ownLevel: Logger.Level?

    public init(label: String, settings: LogSettings) {
        self.label = label
        self.settings = settings
    }

    public var logLevel: Logger.Level {
        get { ownLevel ?? settings.level }
        set { ownLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let own = event.metadata { all.merge(own) { _, new in new } }
        switch settings.destination {
        case .journal:
            Journal.send(
                identifier: settings.identifier, priority: Self.priority(event.level),
                message: "\(event.message)", fields: Self.journalFields(all, label: label, event: event))
        case .text(let fd):
            var line = Self.textLine(
                identifier: settings.identifier, level: event.level, message: "\(event.message)", metadata: all)
            // Text on stderr that journald reads (format = "text" under systemd): the sd-daemon(3) priority prefix,
            // so each entry keeps its level there too.
            if settings.textReachesJournal { line = "<\(Self.priority(event.level))>" + line }
            // One write per entry: lines from concurrent threads never interleave (each is below PIPE_BUF
            // in practice, and a regular file or the journal's stream takes a whole write).
            Array(line.utf8).withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n > 0 {
                        offset += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
            }
        }
    }

    /// syslog priorities, as journald reads them.
    static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// `NAME LEVEL: message key=value ...\n`, keys in sorted order so a line reads the same every time. One entry is
    /// always one line: messages and values quote what peers, files and repositories put in them (an error
    /// quoting a field of a TUF file, a bundle's payload type), so control characters are escaped (`\n`, `\xNN`)
    /// and a value that is empty or holds a space, `=` or `"` is quoted: a forged second entry cannot be written.
    static func textLine(identifier: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String
    {
        var line = "\(identifier) \(level.rawValue): \(escaped(message))"
        for key in metadata.keys.sorted() { line += " \(escaped(key))=\(quoted("\(metadata[key]!)"))" }
        return line + "\n"
    }

    /// `text` with backslashes and control characters escaped.
    static func escaped(_ text: String) -> String {
        // C0, DEL, C1 and the Unicode line and paragraph separators: none may break a line for any reader.
        func control(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value <= 0x9F) || scalar.value == 0x2028
                || scalar.value == 0x2029
        }
        guard text.unicodeScalars.contains(where: { control($0) || $0 == "\\" }) else {
            return text
        }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x100 && control(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            case _ where control(scalar): out += "\\u" + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A metadata value: escaped, and in double quotes (inner quotes escaped) when empty or holding a space, `=`
    /// or `"`.
    static func quoted(_ value: String) -> String {
        let text = escaped(value)
        // By Unicode scalar, not Character: a quote or space followed by a combining mark is one Character.
        let special = text.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" }
        guard text.isEmpty || special else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" { out += "\\\"" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }

    /// The journal fields besides MESSAGE, PRIORITY and SYSLOG_IDENTIFIER: the metadata upper-cased, the logger's
    /// label and journald's standard source-location fields.
    static func journalFields(_ metadata: Logger.Metadata, label: String, event: LogEvent) -> [(String, String)] {
        var fields = metadata.keys.sorted().map { ($0.uppercased(), "\(metadata[$0]!)") }
        fields.append(("WSC_LOGGER", label))
        fields.append(("CODE_FILE", event.file))
        fields.append(("CODE_LINE", "\(event.line)"))
        fields.append(("CODE_FUNC", event.function))
        return fields
    }
}
