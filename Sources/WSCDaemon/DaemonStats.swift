import Synchronization

/// Counters and latency percentiles for `status`. Shared by all connections; updates take a short lock.
final class DaemonStats: Sendable {
    struct Snapshot: Sendable {
        var connectionsOpen = 0
        var connectionsTotal = 0
        var requests: [String: Int] = [:]
        var verdicts: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var hashing: [String: Int] = [:]  // how verifies hashed their module: while it arrived, or after
        var latencies: [Double] = []  // ring of recent verify latencies, microseconds
        var latencyCursor = 0
    }

    private let state = Mutex(Snapshot())
    static let latencyWindow = 4096

    func connectionOpened() {
        state.withLock {
            $0.connectionsOpen += 1; $0.connectionsTotal += 1
        }
    }
    func connectionClosed() { state.withLock { $0.connectionsOpen -= 1 } }
    func request(_ op: String) { state.withLock { $0.requests[op, default: 0] += 1 } }
    func verdict(_ kind: String) { state.withLock { $0.verdicts[kind, default: 0] += 1 } }
    func error(_ code: String) { state.withLock { $0.errors[code, default: 0] += 1 } }
    func hashing(_ how: String) { state.withLock { $0.hashing[how, default: 0] += 1 } }

    func latency(microseconds: Double) {
        state.withLock { s in
            if s.latencies.count < DaemonStats.latencyWindow {
                s.latencies.append(microseconds)
            } else {
                s.latencies[s.latencyCursor] = microseconds
                s.latencyCursor = (s.latencyCursor + 1) % DaemonStats.latencyWindow
            }
        }
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    /// p50, p90, p99 of the recent verify latencies, in microseconds.
    func percentiles() -> (p50: Double, p90: Double, p99: Double)? {
        let sorted = state.withLock { $0.latencies }.sorted()
        guard !sorted.isEmpty else { return nil }
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        return (at(0.5), at(0.9), at(0.99))
    }
}
