import CWSCSys
import Foundation
import Testing
import WSCClient
import WSCJSON
import WSCProtocol
import WasmSignatures

/// A descriptor passed with SCM_RIGHTS belongs to the frame whose first byte it came with, never to another
/// request: each test sends its frames before reading any answer, so the daemon finds them queued together.
@Suite(.serialized) struct DescriptorBindingTests {
    /// A signed module and the same module with one padding byte changed, as files, with their content digests.
    struct Modules {
        let signedPath: String
        let tamperedPath: String
        let signedDigest: String
        let tamperedDigest: String

        init(_ d: DaemonHarness) throws {
            let signed = try d.signed(by: d.alice, padding: 4096)
            var tampered = signed
            tampered[tampered.count - 1] ^= 0x01
            signedPath = d.directory + "/signed.wasm"
            tamperedPath = d.directory + "/tampered.wasm"
            try Data(signed).write(to: URL(fileURLWithPath: signedPath))
            try Data(tampered).write(to: URL(fileURLWithPath: tamperedPath))
            signedDigest = try Modules.digest(signed)
            tamperedDigest = try Modules.digest(tampered)
        }

        static func digest(_ module: [UInt8]) throws -> String {
            let hash = ModuleParts(module: try WasmModule(bytes: module)).parts.last!.rollingHash
            return hash.map { String(format: "%02x", $0) }.joined()
        }
    }

    /// Reads `count` answers and returns them by request id.
    static func answers(_ c: WSCClient, _ count: Int) throws -> [Int64: Frame] {
        var byID: [Int64: Frame] = [:]
        for _ in 0..<count {
            let frame = try c.receive()
            byID[Messages.id(of: frame.header) ?? -1] = frame
        }
        return byID
    }

    static func error(_ frame: Frame?) -> ProtocolError? {
        guard let frame else { return ProtocolError(.internalError, "no answer") }
        do {
            _ = try Messages.result(of: frame.header)
            return nil
        } catch let error as ProtocolError {
            return error
        } catch {
            return ProtocolError(.internalError, "\(error)")
        }
    }

    static func result(_ frame: Frame?) throws -> JSONObject {
        guard let frame else { throw HarnessError("no answer") }
        return try Messages.result(of: frame.header)
    }

    @Test func descriptorSentWithHelloIsNotTheVerifiedOne() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let m = try Modules(d)
        let signedFD = open(m.signedPath, O_RDONLY)
        let tamperedFD = open(m.tamperedPath, O_RDONLY)
        defer {
            close(signedFD)
            close(tamperedFD)
        }
        let c = try d.client()
        let hello = try c.send(.hello, [("versions", .array([.integer(1)]))], passing: signedFD)
        let verify = try c.send(.verify, [("fd", .bool(true))], passing: tamperedFD)
        let answers = try Self.answers(c, 2)
        let helloError = Self.error(answers[hello])
        #expect(helloError == ProtocolError(.badRequest, ""))
        #expect(helloError?.message.contains("does not declare") == true, "\(String(describing: helloError))")
        let verdict = try Self.result(answers[verify])
        #expect(!verdict.valid)
        #expect(verdict["contentSha256"] == .string(m.tamperedDigest))
        #expect(verdict["contentSha256"] != .string(m.signedDigest))
        // The connection still works, and the signed file verifies when it is the one passed.
        let again = try c.call(.verify, [("fd", .bool(true))], passing: signedFD).result
        #expect(again.valid)
        #expect(again["contentSha256"] == .string(m.signedDigest))
    }

    @Test func pipelinedVerifyWithoutDescriptorDoesNotTakeTheNextFramesOne() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let m = try Modules(d)
        let signedFD = open(m.signedPath, O_RDONLY)
        defer { close(signedFD) }
        let c = try d.client()
        // #1 declares a descriptor but sends none; #2 carries the signed module's.
        let first = try c.send(.verify, [("fd", .bool(true))])
        let second = try c.send(.verify, [("fd", .bool(true))], passing: signedFD)
        // #3 is inline (declares none) and #4 carries a descriptor again.
        let tampered = try [UInt8](Data(contentsOf: URL(fileURLWithPath: m.tamperedPath)))
        let third = try c.send(.verify, body: tampered)
        let fourth = try c.send(.verify, [("fd", .bool(true))], passing: signedFD)
        let answers = try Self.answers(c, 4)
        let firstError = Self.error(answers[first])
        #expect(firstError == ProtocolError(.badRequest, ""))
        #expect(firstError?.message.contains("no descriptor came with the frame") == true)
        let secondVerdict = try Self.result(answers[second])
        #expect(secondVerdict.valid)
        #expect(secondVerdict["contentSha256"] == .string(m.signedDigest))
        let thirdVerdict = try Self.result(answers[third])
        #expect(!thirdVerdict.valid)
        #expect(thirdVerdict["contentSha256"] == .string(m.tamperedDigest))
        let fourthVerdict = try Self.result(answers[fourth])
        #expect(fourthVerdict.valid)
        #expect(fourthVerdict["contentSha256"] == .string(m.signedDigest))
    }

    @Test func declaredDescriptorMissingIsBadRequestAndTheConnectionGoesOn() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let c = try d.client()
        #expect(throws: ProtocolError(.badRequest, "")) { try c.call(.verify, [("fd", .bool(true))]) }
        #expect(try c.call(.verify, body: try d.signed(by: d.bob)).result.signers == ["bob"])
        #expect(d.process.isRunning)
    }

    @Test func descriptorSentInsideAFrameIsRefused() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let m = try Modules(d)
        let signedFD = open(m.signedPath, O_RDONLY)
        defer { close(signedFD) }
        let c = try d.client()
        // The frame's first bytes go without the descriptor, its body with it.
        let frame = Frame(
            header: Messages.request(id: 41, op: .verify, [("fd", .bool(true))]), body: [UInt8](repeating: 0, count: 16)
        )
        try c.sendRaw(frame.encodedPrefix())
        try c.sendRaw(frame.body, passing: signedFD)
        let next = try c.send(.verify, [("fd", .bool(true))], passing: signedFD)
        let answers = try Self.answers(c, 2)
        let refused = Self.error(answers[41])
        #expect(refused == ProtocolError(.badRequest, ""))
        #expect(refused?.message.contains("middle of a frame") == true, "\(String(describing: refused))")
        #expect(try Self.result(answers[next]).valid)
    }

    @Test func twoDescriptorsWithOneFrameAreBothClosed() throws {
        let d = try DaemonHarness()
        defer { d.cleanUp() }
        let m = try Modules(d)
        let c = try d.client()
        _ = try c.call(.status)
        let baseline = d.openDescriptors
        let fds = [open(m.signedPath, O_RDONLY), open(m.tamperedPath, O_RDONLY)]
        defer { for fd in fds { close(fd) } }
        let prefix = Frame(header: Messages.request(id: 7, op: .verify, [("fd", .bool(true))])).encodedPrefix()
        let sent = prefix.withUnsafeBytes { bytes in
            fds.withUnsafeBufferPointer {
                wsc_send_with_fds(c.socketDescriptor, bytes.baseAddress, bytes.count, $0.baseAddress, 2)
            }
        }
        #expect(sent == prefix.count)
        let refused = Self.error(try c.receive())
        #expect(refused == ProtocolError(.badRequest, ""))
        #expect(refused?.message.contains("more than one descriptor") == true, "\(String(describing: refused))")
        // Nine descriptors: more than a read can take; the frame is refused the same way.
        let many = (0..<9).map { _ in open(m.signedPath, O_RDONLY) }
        defer { for fd in many { close(fd) } }
        let prefix2 = Frame(header: Messages.request(id: 8, op: .verify, [("fd", .bool(true))])).encodedPrefix()
        let eight = prefix2.withUnsafeBytes { bytes in
            many.withUnsafeBufferPointer {
                wsc_send_with_fds(c.socketDescriptor, bytes.baseAddress, bytes.count, $0.baseAddress, 8)
            }
        }
        #expect(eight == prefix2.count)
        #expect(Self.error(try c.receive()) == ProtocolError(.badRequest, ""))
        // Every refused descriptor was closed: the daemon holds no more than before.
        #expect(try c.call(.status).result["server"] != nil)
        var after = d.openDescriptors
        for _ in 0..<50 where after > baseline {
            usleep(100_000)
            after = d.openDescriptors
        }
        #expect(after <= baseline, "descriptors: \(baseline) before, \(after) after")
    }
}
