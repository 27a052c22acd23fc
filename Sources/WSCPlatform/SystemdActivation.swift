internal import CSystemd

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Socket activation and the watchdog, as systemd passes them in the environment.
public enum SystemdActivation {
    /// The listening socket passed by systemd (fd 3), if the process was socket-activated with exactly one
    /// socket. Unsets LISTEN_* so children do not inherit them.
    public static func listeningSocket() -> Int32? {
        let count = sd_listen_fds(1)
        guard count >= 1 else { return nil }
        guard sd_is_socket_unix(SD_LISTEN_FDS_START, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else { return nil }
        return SD_LISTEN_FDS_START
    }

    /// The watchdog interval in microseconds, if the service manager expects pings.
    public static func watchdogMicroseconds() -> UInt64? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return usec
    }
}
