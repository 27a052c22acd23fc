import WSCFiles

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small POSIX file helpers: bounded reads, atomic writes with explicit modes.
enum FileIO {
    /// Reads a whole regular file, refusing directories and files above `limit` before allocating. The open is
    /// non-blocking and the type is checked on the descriptor: a FIFO (or a link to one) is refused, never waited
    /// on. With `secret`, a mode beyond 0600 is refused with the `chmod` to run.
    static func read(_ path: String, what: String, limit: Int, secret: Bool = false) throws -> [UInt8] {
        var st = stat()
        let fd = try openRegular(path, what: what, stat: &st)
        defer { close(fd) }
        if secret {
            do {
                try FileType.requireOwnerOnly(st, path)
            } catch let error as FileError {
                throw CLIError.usage("\(what) \(error.reason)")
            }
        }
        let size = Int(st.st_size)
        guard size <= limit else {
            throw CLIError.usage("\(what) \(path) is \(size) bytes, above the limit of \(limit) bytes")
        }
        // Read straight into uninitialised storage: no zero-fill pass over a large module.
        var failure: Int32 = 0
        let out = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = Glibc.read(fd, buffer.baseAddress! + done, size - done)
                if n < 0, errno == EINTR { continue }
                if n < 0 {
                    failure = errno
                    break
                }
                if n == 0 { break }  // the file shrank while reading
                done += n
            }
            initialized = done
        }
        guard failure == 0 else {
            throw CLIError.usage("cannot read \(what) \(path): \(String(cString: strerror(failure)))")
        }
        return out
    }

    /// Opens a regular file for reading, non-blocking so that a FIFO (or a link to one) is refused, not waited
    /// on; the caller closes the descriptor. O_NONBLOCK has no effect on the reads of a regular file.
    static func openRegular(_ path: String, what: String) throws -> Int32 {
        var st = stat()
        return try openRegular(path, what: what, stat: &st)
    }

    private static func openRegular(_ path: String, what: String, stat st: inout stat) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw CLIError.usage("cannot open \(what) \(path): \(errnoText())") }
        guard fstat(fd, &st) == 0 else {
            let text = errnoText()
            close(fd)
            throw CLIError.usage("cannot stat \(what) \(path): \(text)")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw CLIError.usage("\(what) \(path) is \(FileType.name(st.st_mode)), expected a regular file")
        }
        return fd
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Writes a file atomically (see `AtomicFile`), reporting failures as bad input (exit 2).
    static func writeAtomically(_ path: String, _ bytes: UnsafeRawBufferPointer, mode: mode_t) throws {
        do {
            try AtomicFile.write(path, bytes, mode: mode)
        } catch let error as FileError {
            throw CLIError.usage(error.reason)
        }
    }

    static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        try bytes.withUnsafeBytes { try writeAtomically(path, $0, mode: mode) }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
