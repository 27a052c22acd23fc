import Foundation
import Testing
import WSCClient
import WSCJSON
import WSCProtocol

/// Large frames draw on a shared budget of buffered bytes: peers that announce large frames and stall hold at
/// most the budget, small and medium requests from others are answered meanwhile, and a large one waits for
/// room instead of failing. The harness's read timeout is 2 s.
@Suite(.serialized) struct BufferBudgetTests {
    @Test func stalledLargeFramesHoldOnlyTheBudgetWhileOthersAreAnswered() throws {
        // 20 MiB: one 12 MiB frame fits, two do not.
        let d = try DaemonHarness(extraServer: "max_buffered_bytes = 20971520")
        defer { d.cleanUp() }
        // Two peers announce 12 MiB frames, send their first 16 KiB, and stall.
        let holders = try (0..<2).map { _ in try d.client() }
        for holder in holders {
            let prefix = Frame(
                header: Messages.request(id: 1, op: .verify), body: [UInt8](repeating: 0, count: 12 << 20)
            ).encodedPrefix()
            try holder.sendRaw(prefix + [UInt8](repeating: 0, count: 16 << 10))
        }
        let c = try d.client()
        // One stalled frame holds its bytes; the other waits, unread, for room.
        var buffered = try Self.buffered(c)
        for _ in 0..<200 where buffered.waiting != 1 {
            usleep(10_000)
            buffered = try Self.buffered(c)
        }
        #expect(buffered.waiting == 1)
        #expect(buffered.used > 12 << 20 - 65536 && buffered.used <= 12 << 20)
        #expect(buffered.limit == 20 << 20)
        // Small and medium verifies fit beside one held frame.
        #expect(try c.call(.verify, body: try d.signed(by: d.alice)).result.valid)
        let medium = try d.signed(by: d.bob, padding: 3 << 20)
        for _ in 0..<8 {
            // Eight times 3 MiB is more than the budget: each answer gives its bytes back.
            #expect(try c.call(.verify, body: medium).result.signers == ["bob"])
        }
        // A large one waits until a stalled frame's read timeout frees the budget, then is answered.
        let large = try d.signed(by: d.alice, padding: 12 << 20 - 4096)
        #expect(try c.call(.verify, body: large).result.signers == ["alice"])
        // Each stalled holder is told why (`timeout`), then closed.
        for holder in holders {
            #expect(throws: ProtocolError(.timeout, "")) { try Messages.result(of: try holder.receive().header) }
            #expect(throws: ProtocolError(.connectionClosed, "")) { try holder.receive() }
        }
        // Every byte taken was given back.
        buffered = try Self.buffered(c)
        for _ in 0..<200 where buffered.used != 0 {
            usleep(10_000)
            buffered = try Self.buffered(c)
        }
        #expect(buffered.used == 0)
        #expect(buffered.waiting == 0)
        #expect(d.process.isRunning)
    }

    /// `status`'s bufferedBytes.
    static func buffered(_ c: WSCClient) throws -> (used: Int64, limit: Int64, waiting: Int64) {
        guard case .object(let b) = try c.call(.status).result["bufferedBytes"] ?? .null,
            case .integer(let used) = b["used"] ?? .null, case .integer(let limit) = b["limit"] ?? .null,
            case .integer(let waiting) = b["waiting"] ?? .null
        else { throw HarnessError("status has no bufferedBytes") }
        return (used, limit, waiting)
    }
}
