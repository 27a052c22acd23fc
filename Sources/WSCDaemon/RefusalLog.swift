/// Refused connections are logged at most once per interval per peer uid, with the count of those not logged:
/// a peer that connects in a loop must not be able to flood the log. Confined to the server's queue.
struct RefusalLog {
    private struct Entry {
        var lastLogged: UInt64
        var suppressed: Int
        var lastReason: String
    }

    private var entries: [UInt32: Entry] = [:]

    /// Records a refusal. Returns `nil` when it is not to be logged now, else how many refusals of this uid were
    /// not logged since its last line.
    mutating func refused(uid: UInt32, reason: String, now: UInt64, interval: UInt64) -> Int? {
        if var entry = entries[uid], now < entry.lastLogged + interval {
            entry.suppressed += 1
            entry.lastReason = reason
            entries[uid] = entry
            return nil
        }
        let suppressed = entries[uid]?.suppressed ?? 0
        entries[uid] = Entry(lastLogged: now, suppressed: 0, lastReason: reason)
        return suppressed
    }

    /// The uids whose interval has passed with refusals not logged: their count and last reason, reported once.
    /// Uids quiet for a whole interval are forgotten, so the table holds only recent refusers.
    mutating func due(now: UInt64, interval: UInt64) -> [(uid: UInt32, count: Int, reason: String)] {
        var due: [(uid: UInt32, count: Int, reason: String)] = []
        for (uid, entry) in entries where now >= entry.lastLogged + interval {
            if entry.suppressed > 0 {
                due.append((uid, entry.suppressed, entry.lastReason))
                entries[uid] = Entry(lastLogged: now, suppressed: 0, lastReason: entry.lastReason)
            } else {
                entries[uid] = nil
            }
        }
        return due.sorted { $0.uid < $1.uid }
    }
}
