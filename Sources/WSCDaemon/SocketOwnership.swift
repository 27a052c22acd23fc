import CWSCSys
import WSCFiles

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// One wscd per socket path: `<socket>.lock` is held while wscd runs, and a socket that still answers is never
/// replaced. Without this a second wscd silently unlinked the first one's socket and took its clients.
enum SocketOwnership {
    /// Locks `<path>.lock`, or throws naming the wscd (and its pid) that holds it.
    static func claim(_ path: String) throws -> LockFile {
        let lockPath = path + ".lock"
        switch try LockFile.acquire(lockPath, owner: "wscd") {
        case .acquired(let lock):
            // A process that predates the lock file (or ignores it) may still listen there: ask the socket.
            let probe = wsc_unix_connect(path)
            if probe >= 0 {
                close(probe)
                throw DaemonError(
                    "another process is listening on \(path): stop it, or give this wscd its own [server] socket")
            }
            return lock
        case .held(let holder):
            let who = holder.map { "\($0)" } ?? "another wscd"
            throw DaemonError(
                "\(who) already listens on \(path) (it holds \(lockPath)): stop it, or give this wscd its own [server] socket"
            )
        }
    }
}
