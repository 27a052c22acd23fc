#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small POSIX file helpers: bounded reads, atomic writes with explicit modes.
enum FileIO {
    /// Reads a whole regular file, refusing directories and files above `limit` before allocating.
    static func read(_ path: String, what: String, limit: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError.usage("cannot open \(what) \(path): \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CLIError.usage("cannot stat \(what) \(path): \(errnoText())") }
        if st.st_mode & S_IFMT == S_IFDIR { throw CLIError.usage("\(what) \(path) is a directory, expected a file") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw CLIError.usage("\(what) \(path) is not a regular file") }
        let size = Int(st.st_size)
        guard size <= limit else {
            throw CLIError.usage("\(what) \(path) is \(size) bytes, above the limit of \(limit) bytes")
        }
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw CLIError.usage("cannot read \(what) \(path): \(errnoText())") }
            if n == 0 { break }  // the file shrank while reading
            done += n
        }
        if done < size { out.removeSubrange(done...) }
        return out
    }

    /// The permission bits of a file, or `nil` if it cannot be examined.
    static func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o7777
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Writes a file atomically: a temporary file in the same directory created with `mode`, fsync, rename,
    /// fsync of the directory. A crash at any point leaves the old file or the new one, never a mix.
    static func writeAtomically(_ path: String, _ bytes: UnsafeRawBufferPointer, mode: mode_t) throws {
        let directory = parentDirectory(of: path)
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw CLIError.usage("cannot create \(temporary): \(errnoText())") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            // The umask may have narrowed the mode; never widened, but set it exactly.
            guard fchmod(fd, mode) == 0 else {
                throw CLIError.usage("cannot set the mode of \(temporary): \(errnoText())")
            }
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw CLIError.usage("cannot write \(path): \(errnoText())") }
                done += n
            }
            guard fsync(fd) == 0 else { throw CLIError.usage("cannot flush \(path) to disk: \(errnoText())") }
        }
        guard rename(temporary, path) == 0 else { throw CLIError.usage("cannot rename onto \(path): \(errnoText())") }
        ok = true
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        try bytes.withUnsafeBytes { try writeAtomically(path, $0, mode: mode) }
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
