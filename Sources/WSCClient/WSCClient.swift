import CWSCSys
import WSCJSON
import WSCProtocol

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking client for wscd's socket: connect, send framed requests (pipelined if you like), read answers.
/// One client belongs to one thread at a time.
public final class WSCClient {
    /// The default socket path.
    public static let defaultSocketPath = "/run/wscd/wscd.sock"

    private let fd: Int32
    private let decoder: FrameDecoder
    private var nextID: Int64 = 1
    private let timeoutSeconds: Int

    /// Connects to `socketPath`. When nothing listens there, the error says so and how to start the daemon.
    public init(
        socketPath: String = WSCClient.defaultSocketPath, maximumFrameLength: Int = 1 << 30, timeoutSeconds: Int = 60
    )
        throws
    {
        let fd = wsc_unix_connect(socketPath)
        guard fd >= 0 else {
            let e = errno
            let why = String(cString: strerror(e))
            if e == ENOENT || e == ECONNREFUSED {
                throw ProtocolError(
                    .shuttingDown,
                    "wscd is not running (nothing listens on \(socketPath): \(why)). Start it with `systemctl start wscd` (or `make run` for a demo), or pass --socket PATH"
                )
            }
            throw ProtocolError(.internalError, "cannot connect to \(socketPath): \(why)")
        }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
        self.timeoutSeconds = timeoutSeconds
        self.decoder = FrameDecoder(maximumFrameLength: maximumFrameLength)
    }

    deinit { close(fd) }

    /// The raw socket descriptor (for tests that misbehave on purpose).
    public var socketDescriptor: Int32 { fd }

    /// Sends a request without waiting for the answer; returns its id.
    @discardableResult
    public func send(
        _ op: Operation, _ fields: [(String, JSONValue)] = [], body: [UInt8] = [], passing passFD: Int32? = nil
    )
        throws -> Int64
    {
        let id = nextID
        nextID += 1
        // Prefix and body are sent separately, so a large body is never copied into a frame buffer.
        let frame = Frame(header: Messages.request(id: id, op: op, fields), body: body)
        try sendRaw(frame.encodedPrefix(), passing: passFD)
        try sendRaw(body)
        return id
    }

    /// Sends bytes as they are (tests use it for malformed frames).
    public func sendRaw(_ bytes: [UInt8], passing passFD: Int32? = nil) throws {
        if bytes.isEmpty { return }
        var done = 0
        var fdToPass = passFD ?? -1
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { wsc_send_with_fd(fd, $0.baseAddress! + done, $0.count - done, fdToPass) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let e = errno
                if e == EAGAIN || e == EWOULDBLOCK {
                    throw ProtocolError(.internalError, "wscd did not take the request within \(timeoutSeconds) s")
                }
                throw ProtocolError(
                    e == EPIPE || e == ECONNRESET ? .connectionClosed : .internalError,
                    "sending to wscd failed: \(String(cString: strerror(e)))")
            }
            fdToPass = -1  // the descriptor travels with the first bytes only
            done += n
        }
    }

    /// Reads the next response frame.
    public func receive() throws -> Frame {
        while true {
            if let frame = try decoder.next() { return frame }
            let n = decoder.fill(atLeast: 64 * 1024) { buffer in read(fd, buffer.baseAddress, buffer.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let e = errno
                if n < 0, e == EAGAIN || e == EWOULDBLOCK {
                    throw ProtocolError(.connectionClosed, "wscd did not answer within \(timeoutSeconds) s")
                }
                throw ProtocolError(
                    .connectionClosed,
                    n == 0
                        ? "wscd closed the connection without an answer"
                        : "the connection to wscd failed without an answer: \(String(cString: strerror(e)))")
            }
        }
    }

    /// Sends a request and waits for its answer: the result object and body, or the daemon's error thrown.
    /// An answer about the whole connection (request id null: refused at accept, a malformed frame) is thrown too.
    public func call(
        _ op: Operation, _ fields: [(String, JSONValue)] = [], body: [UInt8] = [], passing passFD: Int32? = nil
    )
        throws -> (result: JSONObject, body: [UInt8])
    {
        let id: Int64
        do {
            id = try send(op, fields, body: body, passing: passFD)
        } catch let error as ProtocolError where error.code == .connectionClosed {
            // wscd may have refused the connection and closed it before the request went out: its answer says why.
            // The connection is closed, so this read returns at once.
            if let answer = try? receive(), Messages.id(of: answer.header) == nil {
                _ = try Messages.result(of: answer.header)
            }
            throw error
        }
        while true {
            let frame = try receive()
            let answerID = Messages.id(of: frame.header)
            if answerID == nil { _ = try Messages.result(of: frame.header) }
            guard answerID == id else { continue }
            return (try Messages.result(of: frame.header), frame.body)
        }
    }
}
