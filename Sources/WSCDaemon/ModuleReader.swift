import TrustStore
import WSCProtocol
import WasmSignatures

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Reads a module from a descriptor passed by a client: a regular file, read once with pread in chunks.
///
/// A verify never holds the module: ``digests(fd:size:evidence:fileDigest:)`` hashes each chunk while it is in
/// cache (``ModuleDigester``) and keeps only the small sections verification needs, so memory stays at one chunk
/// plus those sections whatever the file's size (the bytes are kept as well up to
/// ``ModuleDigests/keptBytesLimit``, for Ed25519 Sigstore message signatures). A sign needs the bytes to write the
/// signed module, which must fit in an answer frame: ``read(fd:limit:hashing:)`` bounds it by the frame size.
enum ModuleReader {
    static let chunk = 256 * 1024

    /// The size of the regular file behind `fd`, at most `limit`.
    static func size(fd: Int32, limit: Int) throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ProtocolError(.badModule, "the passed descriptor cannot be examined") }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw ProtocolError(.badModule, "the passed descriptor is not a regular file")
        }
        let size = Int(st.st_size)
        guard size <= limit else {
            throw ProtocolError(.badModule, "the module is \(size) bytes, above the limit of \(limit)")
        }
        return size
    }

    /// The digests of the `size`-byte module behind `fd`, in one pass of `chunk`-sized preads.
    static func digests(fd: Int32, size: Int, evidence: RequestPolicy.Evidence, fileDigest: Bool) throws
        -> ModuleDigests
    {
        let digester = ModuleDigester(
            length: size, evidence: evidence, keepBytes: size <= ModuleDigests.keptBytesLimit, fileDigest: fileDigest)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var done = 0
        while done < size {
            let n = pread(fd, buffer.baseAddress!, min(chunk, size - done), off_t(done))
            if n < 0, errno == EINTR { continue }
            if n < 0 {
                throw ProtocolError(
                    .badModule, "reading the passed descriptor failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw ProtocolError(.badModule, "the passed file shrank while it was read") }
            digester.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            done += n
        }
        return digester.finish()
    }

    /// Reads the whole module (up to `limit` bytes); with `hashing`, also its part hashes.
    static func read(fd: Int32, limit: Int, hashing: Bool) throws -> (bytes: [UInt8], streamed: StreamedParts?) {
        let size = try size(fd: fd, limit: limit)
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
