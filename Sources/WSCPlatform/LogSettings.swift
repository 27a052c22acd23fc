public import Logging
import Synchronization

/// Where and how much a process logs, shared by every ``SystemLogHandler`` made from it: a reload that changes
/// the level or the destination reaches every logger at once (the daemon's, the trust store's, TUF's).
public final class LogSettings: Sendable {
    /// Where entries go.
    public enum Destination: Sendable, Equatable {
        /// journald's native protocol (structured fields).
        case journal
        /// `NAME LEVEL: message key=value` lines on a file descriptor (stderr unless a test passes another).
        case text(fileDescriptor: Int32)
    }

    /// Read on every log call, from every thread: atomics, not a lock. The level is its syslog-like rank
    /// (``index(_:)``); the destination is -1 for the journal, otherwise the text descriptor.
    private let levelIndex: Atomic<Int>
    private let destinationCode: Atomic<Int64>
    /// The name written as SYSLOG_IDENTIFIER and at the start of each text line.
    public let identifier: String
    /// Whether text lines go to a stream journald reads (stderr under systemd), which then takes each line's level
    /// from an sd-daemon(3) `<N>` prefix.
    public let textReachesJournal: Bool

    /// `level` and `format` as in wscd.toml's `[log]` (`error`, `warning`, `notice`, `info`, `debug`;
    /// `journal`, `text` or `auto`: the journal when stderr is connected to it).
    public init(
        identifier: String, level: String, format: String, textFileDescriptor: Int32 = 2,
        textReachesJournal: Bool = Journal.isConnectedToJournal
    ) {
        self.identifier = identifier
        self.textReachesJournal = textReachesJournal
        levelIndex = Atomic(Self.index(Self.level(named: level) ?? .info))
        destinationCode = Atomic(
            Self.code(Self.destination(format: format, textFileDescriptor: textFileDescriptor)))
    }

    /// The running threshold.
    public var level: Logger.Level { Self.level(rank: levelIndex.load(ordering: .relaxed)) }
    /// The running destination.
    public var destination: Destination {
        let code = destinationCode.load(ordering: .relaxed)
        return code < 0 ? .journal : .text(fileDescriptor: Int32(code))
    }

    /// Applies a reloaded `[log]` section to every logger made from these settings.
    public func update(level: String, format: String) {
        let fd: Int32 = if case .text(let fd) = destination { fd } else { 2 }
        levelIndex.store(Self.index(Self.level(named: level) ?? .info), ordering: .relaxed)
        destinationCode.store(
            Self.code(Self.destination(format: format, textFileDescriptor: fd)), ordering: .relaxed)
    }

    private static func index(_ level: Logger.Level) -> Int {
        switch level {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .notice: 3
        case .warning: 4
        case .error: 5
        case .critical: 6
        }
    }

    private static func level(rank: Int) -> Logger.Level {
        switch rank {
        case 0: .trace
        case 1: .debug
        case 2: .info
        case 3: .notice
        case 4: .warning
        case 5: .error
        default: .critical
        }
    }

    private static func code(_ destination: Destination) -> Int64 {
        switch destination {
        case .journal: -1
        case .text(let fd): Int64(fd)
        }
    }

    /// A logger writing through these settings, labelled `label` (journald field `WSC_LOGGER`).
    public func logger(label: String) -> Logger {
        Logger(label: label) { [self] label in SystemLogHandler(label: label, settings: self) }
    }

    /// The level a `[log] level` name means; nil for a name wscd.toml does not accept.
    public static func level(named name: String) -> Logger.Level? {
        switch name {
        case "error": .error
        case "warning": .warning
        case "notice": .notice
        case "info": .info
        case "debug": .debug
        default: nil
        }
    }

    static func destination(format: String, textFileDescriptor: Int32) -> Destination {
        switch format {
        case "journal": .journal
        case "text": .text(fileDescriptor: textFileDescriptor)
        default: Journal.isConnectedToJournal ? .journal : .text(fileDescriptor: textFileDescriptor)
        }
    }
}
