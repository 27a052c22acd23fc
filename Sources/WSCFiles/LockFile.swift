#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive, non-blocking `flock` on a file, held until the value is released or the process ends (the
/// kernel drops it with the last descriptor, so a killed holder never leaves a stale lock). The holder writes
/// `NAME PID` into the file so that whoever is refused can say who holds it.
public final class LockFile: Sendable {
    /// Who holds a lock, as recorded in the lock file.
    public struct Holder: Sendable, Hashable, CustomStringConvertible {
        /// The holder's program name (`wscd`, `wscctl`).
        public let name: String
        /// Its process id.
        public let pid: Int32

        public var description: String { "\(name) (pid \(pid))" }
    }

    /// The result of ``acquire(_:owner:)``.
    public enum Acquisition: Sendable {
        case acquired(LockFile)
        /// Another open file description holds the lock; `nil` when it has not recorded itself yet.
        case held(by: Holder?)
    }

    /// The lock file.
    public let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Creates `path` (mode 0600) if needed and tries to lock it without waiting for another process.
    ///
    /// When the recorded holder is this very process, the lock is retried for up to a second: a child being
    /// spawned by another thread shares the holder's open file description between fork and exec (close-on-exec
    /// closes it only at exec), so a lock this process just released can look held for that moment.
    ///
    /// - Throws: ``FileError`` when the file cannot be opened or is not a regular file.
    public static func acquire(_ path: String, owner: String) throws -> Acquisition {
        var result = try attempt(path, owner: owner)
        var tries = 0
        while case .held(let holder) = result, holder?.pid == getpid(), tries < 200 {
            tries += 1
            usleep(5_000)
            result = try attempt(path, owner: owner)
        }
        return result
    }

    private static func attempt(_ path: String, owner: String) throws -> Acquisition {
        // Non-blocking and no symlinks: a FIFO or a link planted as the lock file is refused, never waited on.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0o600)
        if fd < 0, errno == ELOOP {
            throw FileError(.notRegularFile, "\(path) is a symbolic link; remove it")
        }
        guard fd >= 0 else { throw FileError.io("cannot open the lock file \(path)") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = FileError.io("cannot stat \(path)")
            close(fd)
            throw error
        }
        do {
            try FileType.requireRegular(st, path)
        } catch {
            close(fd)
            throw error
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            defer { close(fd) }
            guard code == EWOULDBLOCK || code == EINTR else {
                errno = code
                throw FileError.io("cannot lock \(path)")
            }
            return .held(by: holder(fd))
        }
        let record = Array("\(owner) \(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0, pwrite(fd, record, record.count, 0) == record.count else {
            let error = FileError.io("cannot record this process in the lock file \(path)")
            close(fd)
            throw error
        }
        return .acquired(LockFile(path: path, fd: fd))
    }

    /// The `NAME PID` line a holder wrote, if it parses.
    private static func holder(_ fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let line = String(decoding: buffer[..<n], as: UTF8.self).split(separator: "\n").first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count == 2, let pid = Int32(parts[1]), pid > 0 else { return nil }
        return Holder(name: String(parts[0]), pid: pid)
    }
}
