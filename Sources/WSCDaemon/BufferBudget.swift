import Synchronization
import WSCConfiguration

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The bytes all connections together may hold in frames being received and requests not yet answered, beyond
/// each connection's free allowance (``Connection/freeAllowance``: headers and small requests never wait).
/// A frame that does not fit waits, with its connection's reading paused, until answers or closed connections
/// give bytes back: peers sending large frames slowly cannot take the daemon's memory.
final class BufferBudget: Sendable {
    private struct State {
        var limit: Int
        var used = 0
        var waiters: [Connection] = []
    }

    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(limit: limit)) }

    /// `[server] max_buffered_bytes`, or when 0, 1/16 of physical memory and at least one frame of the largest size.
    static func limit(_ config: DaemonConfiguration) -> Int {
        if config.server.maxBufferedBytes > 0 { return config.server.maxBufferedBytes }
        let memory = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        return max(config.server.maxFrameBytes, memory / 16)
    }

    /// Takes `bytes` if they fit; otherwise `waiter` is told (``Connection/budgetFreed()``) on the next release.
    func reserve(_ bytes: Int, orNotify waiter: Connection) -> Bool {
        state.withLock {
            if $0.used + bytes <= $0.limit {
                $0.used += bytes
                return true
            }
            $0.waiters.append(waiter)
            return false
        }
    }

    /// Gives `bytes` back and wakes every waiter to try again.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let woken = state.withLock { state -> [Connection] in
            state.used -= bytes
            let waiters = state.waiters
            state.waiters.removeAll()
            return waiters
        }
        for connection in woken { connection.budgetFreed() }
    }

    /// Bytes taken, the limit, and how many connections wait for room (for `status`).
    var usage: (used: Int, limit: Int, waiting: Int) { state.withLock { ($0.used, $0.limit, $0.waiters.count) } }

    /// A reload changed the limit; waiters try again under it.
    func setLimit(_ limit: Int) {
        let woken = state.withLock { state -> [Connection] in
            state.limit = limit
            let waiters = state.waiters
            state.waiters.removeAll()
            return waiters
        }
        for connection in woken { connection.budgetFreed() }
    }
}
