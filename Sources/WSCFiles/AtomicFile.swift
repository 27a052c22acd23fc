#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Durable file writes: a temporary file in the same directory, fsync, rename, fsync of the directory. A crash
/// at any instant leaves the previous file or the new one, never a mix. Reads are bounded. Every failure is a
/// ``FileError`` whose reason names the file.
public enum AtomicFile {
    /// Writes `bytes` to `path` with permission `mode` (set exactly, whatever the umask).
    public static func write(_ path: String, _ bytes: UnsafeRawBufferPointer, mode: mode_t) throws {
        let directory = parentDirectory(of: path)
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw FileError.io("cannot create \(temporary)") }
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            guard fchmod(fd, mode) == 0 else { throw FileError.io("cannot set the mode of \(temporary)") }
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw FileError.io("cannot write \(path)") }
                done += n
            }
            guard fsync(fd) == 0 else { throw FileError.io("cannot flush \(path) to disk") }
        }
        guard rename(temporary, path) == 0 else { throw FileError.io("cannot rename \(temporary) onto \(path)") }
        renamed = true
        try syncDirectory(directory)
    }

    /// Writes `bytes` to `path` with permission `mode`.
    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        try bytes.withUnsafeBytes { try write(path, $0, mode: mode) }
    }

    /// Makes a rename or unlink in `directory` durable.
    public static func syncDirectory(_ directory: String) throws {
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw FileError.io("cannot open directory \(directory)") }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw FileError.io("cannot flush directory \(directory)") }
    }

    /// Reads a whole regular file of at most `limit` bytes; `nil` if it does not exist. A symbolic link, FIFO,
    /// directory or device is refused without blocking: the open is non-blocking and the type is checked on the
    /// descriptor (a FIFO planted as a state file must not hang its reader).
    public static func read(_ path: String, limit: Int) throws -> [UInt8]? {
        try read(path, limit: limit, secret: false)
    }

    /// Like ``read(_:limit:)`` for a secret (a seal key, a signing key): also refuses a file whose mode allows
    /// anything beyond read and write by its owner, with the `chmod` to run.
    public static func readSecret(_ path: String, limit: Int) throws -> [UInt8]? {
        try read(path, limit: limit, secret: true)
    }

    private static func read(_ path: String, limit: Int, secret: Bool) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        if fd < 0, errno == ENOENT { return nil }
        if fd < 0, errno == ELOOP {
            throw FileError(.notRegularFile, "\(path) is a symbolic link; give the file itself")
        }
        guard fd >= 0 else { throw FileError.io("cannot open \(path)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError.io("cannot stat \(path)") }
        try FileType.requireRegular(st, path)
        if secret { try FileType.requireOwnerOnly(st, path) }
        guard Int(st.st_size) <= limit else {
            throw FileError(.tooLarge, "\(path) is \(st.st_size) bytes, above the limit of \(limit)")
        }
        var out = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw FileError.io("cannot read \(path)") }
            if n == 0 { break }
            done += n
        }
        if done < out.count { out.removeSubrange(done...) }
        return out
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }
}
