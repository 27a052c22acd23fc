import WSCProtocol
import WasmSignatures

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Reads a module from a descriptor passed by a client: a regular file, bounded, read once into one buffer, in
/// chunks that are hashed as they land (while still in cache).
enum ModuleReader {
    static let chunk = 256 * 1024

    /// Reads the module; with `hashing`, also its part hashes (a verify wants them, a sign hashes differently).
    static func read(fd: Int32, limit: Int, hashing: Bool) throws -> (bytes: [UInt8], streamed: StreamedParts?) {
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
        var streamed: StreamedParts?
        let stream = hashing ? ModulePartsStream(moduleLength: size) : nil
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = pread(fd, buffer.baseAddress! + done, min(chunk, size - done), off_t(done))
                if n < 0, errno == EINTR { continue }
                if n <= 0 {
                    failed = n < 0
                    break
                }
                done += n
                stream?.advance(UnsafeRawBufferPointer(start: buffer.baseAddress, count: done))
            }
            initialized = done
            if done == size {
                streamed = stream?.finish(UnsafeRawBufferPointer(start: buffer.baseAddress, count: size))
            }
        }
        guard !failed else {
            throw ProtocolError(.badModule, "reading the passed descriptor failed: \(String(cString: strerror(errno)))")
        }
        guard bytes.count == size else { throw ProtocolError(.badModule, "the passed file shrank while it was read") }
        return (bytes, streamed)
    }
}
