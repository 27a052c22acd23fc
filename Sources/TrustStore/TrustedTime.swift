#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A time the node can defend: never below a floor made of the build time, the persisted floor and the newest
/// authenticated time seen (a bundle's `issuedAt`). A system clock below the floor is reported unreliable and
/// the floor is used instead.
public struct TrustedTime: Sendable, Hashable {
    /// The time to use (Unix seconds).
    public let now: Int64
    /// What the system clock said.
    public let systemClock: Int64
    /// The floor in force.
    public let floor: Int64
    /// Whether the system clock was at or above the floor.
    public var clockReliable: Bool { systemClock >= floor }

    /// Combines a clock reading with a floor.
    public init(systemClock: Int64, floor: Int64) {
        self.systemClock = systemClock
        self.floor = floor
        self.now = max(systemClock, floor)
    }

    /// The earliest time this build can be running at: raise it with each release.
    public static let buildFloor: Int64 = 1_763_683_200  // 2025-11-21T00:00:00Z

    /// Reads the system clock (CLOCK_REALTIME) against `floor` (at least ``buildFloor``).
    public static func current(floor: Int64) -> TrustedTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return TrustedTime(systemClock: Int64(ts.tv_sec), floor: max(floor, buildFloor))
    }
}
