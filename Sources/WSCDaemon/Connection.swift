import CWSCSys
@preconcurrency import Dispatch
import WSCJSON
import WSCProtocol
import WasmSignatures

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// One client connection. All mutable state is confined to the connection's serial queue; work runs on the
/// shared worker pool and its answer comes back to this queue. Limits: frame size (checked before buffering),
/// requests in flight (reading pauses), pending output (reading pauses), idle and read timeouts (checked by the
/// server's sweep), large frames within the shared ``BufferBudget`` (reading pauses). Reads never cross a frame
/// boundary, so each SCM_RIGHTS descriptor is bound to its frame (``FrameDescriptors``). A malformed frame gets
/// an error answer and the connection closes; nothing else is affected.
final class Connection: @unchecked Sendable {
    let fd: Int32
    let peer: PeerCredentials
    let queue: DispatchQueue
    private unowned let server: Server

    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var readSuspended = false
    private var writeSuspended = true
    private let decoder: FrameDecoder
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var inFlight = 0
    private var descriptors = FrameDescriptors()
    private var closing = false  // no more requests are read; close once answers are written
    private var cancelled = false
    private var pendingCancels = 0
    private(set) var lastActivity: UInt64
    private var partialSince: UInt64?
    /// Budget bytes taken for the frame being received (`nil` until its size is known), and for each complete frame
    /// not yet dispatched, oldest first; a dispatched request gives its share back when it is answered.
    private var receivingReservation: Int?
    private var completedReservations: [Int] = []
    /// Reading is paused until the shared budget has room for the frame being received.
    private var waitingForBudget = false
    /// Hashing of the frame being received, for an inline verify: it overlaps the transfer.
    private var headStream: HeadStream = .undecided

    enum HeadStream {
        case undecided
        case none
        case streaming(ModulePartsStream, moduleLength: Int)
    }

    static let highWatermark = 4 << 20
    static let lowWatermark = 1 << 20
    static let readChunk = 64 * 1024
    /// Bytes of a frame a connection may hold without the shared budget (``BufferBudget``).
    static let freeAllowance = 64 * 1024
    /// Requests with a body up to this size are handled on the connection's own queue.
    static let inlineWorkLimit = 4 << 20
    /// Inline modules from this size on are hashed while they arrive; smaller ones come in one or two reads.
    static let streamingThreshold = 128 * 1024

    init(fd: Int32, peer: PeerCredentials, server: Server, maxFrame: Int) {
        self.fd = fd
        self.peer = peer
        self.server = server
        self.queue = DispatchQueue(label: "wscd.connection.\(fd)", target: DispatchQueue.global())
        self.decoder = FrameDecoder(maximumFrameLength: maxFrame)
        self.lastActivity = Monotonic.nanoseconds()
    }

    /// Starts reading. Sources are made here, on the connection's queue.
    func start() {
        queue.async {
            var size: Int32 = 1 << 20
            setsockopt(self.fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            let read = DispatchSource.makeReadSource(fileDescriptor: self.fd, queue: self.queue)
            let write = DispatchSource.makeWriteSource(fileDescriptor: self.fd, queue: self.queue)
            read.setEventHandler { [self] in onReadable() }
            write.setEventHandler { [self] in onWritable() }
            let cancelHandler: @Sendable () -> Void = { [self] in sourceCancelled() }
            read.setCancelHandler(handler: cancelHandler)
            write.setCancelHandler(handler: cancelHandler)
            self.readSource = read
            self.writeSource = write
            self.pendingCancels = 2
            read.activate()
            write.activate()
            write.suspend()  // resumed only while output is pending
            self.writeSuspended = true
        }
    }

    // MARK: Reading

    private func onReadable() {
        guard !closing else { return }
        var fds = [Int32](repeating: -1, count: 8)
        while !closing {
            // Never read past the frame being received, and read its first byte alone: that is what binds a
            // descriptor to its frame (see FrameDescriptors). Three reads per frame at least: the first byte, the
            // rest of the length field, the rest of the frame (in chunks when large).
            let (received, missing) = decoder.frameBeingReceived
            let limit: Int
            if received == 0 {
                limit = 1
            } else if let missing {
                if receivingReservation == nil {
                    // The frame's size is known: what it needs beyond the free allowance comes from the budget.
                    let need = max(0, received + missing - Connection.freeAllowance)
                    if need > server.core.budget.usage.limit {
                        // Only after a reload that lowered the budget: waiting would never end.
                        fail(
                            ProtocolError(
                                .frameTooLarge,
                                "the frame needs \(need) bytes of the daemon's buffer budget, more than all of it "
                                    + "([server] max_buffered_bytes); send a smaller module or pass it as a descriptor")
                        )
                        return
                    }
                    if need > 0, !server.core.budget.reserve(need, orNotify: self) {
                        waitForBudget()
                        return
                    }
                    receivingReservation = need
                }
                limit = missing
            } else if received < 4 {
                limit = 4 - received
            } else {
                // An unacceptable length: the decoder refuses it (or frames before it are still to be taken).
                drainFrames()
                return
            }
            var count: Int32 = 0
            var truncated: Int32 = 0
            // Receive straight into the decoder's buffer: no intermediate copy.
            let n = decoder.fill(atLeast: min(limit, Connection.readChunk)) { buffer in
                fds.withUnsafeMutableBufferPointer {
                    wsc_recv_with_fds(
                        fd, buffer.baseAddress, min(buffer.count, limit), $0.baseAddress, 8, &count, &truncated)
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                closeNow()
                return
            }
            if count > 0 || truncated != 0 {
                descriptors.received(
                    Array(fds[0..<Int(count)]), truncated: truncated != 0, atFrameStart: received == 0)
            }
            if n == 0 {
                // The peer closed its side: answer what is in flight, then close.
                closing = true
                finishIfDone()
                return
            }
            lastActivity = Monotonic.nanoseconds()
            guard let missing, n == missing else {
                // Part of a frame: the read timeout runs from its first byte.
                if partialSince == nil { partialSince = lastActivity }
                if received >= 4 { advanceStream() }
                continue
            }
            descriptors.frameCompleted()
            completedReservations.append(receivingReservation ?? 0)
            receivingReservation = nil
            advanceStream()
            drainFrames()
            if readSuspended || closing { return }
        }
    }

    private func drainFrames() {
        while !closing {
            if inFlight >= server.limits.maxRequestsInFlight || pendingOutput > Connection.highWatermark {
                pauseReading()
                break
            }
            let frame: Frame?
            do {
                frame = try decoder.next()
            } catch let error as ProtocolError {
                fail(error)
                return
            } catch {
                fail(ProtocolError(.badFrame, "\(error)"))
                return
            }
            guard let frame else { break }
            let stream = headStream
            headStream = .undecided
            var streamed: StreamedParts?
            if case .streaming(let hasher, let moduleLength) = stream, moduleLength <= frame.body.count {
                streamed = frame.body.withUnsafeBytes {
                    hasher.finish(UnsafeRawBufferPointer(rebasing: $0[..<moduleLength]))
                }
            }
            dispatch(frame, streamed: streamed)
        }
        partialSince = decoder.pendingByteCount > 0 ? (partialSince ?? Monotonic.nanoseconds()) : nil
    }

    /// Feeds the body received so far of the frame being read to its stream, deciding first whether it has one.
    private func advanceStream() {
        if case .none = headStream { return }
        decoder.withFrameInProgress { header, bodyLength, received in
            if case .undecided = headStream {
                headStream = Connection.stream(header: header, bodyLength: bodyLength)
            }
            if case .streaming(let hasher, _) = headStream { hasher.advance(received) }
        }
    }

    /// A stream for an inline verify's module (the body less a detached signature or Sigstore bundle), or none.
    static func stream(header bytes: UnsafeRawBufferPointer, bodyLength: Int) -> HeadStream {
        guard bodyLength >= streamingThreshold, let header = try? Frame.decodeHeader(bytes),
            case .string(Operation.verify.rawValue) = header["op"] ?? .null, header["fd"] != .bool(true)
        else { return .none }
        func length(_ key: String) -> Int? {
            guard let value = header[key] else { return 0 }
            guard case .integer(let n) = value, n >= 0, n <= bodyLength else { return nil }
            return Int(n)
        }
        guard let signatureLength = length("signatureLength"), let bundleLength = length("sigstoreBundleLength")
        else { return .none }
        // A detached Sigstore bundle travels inside the detached-signature tail when there is one.
        let moduleLength = bodyLength - (signatureLength > 0 ? signatureLength : bundleLength)
        guard moduleLength >= 0 else { return .none }
        return .streaming(ModulePartsStream(moduleLength: moduleLength), moduleLength: moduleLength)
    }

    /// The descriptor that came with `frame`, if it declares one; throws when what came does not match what the
    /// frame declares (any descriptor is then closed unread).
    private func claimDescriptor(_ frame: Frame) throws(ProtocolError) -> Int32? {
        let declared = frame.header["fd"] == .bool(true)
        switch descriptors.next() {
        case .none where declared:
            throw ProtocolError(
                .badRequest,
                "\"fd\": true but no descriptor came with the frame; pass it with SCM_RIGHTS on the sendmsg that sends the frame's first byte"
            )
        case .none:
            return nil
        case .one(let received) where declared:
            return received
        case .one(let received):
            close(received)
            throw ProtocolError(
                .badRequest,
                "a descriptor came with a frame that does not declare \"fd\": true; it was closed unread. Declare it, or send no descriptor"
            )
        case .refused(let reason):
            throw ProtocolError(.badRequest, reason)
        }
    }

    private func dispatch(_ frame: Frame, streamed: StreamedParts?) {
        let reservation = completedReservations.isEmpty ? 0 : completedReservations.removeFirst()
        let passed: Int32?
        do {
            passed = try claimDescriptor(frame)
        } catch {
            server.core.budget.release(reservation)
            // This frame alone is refused; the connection stays usable.
            server.core.stats.error(error.code.rawValue)
            enqueue(Frame(header: Messages.failure(id: Messages.id(of: frame.header), error)).encoded())
            return
        }
        inFlight += 1
        let peer = self.peer
        let core = server.core
        // Most requests run right here, on the connection's queue (which runs on the core-sized global pool):
        // handing each one to a worker and back cost two thread wake-ups, about a third of the throughput.
        // Large inline bodies and modules passed as descriptors (of any size, known only once read) go to the
        // worker pool, so one connection's long hash does not hold up reading and writing on the others.
        // A bundle rotate is background work too: parsing and seal-checking a large bundle takes a core for a while.
        let isInstall = frame.header["op"] == .string("rotate") && frame.header["target"] == .string("bundle")
        if frame.body.count <= Connection.inlineWorkLimit, passed == nil, !isInstall {
            let response = core.handle(frame, peer: peer, passedFD: passed, streamed: streamed)
            let bytes = response.encoded()
            queue.async { [self] in complete(bytes, reservation: reservation) }
            return
        }
        // Descriptors and bundle rotates run at a lower priority (see WorkerPool): a gibibyte being hashed or a 10 MB
        // bundle being checked never starves small verifies.
        let priority: WorkerPool.Priority = isInstall ? .trustInstall : passed != nil ? .low : .normal
        let workers = server.workers
        workers.submit(priority) { [self] in
            let response = core.handle(frame, peer: peer, passedFD: passed, streamed: streamed)
            let bytes = response.encoded()
            guard priority != .normal else {
                queue.async { [self] in complete(bytes, reservation: reservation) }
                return
            }
            // From a nice +10 thread: through the hand-off thread, never into Dispatch directly (see WorkerPool).
            workers.handOff { [self] in
                // After a bundle rotate the old bundle and the parse buffers are gone: return the memory, here at
                // the daemon's priority (malloc_trim locks each malloc arena in turn).
                if isInstall { wsc_release_free_memory() }
                queue.async { [self] in complete(bytes, reservation: reservation) }
            }
        }
    }

    private func complete(_ bytes: [UInt8], reservation: Int) {
        inFlight -= 1
        server.core.budget.release(reservation)
        enqueue(bytes)
        if !closing { resumeReadingIfPossible() }
        finishIfDone()
    }

    private var pendingOutput: Int { output.count - outputOffset }

    private func pauseReading() {
        guard !readSuspended, !cancelled, let readSource else { return }
        readSource.suspend()
        readSuspended = true
    }

    private func waitForBudget() {
        waitingForBudget = true
        partialSince = nil  // waiting on the daemon is not the peer being slow: the read timeout restarts after
        pauseReading()
    }

    /// The budget gave bytes back: try again to take what the frame being received needs (any thread).
    func budgetFreed() {
        queue.async { [self] in
            guard waitingForBudget, !cancelled else { return }
            waitingForBudget = false
            partialSince = Monotonic.nanoseconds()
            resumeReadingIfPossible()
        }
    }

    private func resumeReadingIfPossible() {
        guard readSuspended, !cancelled, !waitingForBudget, inFlight < server.limits.maxRequestsInFlight,
            pendingOutput < Connection.lowWatermark, let readSource
        else { return }
        readSuspended = false
        readSource.resume()
        drainFrames()  // frames may already be buffered
    }

    // MARK: Writing

    private func enqueue(_ bytes: [UInt8]) {
        guard !cancelled else { return }
        if outputOffset > 0, outputOffset == output.count {
            output.removeAll(keepingCapacity: true)
            outputOffset = 0
        }
        output += bytes
        flush()
    }

    private func flush() {
        while pendingOutput > 0 {
            let n = output.withUnsafeBytes {
                wsc_send_nosignal(fd, $0.baseAddress! + outputOffset, $0.count - outputOffset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                closeNow()  // the peer went away mid-response
                return
            }
            outputOffset += n
            lastActivity = Monotonic.nanoseconds()
        }
        if pendingOutput > 0 {
            if writeSuspended, !cancelled, let writeSource {
                writeSuspended = false
                writeSource.resume()
            }
        } else {
            output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
            outputOffset = 0
            if !writeSuspended, !cancelled, let writeSource {
                writeSuspended = true
                writeSource.suspend()
            }
        }
    }

    private func onWritable() {
        flush()
        if !closing { resumeReadingIfPossible() }
        finishIfDone()
    }

    // MARK: Closing

    /// Answers with an error (request id unknown) and closes once it is written.
    private func fail(_ error: ProtocolError) {
        server.core.stats.error(error.code.rawValue)
        server.core.log.info(
            "closing a connection: \(error.message)", metadata: ["peer_uid": "\(peer.uid)", "peer_pid": "\(peer.pid)"])
        closing = true
        enqueue(Frame(header: Messages.failure(id: nil, error)).encoded())
        finishIfDone()
    }

    private func finishIfDone() {
        if closing, inFlight == 0, pendingOutput == 0 { closeNow() }
    }

    /// Stops reading new requests; in-flight ones are answered, then the connection closes (SIGTERM drain).
    func drain() {
        queue.async { [self] in
            closing = true
            finishIfDone()
        }
    }

    /// Closes if idle too long or if a frame has been arriving too slowly.
    func sweep(now: UInt64, idleNanoseconds: UInt64, readNanoseconds: UInt64) {
        queue.async { [self] in
            guard !cancelled else { return }
            if let since = partialSince, now > since, now - since > readNanoseconds {
                server.core.log.info(
                    "closing a connection: a frame did not complete in time", metadata: ["peer_uid": "\(peer.uid)"])
                server.core.stats.error(ProtocolError.Code.timeout.rawValue)
                // Say why before closing, in one non-blocking send, and only between frames of output: a peer
                // that stopped reading never holds the connection open, and an answer half-written is never cut.
                if pendingOutput == 0 {
                    let seconds = readNanoseconds / 1_000_000_000
                    let answer = Frame(
                        header: Messages.failure(
                            id: nil,
                            ProtocolError(
                                .timeout,
                                "a frame began but did not complete within \(seconds) s (read_timeout_seconds); the connection is closed: send each frame whole"
                            ))
                    ).encoded()
                    _ = answer.withUnsafeBytes { wsc_send_nosignal(fd, $0.baseAddress, $0.count) }
                }
                closeNow()
            } else if inFlight == 0, pendingOutput == 0, now > lastActivity, now - lastActivity > idleNanoseconds {
                closeNow()
            }
        }
    }

    private func closeNow() {
        guard !cancelled else { return }
        cancelled = true
        guard readSource != nil else {
            // Never started: there are no sources to cancel.
            close(fd)
            server.remove(self)
            return
        }
        // A suspended source never delivers its cancel handler: resume before cancelling.
        if readSuspended { readSource?.resume() }
        if writeSuspended { writeSource?.resume() }
        readSuspended = false
        writeSuspended = false
        readSource?.cancel()
        writeSource?.cancel()
    }

    private func sourceCancelled() {
        pendingCancels -= 1
        guard pendingCancels == 0 else { return }
        // Both sources are gone: only now may the descriptor number be reused.
        close(fd)
        descriptors.closeAll()
        server.core.budget.release((receivingReservation ?? 0) + completedReservations.reduce(0, +))
        receivingReservation = nil
        completedReservations.removeAll()
        readSource = nil
        writeSource = nil
        server.remove(self)
    }
}
