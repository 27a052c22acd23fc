import CWSCSys
import WSCJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A time the node can defend: the greatest of the system clock (when plausible), the persisted floor (the build
/// time, the `issuedAt` of every bundle that passed the seal check) and the newest authenticated time seen since
/// (verified transparency-log integration times). A system clock below that floor is implausible: the floor is
/// used instead, and every verdict made on it says so.
public struct TrustedTime: Sendable, Hashable {
    /// The time to use (Unix seconds).
    public let now: Int64
    /// What the system clock said.
    public let systemClock: Int64
    /// The floor in force: the newest signed evidence of the time.
    public let floor: Int64
    /// Whether the system clock is synchronized, as systemd-timesyncd or the kernel's NTP state tell; `nil` when
    /// neither can say.
    public let clockSynchronized: Bool?
    /// Whether the system clock was at or above the floor.
    public var clockReliable: Bool { systemClock >= floor }
    /// Whether ``now`` comes from signed evidence (the floor) rather than the system clock.
    public var onEvidenceTime: Bool { !clockReliable }

    /// Combines a clock reading with a floor.
    public init(systemClock: Int64, floor: Int64, clockSynchronized: Bool? = nil) {
        self.systemClock = systemClock
        self.floor = floor
        self.clockSynchronized = clockSynchronized
        self.now = max(systemClock, floor)
    }

    /// The same clock reading with the floor raised to `evidence`: a time signed by a key the node trusts
    /// (a sealed bundle's `issuedAt`, a verified log integration time). Only ever call it with verified evidence.
    public func raised(to evidence: Int64) -> TrustedTime {
        TrustedTime(systemClock: systemClock, floor: max(floor, evidence), clockSynchronized: clockSynchronized)
    }

    /// The warning every verdict made on evidence time carries, or nil when the system clock is in use.
    public var evidenceWarning: String? {
        guard onEvidenceTime else { return nil }
        let sync: String
        switch clockSynchronized {
        case .some(true): sync = "reported synchronized, yet behind signed evidence"
        case .some(false): sync = "not synchronized"
        case .none: sync = "of unknown synchronization"
        }
        return
            "clock: the verdict was made on evidence time \(RFC3339.format(now)) (the newest signed time seen: a sealed bundle's issue time, a verified log or timestamp time), not on the system clock, which reads \(RFC3339.format(systemClock)) and is \(sync); set the clock (systemd-timesyncd) to check expiry against the real time"
    }

    /// A short description of the time source, for status output.
    public var sourceDescription: String {
        let sync: String
        switch clockSynchronized {
        case .some(true): sync = "synchronized"
        case .some(false): sync = "not synchronized"
        case .none: sync = "synchronization unknown"
        }
        return clockReliable ? "system clock, \(sync)" : "EVIDENCE time: the system clock is below the floor (\(sync))"
    }

    /// The earliest time this build can be running at: raise it with each release.
    public static let buildFloor: Int64 = 1_763_683_200  // 2025-11-21T00:00:00Z

    /// Reads the system clock (CLOCK_REALTIME) and its health against `floor` (at least ``buildFloor``).
    public static func current(floor: Int64) -> TrustedTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return TrustedTime(
            systemClock: Int64(ts.tv_sec), floor: max(floor, buildFloor), clockSynchronized: ClockHealth.synchronized())
    }
}

/// Whether the system clock is synchronized: systemd-timesyncd's flag file where timesyncd runs, else the kernel's
/// NTP state (adjtimex's STA_UNSYNC, which any NTP daemon such as chrony clears). Under a seccomp filter (wscd's
/// unit) adjtimex is not called: it is outside systemd's @system-service set and would kill the process.
public enum ClockHealth {
    /// The flag file systemd-timesyncd creates once it has synchronized the clock.
    public static let timesyncFlag = "/run/systemd/timesync/synchronized"
    /// systemd-timesyncd's runtime directory: present while it runs (or ran since boot).
    public static let timesyncDirectory = "/run/systemd/timesync"

    /// `true` synchronized, `false` not, `nil` unknown.
    public static func synchronized() -> Bool? {
        if access(timesyncFlag, F_OK) == 0 { return true }
        if access(timesyncDirectory, F_OK) == 0 { return false }
        switch wsc_clock_synchronized() {
        case 1: return true
        case 0: return false
        default: return nil
        }
    }
}
