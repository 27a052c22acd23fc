internal import CSystemd

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// journald's native protocol: structured entries with fields (sd_journal_sendv).
public enum Journal {
    /// Whether stderr is connected to the journal (systemd sets JOURNAL_STREAM for services).
    public static var isConnectedToJournal: Bool { getenv("JOURNAL_STREAM") != nil }

    /// Sends one entry. `fields` names must be uppercase ASCII letters, digits and underscores; others are skipped.
    public static func send(identifier: String = "wscd", priority: Int32, message: String, fields: [(String, String)]) {
        var entries = ["MESSAGE=\(message)", "PRIORITY=\(priority)", "SYSLOG_IDENTIFIER=\(identifier)"]
        for (name, value) in fields where isValidFieldName(name) { entries.append("\(name)=\(value)") }
        var storage: [UInt8] = []
        var ranges: [Range<Int>] = []
        for entry in entries {
            let begin = storage.count
            storage += entry.utf8
            ranges.append(begin..<storage.count)
        }
        // The iovecs point into `storage` only inside this scope.
        storage.withUnsafeMutableBytes { raw in
            var vectors = ranges.map { iovec(iov_base: raw.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            _ = vectors.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }

    static func isValidFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.first != "_"
            && name.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }
}
