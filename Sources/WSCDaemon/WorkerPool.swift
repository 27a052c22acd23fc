import CWSCSys
import Dispatch
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Runs work that should not hold up a connection's queue on threads of its own, in two lanes:
///
/// - **low priority** (descriptors: modules of any size, up to a gibibyte, read and hashed as they are read): threads
///   at nice +10 relative to the daemon, so the kernel gives a small verify on the connection queues its core almost
///   at once even while two 1 GiB descriptors are being hashed. This work takes no lock a verify needs for longer
///   than a counter update, so its low priority cannot hold a verify up (no priority inversion).
/// - **trust installs** (bundle rotates: parsing and seal-checking a bundle of megabytes): one thread of its own at
///   nice +10, so a rotate neither slows verifies nor waits in line behind descriptor hashes (a revocation is not
///   delayed by whoever may verify). It holds only the trust store's install lock (no verify takes it) and, for a
///   pointer swap, the readers' lock; `malloc_trim`, which locks each malloc arena in turn, is handed to a thread
///   at the daemon's priority.
/// - **normal** (large inline bodies, signing-key rotates, which hold the signing lock that sign requests take,
///   the watchdog ping): threads at the daemon's priority.
///
/// Threads are started as jobs arrive, up to a bound per lane (beyond it jobs wait their turn, oldest first), and stay
/// for the next jobs. The nice value belongs to the thread (Linux), and these threads run nothing else.
///
/// A thread Linux starts inherits the nice value of the thread that starts it, and an unprivileged daemon cannot
/// raise it back. Dispatch starts its worker threads from whichever thread hands it work, so a nice +10 thread must
/// never call into Dispatch: its result goes through ``handOff(_:)``, to a thread at the daemon's priority started
/// when the pool is made, which passes it on (a review's finding; on this machine's libdispatch no worker was seen
/// inheriting +10, but nothing promises where it starts threads). Threads are named for their lane (`wscd-work`,
/// `wscd-low`, `wscd-install`, `wscd-handoff`), so `ps -L` and the tests (BoundedDaemonTests) can tell them apart.
final class WorkerPool: Sendable {
    /// How much nicer than the daemon the low-priority threads are (+10: about a tenth of the CPU share).
    static let niceness: Int32 = 10

    /// Which lane a job runs on.
    enum Priority: Sendable {
        case normal, low, trustInstall
    }

    private let normal: Lane
    private let low: Lane
    private let installs: Lane
    private let handoff: Lane

    init(workers: Int) {
        let count = max(1, workers)
        normal = Lane(maxThreads: count, niceness: 0, name: "wscd-work")
        // More threads than cores: a small module by descriptor need not wait for a gibibyte to be hashed (the
        // per-uid limit on large verifies bounds how many long ones there are).
        low = Lane(maxThreads: max(4, 4 * count), niceness: WorkerPool.niceness, name: "wscd-low")
        // One: installs are serialized by the trust store anyway.
        installs = Lane(maxThreads: 1, niceness: WorkerPool.niceness, name: "wscd-install")
        // Started now, by the thread making the pool (the daemon's priority), never later by a nice one.
        handoff = Lane(maxThreads: 1, niceness: 0, name: "wscd-handoff")
        handoff.startNow()
    }

    /// Runs `job` on the hand-off thread, at the daemon's priority: how a job of the low or install lane passes its
    /// result to Dispatch (see the type's comment).
    func handOff(_ job: @escaping @Sendable () -> Void) {
        handoff.submit(job)
    }

    var workerCount: Int { normal.maxThreads }

    /// Runs `job` on a thread of the lane for `priority`.
    func submit(_ priority: Priority = .normal, _ job: @escaping @Sendable () -> Void) {
        switch priority {
        case .normal: normal.submit(job)
        case .low: low.submit(job)
        case .trustInstall: installs.submit(job)
        }
    }

    /// Jobs queued or running.
    var backlog: Int { normal.backlog + low.backlog + installs.backlog }
}

/// One lane of the pool: threads at one priority, a queue of jobs.
private final class Lane: Sendable {
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
    let niceness: Int32
    let name: String

    init(maxThreads: Int, niceness: Int32, name: String) {
        self.maxThreads = maxThreads
        self.niceness = niceness
        self.name = name
    }

    /// Starts all of the lane's threads now, from the calling thread (they wait idle for jobs).
    func startNow() {
        let count = state.withLock { s -> Int in
            let missing = maxThreads - s.threads
            s.threads = maxThreads
            return missing
        }
        for _ in 0..<count { startThread() }
    }

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
        wsc_set_thread_name(name)
        if niceness > 0 { _ = wsc_lower_thread_priority(niceness) }
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
                let lane = Unmanaged<Lane>.fromOpaque(raw!).takeRetainedValue()
                lane.run()
                return nil
            }, box)
        if created == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Lane>.fromOpaque(box).release()
            state.withLock { $0.threads -= 1 }
            // No thread could start: run the job here rather than lose it.
            if let job = next() {
                job()
                state.withLock { $0.running -= 1 }
            }
        }
    }
}
