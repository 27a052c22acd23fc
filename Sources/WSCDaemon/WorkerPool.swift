import CWSCSys
import Dispatch
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Runs large work (big inline bodies, every module passed as a descriptor, big rotates) on threads of its own
/// at a lower CPU priority, so that it never starves the small requests the connections handle on Dispatch's
/// pool: the kernel gives a nice +10 thread about a tenth of a core's share against a nice 0 one, so a
/// 64 KiB verify runs at once even while two 1 GiB descriptors are being hashed.
///
/// Threads are started as jobs arrive, up to `maxThreads` (beyond that jobs wait their turn, oldest first), and
/// stay for the next jobs. The nice value belongs to the thread (Linux), and these threads run nothing else.
final class WorkerPool: Sendable {
    /// How much nicer than the daemon the pool's threads are (+10: about a tenth of the CPU share).
    static let niceness: Int32 = 10

    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var threads = 0
        var idle = 0
        var running = 0
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    let maxThreads: Int

    init(workers: Int) {
        // More threads than cores: a small job by descriptor need not wait for a long one to finish (the
        // per-uid limit on large verifies bounds how many long ones there are).
        maxThreads = max(4, 4 * max(1, workers))
    }

    var workerCount: Int { maxThreads }

    /// Runs `job` on a pool thread.
    func submit(_ job: @escaping @Sendable () -> Void) {
        enum Then { case wakeIdle, start, queued }
        let then = state.withLock { s -> Then in
            s.jobs.append(job)
            if s.idle > 0 {
                s.idle -= 1
                return .wakeIdle
            }
            if s.threads < maxThreads {
                s.threads += 1
                return .start
            }
            return .queued  // a busy thread takes it when its job is done
        }
        switch then {
        case .wakeIdle: wake.signal()
        case .start: startThread()
        case .queued: break
        }
    }

    /// Jobs queued or running.
    var backlog: Int { state.withLock { $0.jobs.count - $0.head + $0.running } }

    private func next() -> (@Sendable () -> Void)? {
        state.withLock { s in
            guard s.head < s.jobs.count else { return nil }
            let job = s.jobs[s.head]
            s.head += 1
            if s.head > 64, s.head * 2 > s.jobs.count {
                s.jobs.removeFirst(s.head)
                s.head = 0
            }
            s.running += 1
            return job
        }
    }

    private func run() {
        _ = wsc_lower_thread_priority(WorkerPool.niceness)
        while true {
            if let job = next() {
                job()
                state.withLock { $0.running -= 1 }
                continue
            }
            // Nothing to do: wait for a submit (it counted this thread idle, or will signal anyway).
            let counted = state.withLock { s -> Bool in
                guard s.head >= s.jobs.count else { return false }
                s.idle += 1
                return true
            }
            if counted { wake.wait() }
        }
    }

    private func startThread() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { raw in
                let pool = Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue()
                pool.run()
                return nil
            }, box)
        if created == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<WorkerPool>.fromOpaque(box).release()
            state.withLock { $0.threads -= 1 }
            // No thread could start: run the job here rather than lose it.
            if let job = next() {
                job()
                state.withLock { $0.running -= 1 }
            }
        }
    }
}
