import WSCJSON

/// One protocol frame: a JSON header and a raw binary body.
///
/// Wire layout (all integers big-endian):
/// `u32 length` (of everything after it) ‖ `u32 headerLength` ‖ header (UTF-8 JSON object) ‖ body.
public struct Frame: Sendable {
    /// The header object.
    public var header: JSONObject
    /// The body bytes (module, signature, bundle), never Base64.
    public var body: [UInt8]

    /// The largest header accepted (64 KiB): headers are small by design.
    public static let maximumHeaderLength = 64 * 1024
    /// The protocol versions this implementation speaks.
    public static let supportedVersions: [Int64] = [1]

    /// Creates a frame.
    public init(header: JSONObject, body: [UInt8] = []) {
        self.header = header
        self.body = body
    }

    /// The length field and header of the encoded frame; the body follows them on the wire.
    public func encodedPrefix() -> [UInt8] {
        let headerBytes = JSONWriter.encode(.object(header))
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count)
        Frame.appendU32(UInt32(4 + headerBytes.count + body.count), to: &out)
        Frame.appendU32(UInt32(headerBytes.count), to: &out)
        out += headerBytes
        return out
    }

    /// The encoded frame.
    public func encoded() -> [UInt8] {
        let headerBytes = JSONWriter.encode(.object(header))
        let length = 4 + headerBytes.count + body.count
        var out: [UInt8] = []
        out.reserveCapacity(4 + length)
        Frame.appendU32(UInt32(length), to: &out)
        Frame.appendU32(UInt32(headerBytes.count), to: &out)
        out += headerBytes
        out += body
        return out
    }

    static func appendU32(_ v: UInt32, to out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    static func readU32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    /// Parses a frame's content (everything after the length field).
    public static func decode(content: UnsafeRawBufferPointer) throws -> Frame {
        guard content.count >= 4 else {
            throw ProtocolError(.badFrame, "the frame is shorter than its header length field")
        }
        let headerLength = Int(readU32(content, at: 0))
        guard headerLength <= maximumHeaderLength else {
            throw ProtocolError(
                .badFrame, "the header is \(headerLength) bytes, above the limit of \(maximumHeaderLength)")
        }
        guard headerLength <= content.count - 4 else {
            throw ProtocolError(.badFrame, "the header length \(headerLength) runs past the end of the frame")
        }
        let header = try decodeHeader(UnsafeRawBufferPointer(rebasing: content[4..<4 + headerLength]))
        return Frame(header: header, body: Array(UnsafeRawBufferPointer(rebasing: content[(4 + headerLength)...])))
    }

    /// Parses a header's bytes (at most ``maximumHeaderLength``) as a JSON object.
    public static func decodeHeader(_ bytes: UnsafeRawBufferPointer) throws -> JSONObject {
        var limits = JSONLimits()
        limits.maximumBytes = maximumHeaderLength
        limits.maximumDepth = 8
        do {
            return try JSONParser.parse(Array(bytes), limits: limits).asObject("header")
        } catch let error as JSONError {
            throw ProtocolError(.badFrame, "the header is not a JSON object: \(error.reason)")
        }
    }
}

/// Cuts a byte stream into frames, checking each length against the maximum before buffering it. Bytes can be
/// received straight into its buffer (``fill(atLeast:_:)``), which grows once to the size of the frame being read,
/// so a large module is copied only from the kernel into this buffer and from here into the frame's body.
///
/// Not thread-safe: one decoder belongs to one connection.
public final class FrameDecoder {
    /// The largest frame accepted (length field value).
    public let maximumFrameLength: Int
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0

    static let initialCapacity = 64 * 1024
    /// Above this, an emptied buffer is released rather than kept for the next frame.
    static let retainedCapacity = 4 << 20

    /// Creates a decoder.
    public init(maximumFrameLength: Int) {
        self.maximumFrameLength = maximumFrameLength
        capacity = FrameDecoder.initialCapacity
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Bytes received but not yet part of a complete frame.
    public var pendingByteCount: Int { end - start }

    private func ensureTail(_ needed: Int) {
        if capacity - end >= needed { return }
        if start > 0 {
            storage.copyMemory(from: storage + start, byteCount: end - start)
            end -= start
            start = 0
        }
        if capacity - end >= needed { return }
        let newCapacity = max(capacity * 2, end + needed)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        grown.copyMemory(from: storage, byteCount: end)
        storage.deallocate()
        storage = grown
        capacity = newCapacity
    }

    /// Appends received bytes.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        ensureTail(bytes.count)
        (storage + end).copyMemory(from: base, byteCount: bytes.count)
        end += bytes.count
    }

    /// Lets `read` write received bytes straight into the buffer: at least `minimum` bytes of room are offered,
    /// or room for the rest of the frame being read when its length is known (and within the maximum).
    /// `read` returns how many bytes it wrote (≤ 0: none); that value is returned.
    public func fill(atLeast minimum: Int, _ read: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        var wanted = minimum
        if end - start >= 4 {
            let length = Int(Frame.readU32(UnsafeRawBufferPointer(start: storage + start, count: 4), at: 0))
            if length <= maximumFrameLength { wanted = max(minimum, 4 + length - (end - start)) }
        }
        ensureTail(wanted)
        let n = read(UnsafeMutableRawBufferPointer(start: storage + end, count: capacity - end))
        if n > 0 { end += n }
        return n
    }

    /// The frame the next received byte belongs to (after any complete frames not yet taken with ``next()``):
    /// how many of its bytes are already here, and how many it still lacks once its length field is complete
    /// (`nil` before that, or when the announced length is not acceptable, which ``next()`` reports).
    /// A reader that never asks for more than `missing` bytes never receives two frames in one read.
    public var frameBeingReceived: (received: Int, missing: Int?) {
        var position = start
        while end - position >= 4 {
            let length = Int(Frame.readU32(UnsafeRawBufferPointer(start: storage + position, count: 4), at: 0))
            guard length >= 4, length <= maximumFrameLength else { return (end - position, nil) }
            if end - position < 4 + length { return (end - position, 4 + length - (end - position)) }
            position += 4 + length
        }
        return (end - position, nil)
    }

    /// Calls `body` with the frame being received once its header has fully arrived: the header bytes, the body's
    /// announced length, and the body bytes received so far (the pointers are valid only during the call).
    /// Returns `nil` without calling `body` while the header is incomplete or the length is not acceptable.
    public func withFrameInProgress<R>(
        _ body: (_ header: UnsafeRawBufferPointer, _ bodyLength: Int, _ receivedBody: UnsafeRawBufferPointer) -> R
    ) -> R? {
        let available = end - start
        guard available >= 8 else { return nil }
        let base = UnsafeRawBufferPointer(start: storage + start, count: available)
        let length = Int(Frame.readU32(base, at: 0))
        let headerLength = Int(Frame.readU32(base, at: 4))
        guard length <= maximumFrameLength, headerLength <= Frame.maximumHeaderLength, 4 + headerLength <= length,
            available >= 8 + headerLength
        else { return nil }
        let bodyStart = 8 + headerLength
        let received = min(available, 4 + length) - bodyStart
        return body(
            UnsafeRawBufferPointer(rebasing: base[8..<bodyStart]), length - 4 - headerLength,
            UnsafeRawBufferPointer(rebasing: base[bodyStart..<bodyStart + received]))
    }

    /// The next complete frame, `nil` if more bytes are needed; throws when a length is over the limit or a frame
    /// is malformed (the connection must then be closed).
    public func next() throws -> Frame? {
        let available = end - start
        guard available >= 4 else { return nil }
        let length = Int(Frame.readU32(UnsafeRawBufferPointer(start: storage + start, count: 4), at: 0))
        guard length <= maximumFrameLength else {
            throw ProtocolError(
                .frameTooLarge, "a frame of \(length) bytes was announced; the limit is \(maximumFrameLength) bytes")
        }
        guard length >= 4 else {
            throw ProtocolError(.badFrame, "a frame of \(length) bytes cannot hold its header length")
        }
        guard available >= 4 + length else { return nil }
        let frame = try Frame.decode(content: UnsafeRawBufferPointer(start: storage + start + 4, count: length))
        start += 4 + length
        if start == end {
            start = 0
            end = 0
            if capacity > FrameDecoder.retainedCapacity {
                // Do not keep a large buffer for an idle connection.
                storage.deallocate()
                capacity = FrameDecoder.initialCapacity
                storage = .allocate(byteCount: capacity, alignment: 16)
            }
        }
        return frame
    }
}
