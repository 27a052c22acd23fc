import WSCPlatform

/// The STATUS= line systemd shows: what trust the daemon holds.
enum SystemdStatus {
    static func text(_ core: DaemonCore) -> String {
        guard let active = core.trust.active else {
            return "no trust bundle installed; waiting for wscctl rotate --bundle"
        }
        let validity = active.bundle.validity(at: core.trust.trustedTime().now)
        return "trust bundle v\(active.version), \(active.bundle.publishers.count) publishers, \(validity.summary)"
    }

    static func update(_ core: DaemonCore) {
        SystemdNotifier.notify(["STATUS": text(core)])
    }
}
