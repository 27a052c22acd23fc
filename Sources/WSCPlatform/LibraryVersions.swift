internal import CCurl
internal import CSystemd

/// Versions of the C libraries this build links, for `--version` output and bug reports.
public enum LibraryVersions {
    /// libcurl's version string, e.g. `7.88.1`.
    public static var curl: String {
        guard let info = wsc_curl_version_info(), let version = info.pointee.version else { return "unknown" }
        return String(cString: version)
    }

    /// Whether the process runs under systemd with a notification socket (`NOTIFY_SOCKET` set).
    public static var underSystemdNotify: Bool {
        // sd_notify returns 0 when there is no socket to notify; "" sends nothing.
        sd_notify(0, "") > 0
    }
}
