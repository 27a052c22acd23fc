import Dispatch
import Synchronization

/// Runs verification and signing work on a fixed number of serial queues (one per core by default), so at most
/// that many run at once whatever the number of connections; each job goes to the least busy queue.
final class WorkerPool: Sendable {
    private let queues: [DispatchQueue]
    private let pending: Mutex<[Int]>

    init(workers: Int) {
        let count = max(1, workers)
        queues = (0..<count).map { DispatchQueue(label: "wscd.worker.\($0)", qos: .userInitiated) }
        pending = Mutex([Int](repeating: 0, count: count))
    }

    var workerCount: Int { queues.count }

    /// Runs `job` on the least busy worker.
    func submit(_ job: @escaping @Sendable () -> Void) {
        let index = pending.withLock { counts in
            let i = counts.indices.min { counts[$0] < counts[$1] }!
            counts[i] += 1
            return i
        }
        queues[index].async {
            job()
            self.pending.withLock { $0[index] -= 1 }
        }
    }

    /// Jobs queued or running.
    var backlog: Int { pending.withLock { $0.reduce(0, +) } }
}
