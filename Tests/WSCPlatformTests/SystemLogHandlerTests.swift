import Foundation
import Logging
import Synchronization
import Testing

@testable import WSCPlatform

/// wsc's swift-log handler: the text form, the journal fields, shared levels, lazy messages.
@Suite struct SystemLogHandlerTests {
    /// A pipe whose write end the handler writes to; `read()` returns what arrived.
    final class Pipe {
        let read: Int32
        let write: Int32
        init() throws {
            var fds: [Int32] = [0, 0]
            try #require(pipe(&fds) == 0)
            read = fds[0]
            write = fds[1]
            _ = fcntl(read, F_SETFL, O_NONBLOCK)
        }
        deinit {
            close(read)
            close(write)
        }
        func text() -> String {
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { Foundation.read(read, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                out += buffer[..<n]
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    @Test func textLinesCarryLevelMessageAndSortedMetadata() throws {
        let pipe = try Pipe()
        let settings = LogSettings(
            identifier: "wscd", level: "info", format: "text", textFileDescriptor: pipe.write, textReachesJournal: false
        )
        let log = settings.logger(label: "wscd")
        log.warning("connection refused", metadata: ["peer_uid": "65534", "code": "notAuthorized"])
        log.info("ready")
        log.debug("not shown")
        #expect(pipe.text() == "wscd warning: connection refused code=notAuthorized peer_uid=65534\nwscd info: ready\n")
    }

    /// `format = "text"` under systemd: each line starts with its syslog priority, as sd-daemon(3) defines, so
    /// journald stores the right level.
    @Test func textForTheJournalStreamCarriesThePriorityPrefix() throws {
        let pipe = try Pipe()
        let settings = LogSettings(
            identifier: "wscd", level: "debug", format: "text", textFileDescriptor: pipe.write, textReachesJournal: true
        )
        let log = settings.logger(label: "wscd")
        log.error("e")
        log.notice("n")
        log.debug("d")
        #expect(pipe.text() == "<3>wscd error: e\n<5>wscd notice: n\n<7>wscd debug: d\n")
    }

    @Test func reloadedSettingsReachLoggersMadeBefore() throws {
        let pipe = try Pipe()
        let settings = LogSettings(
            identifier: "wscd", level: "warning", format: "text", textFileDescriptor: pipe.write,
            textReachesJournal: false)
        let trust = settings.logger(label: "wscd.trust")
        trust.info("before")
        settings.update(level: "debug", format: "text")
        trust.debug("after")
        #expect(pipe.text() == "wscd debug: after\n")
        #expect(settings.level == .debug)
        settings.update(level: "error", format: "journal")
        #expect(settings.destination == .journal)
        // A logger's own level wins over the shared one.
        var own = settings.logger(label: "x")
        own.logLevel = .trace
        #expect(own.logLevel == .trace)
        #expect(settings.logger(label: "y").logLevel == .error)
    }

    @Test func messagesBelowTheLevelAreNeverBuilt() throws {
        let pipe = try Pipe()
        let settings = LogSettings(
            identifier: "wscd", level: "notice", format: "text", textFileDescriptor: pipe.write,
            textReachesJournal: false)
        let log = settings.logger(label: "wscd")
        let built = Mutex(0)
        func expensive() -> String {
            built.withLock { $0 += 1 }
            return "expensive"
        }
        log.debug("\(expensive())", metadata: ["field": "\(expensive())"])
        log.info("\(expensive())")
        #expect(built.withLock { $0 } == 0)
        log.notice("\(expensive())")
        #expect(built.withLock { $0 } == 1)
        #expect(pipe.text() == "wscd notice: expensive\n")
    }

    /// A peer-controlled string cannot forge a second entry: control characters are escaped (a TUF file's `_type`
    /// or a bundle's payload type reach messages through error texts). Within a line the message is free text: a
    /// reader that needs fields unambiguously reads them from the journal, where each is its own field.
    @Test(arguments: [
        (
            "trust refresh failed: _type \"x\n<0>wscd notice: forged\"",
            "trust refresh failed: _type \"x\\n<0>wscd notice: forged\""
        ),
        ("a\rb\tc\u{1B}[31m\u{7F}", "a\\rb\\tc\\x1b[31m\\x7f"),
        ("C:\\path", "C:\\\\path"),
        ("plain text, unchanged", "plain text, unchanged"),
    ])
    func messagesAreEscapedToOneLine(_ message: String, _ expected: String) throws {
        let line = SystemLogHandler.textLine(identifier: "wscd", level: .warning, message: message, metadata: [:])
        #expect(line == "wscd warning: \(expected)\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test(arguments: [
        ("1000", "1000"), ("a b", "\"a b\""), ("k=v", "\"k=v\""), ("say \"hi\"", "\"say \\\"hi\\\"\""), ("", "\"\""),
        ("x\ny=1", "\"x\\ny=1\""),
        // A quote or space followed by a combining mark is one Character but still a quote or a space.
        ("\"\u{200D} evil=1 x", "\"\\\"\u{200D} evil=1 x\""), ("a\u{2028}b\u{85}", "a\\u2028b\\x85"),
    ])
    func metadataValuesAreQuotedWhenTheyCouldFakeAField(_ value: String, _ expected: String) throws {
        let line = SystemLogHandler.textLine(
            identifier: "wscd", level: .info, message: "m", metadata: ["field": .string(value)])
        #expect(line == "wscd info: m field=\(expected)\n")
    }

    @Test func journalFieldsAreUpperCasedWithSourceLocation() {
        let event = LogEvent(
            level: .notice, message: "m", metadata: nil, source: "WSCDaemon", file: "Server.swift",
            function: "start()", line: 42)
        let fields = SystemLogHandler.journalFields(
            ["peer_uid": "0", "bundle_version": "3"], label: "wscd", event: event)
        #expect(fields.map(\.0) == ["BUNDLE_VERSION", "PEER_UID", "WSC_LOGGER", "CODE_FILE", "CODE_LINE", "CODE_FUNC"])
        #expect(fields.allSatisfy { Journal.isValidFieldName($0.0) })
        #expect(fields.first { $0.0 == "CODE_LINE" }?.1 == "42")
        #expect(SystemLogHandler.priority(.notice) == 5)
        #expect(SystemLogHandler.priority(.error) == 3)
        #expect(SystemLogHandler.priority(.debug) == 7)
    }

    @Test(arguments: ["error", "warning", "notice", "info", "debug"])
    func everyConfiguredLevelNameIsKnown(_ name: String) {
        #expect(LogSettings.level(named: name)?.rawValue == name)
        // Stored and read back through the settings' atomic, at start and on reload.
        #expect(LogSettings(identifier: "wscd", level: name, format: "text").level.rawValue == name)
        let settings = LogSettings(identifier: "wscd", level: "info", format: "journal")
        settings.update(level: name, format: "text")
        #expect(settings.level.rawValue == name)
        #expect(settings.destination == .text(fileDescriptor: 2))
    }

    @Test func anUnknownLevelNameFallsBackToInfo() {
        #expect(LogSettings.level(named: "verbose") == nil)
        #expect(LogSettings(identifier: "wscd", level: "verbose", format: "text").level == .info)
    }
}
