internal import CSystemd

/// The sd_notify protocol: tells the service manager about readiness, status and liveness.
/// Does nothing (and reports `false`) when not started by systemd.
public enum SystemdNotifier {
    /// Sends one or more `KEY=value` lines; returns whether a service manager received them.
    @discardableResult
    public static func notify(_ assignments: [String: String]) -> Bool {
        let text = assignments.keys.sorted().map { "\($0)=\(assignments[$0]!)" }.joined(separator: "\n")
        return sd_notify(0, text) > 0
    }
}
