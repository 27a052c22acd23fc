import WSCProtocol

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Reads a module from a descriptor passed by a client: a regular file, bounded, read once into one buffer.
enum ModuleReader {
    static func read(fd: Int32, limit: Int) throws -> [UInt8] {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ProtocolError(.badModule, "the passed descriptor cannot be examined") }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw ProtocolError(.badModule, "the passed descriptor is not a regular file")
        }
        let size = Int(st.st_size)
        guard size <= limit else {
            throw ProtocolError(.badModule, "the module is \(size) bytes, above the limit of \(limit)")
        }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = pread(fd, buffer.baseAddress! + done, size - done, off_t(done))
                if n < 0, errno == EINTR { continue }
                if n <= 0 {
                    failed = n < 0
                    break
                }
                done += n
            }
            initialized = done
        }
        guard !failed else {
            throw ProtocolError(.badModule, "reading the passed descriptor failed: \(String(cString: strerror(errno)))")
        }
        guard bytes.count == size else { throw ProtocolError(.badModule, "the passed file shrank while it was read") }
        return bytes
    }
}
