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

    private struct State: Sendable {
        var level: Logger.Level
        var destination: Destination
    }

    private let state: Mutex<State>
    /// The name written as SYSLOG_IDENTIFIER and at the start of each text line.
    public let identifier: String

    /// `level` and `format` as in wscd.toml's `[log]` (`error`, `warning`, `notice`, `info`, `debug`;
    /// `journal`, `text` or `auto`: the journal when stderr is connected to it).
    public init(identifier: String, level: String, format: String, textFileDescriptor: Int32 = 2) {
        self.identifier = identifier
        state = Mutex(
            State(
                level: Self.level(named: level) ?? .info,
                destination: Self.destination(format: format, textFileDescriptor: textFileDescriptor)))
    }

    /// The running threshold.
    public var level: Logger.Level { state.withLock { $0.level } }
    /// The running destination.
    public var destination: Destination { state.withLock { $0.destination } }

    /// Applies a reloaded `[log]` section to every logger made from these settings.
    public func update(level: String, format: String) {
        let newLevel = Self.level(named: level) ?? .info
        state.withLock {
            let fd: Int32 =
                if case .text(let fd) = $0.destination { fd } else { 2 }
            $0.level = newLevel
            $0.destination = Self.destination(format: format, textFileDescriptor: fd)
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
