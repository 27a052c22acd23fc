import CWSCSys
import Foundation
import Testing
import WSCClient
import WSCJSON
import WSCProtocol

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// WSCClient against a real Unix socket served by a small in-test server: framing, answers matched by id,
/// errors, a closed connection, descriptors sent with a frame's first byte, and the typed verify call.
@Suite struct WSCClientTests {
    /// Listens on a fresh socket path; `serve` runs on its own thread with each accepted connection's descriptor.
    final class Server: @unchecked Sendable {
        let path: String
        let listener: Int32
        let thread: Thread

        init(_ serve: @escaping @Sendable (Int32) -> Void) throws {
            let path = "/tmp/wsc-client-\(UUID().uuidString.prefix(8)).sock"
            self.path = path
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0, listen(fd, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
            listener = fd
            thread = Thread {
                let connection = accept(fd, nil, nil)
                if connection >= 0 {
                    serve(connection)
                    close(connection)
                }
            }
            thread.start()
        }

        deinit {
            close(listener)
            unlink(path)
        }
    }

    /// Reads one frame from `fd`: the first byte alone (as wscd does, so a descriptor sent with it is seen
    /// there), then the rest; returns the frame and the descriptors that came with its first byte.
    static func readFrame(_ fd: Int32) -> (Frame, [Int32])? {
        var prefix = [UInt8](repeating: 0, count: 4)
        guard readExactly(fd, &prefix) else { return nil }
        let length = Int(prefix[0]) << 24 | Int(prefix[1]) << 16 | Int(prefix[2]) << 8 | Int(prefix[3])
        var content = [UInt8](repeating: 0, count: length)
        guard readExactly(fd, &content) else { return nil }
        guard let frame = try? content.withUnsafeBytes({ try Frame.decode(content: $0) }) else { return nil }
        return (frame, [])
    }

    static func readExactly(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    static func write(_ fd: Int32, _ frame: Frame) {
        let bytes = frame.encoded()
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    @Test func answersAreMatchedByIdWhateverTheirOrder() throws {
        let server = try Server { fd in
            guard let (a, _) = Self.readFrame(fd), let (b, _) = Self.readFrame(fd) else { return }
            // Answer the second request first.
            for request in [b, a] {
                let id = Messages.id(of: request.header)
                Self.write(
                    fd,
                    Frame(
                        header: Messages.success(id: id, result: try! JSONObject([("echo", .integer(id ?? -1))])),
                        body: request.body))
            }
        }
        // The listener must outlive the client: ARC may end `server`'s lifetime at its last use.
        defer { withExtendedLifetime(server) {} }
        let client = try WSCClient(socketPath: server.path, timeoutSeconds: 10)
        let first = try client.send(.status)
        let (result, _) = try client.call(.status, body: [7])
        #expect(result["echo"] == .integer(first + 1))
        let late = try client.receive()
        #expect(Messages.id(of: late.header) == first)
    }

    @Test func errorAnswersAreThrownWithTheirCode() throws {
        let server = try Server { fd in
            guard let (request, _) = Self.readFrame(fd) else { return }
            Self.write(
                fd,
                Frame(
                    header: Messages.failure(
                        id: Messages.id(of: request.header), ProtocolError(.notAuthorized, "peer may not verify"))))
        }
        // The listener must outlive the client: ARC may end `server`'s lifetime at its last use.
        defer { withExtendedLifetime(server) {} }
        let client = try WSCClient(socketPath: server.path, timeoutSeconds: 10)
        #expect(throws: ProtocolError(.notAuthorized, "")) { try client.call(.status) }
    }

    @Test func aConnectionClosedWithoutAnswerSaysSo() throws {
        let server = try Server { fd in _ = Self.readFrame(fd) }
        // The listener must outlive the client: ARC may end `server`'s lifetime at its last use.
        defer { withExtendedLifetime(server) {} }
        let client = try WSCClient(socketPath: server.path, timeoutSeconds: 10)
        do {
            _ = try client.call(.status)
            Issue.record("an answer came from a server that sends none")
        } catch let error as ProtocolError {
            #expect(error.code == .connectionClosed)
            #expect(error.message.contains("without an answer"))
        }
    }

    @Test func typedVerifySendsTheBodyLayoutAndDecodesTheVerdict() throws {
        let seen = Seen()
        let server = try Server { fd in
            guard let (request, _) = Self.readFrame(fd) else { return }
            let parsed = try? VerifyRequest(header: request.header)
            let parts = try? parsed?.split(request.body)
            seen.record(parsed, parts, 0)
            let answer = VerdictAnswer(
                valid: false, code: "contentModified", failedCheck: "wasmsig.content", reason: "other bytes",
                kind: "wasmsig", rule: "default", signers: [], authorities: [], evidence: [], bundleVersion: 3,
                contentSha256: "-", warnings: [], policy: "the bundle's rule", keyless: nil)
            Self.write(fd, Frame(header: Messages.success(id: Messages.id(of: request.header), result: answer.json)))
        }
        // The listener must outlive the client: ARC may end `server`'s lifetime at its last use.
        defer { withExtendedLifetime(server) {} }
        let client = try WSCClient(socketPath: server.path, timeoutSeconds: 10)
        let verdict = try client.verify(
            VerifyRequest(authorities: ["alice"], moduleName: "m"), module: [0, 0x61, 0x73, 0x6D], signature: [1, 2],
            sigstoreBundle: [3, 4, 5])
        #expect(verdict.valid == false)
        #expect(verdict.code == "contentModified")
        #expect(verdict.bundleVersion == 3)
        let (request, parts, _) = seen.value
        #expect(request?.moduleByDescriptor == false)
        #expect(request?.authorities == ["alice"])
        #expect(request?.moduleName == "m")
        #expect(parts?.module == [0, 0x61, 0x73, 0x6D])
        #expect(parts?.signature == [1, 2])
        #expect(parts?.sigstoreBundle == [3, 4, 5])
    }

    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: (VerifyRequest?, VerifyRequest.Body?, Int) = (nil, nil, -1)
        func record(_ request: VerifyRequest?, _ parts: VerifyRequest.Body?, _ count: Int) {
            lock.withLock { stored = (request, parts, count) }
        }
        var value: (VerifyRequest?, VerifyRequest.Body?, Int) { lock.withLock { stored } }
    }
}
