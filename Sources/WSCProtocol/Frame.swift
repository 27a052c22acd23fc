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
        var limits = JSONLimits()
        limits.maximumBytes = maximumHeaderLength
        limits.maximumDepth = 8
        let header: JSONObject
        do {
            header = try JSONParser.parse(Array(content[4..<4 + headerLength]), limits: limits).asObject("header")
        } catch let error as JSONError {
            throw ProtocolError(.badFrame, "the header is not a JSON object: \(error.reason)")
        }
        return Frame(header: header, body: Array(content[(4 + headerLength)...]))
    }
}

/// Cuts a byte stream into frames, checking each length against the maximum before buffering it.
public struct FrameDecoder: Sendable {
    /// The largest frame accepted (length field value).
    public let maximumFrameLength: Int
    private var buffer: [UInt8] = []
    private var start = 0

    /// Creates a decoder.
    public init(maximumFrameLength: Int) { self.maximumFrameLength = maximumFrameLength }

    /// Bytes received but not yet part of a complete frame.
    public var pendingByteCount: Int { buffer.count - start }

    /// Appends received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, `nil` if more bytes are needed; throws when a length is over the limit or a frame
    /// is malformed (the connection must then be closed).
    public mutating func next() throws -> Frame? {
        let available = buffer.count - start
        guard available >= 4 else { return nil }
        let length = buffer.withUnsafeBytes { Int(Frame.readU32($0, at: start)) }
        guard length <= maximumFrameLength else {
            throw ProtocolError(
                .frameTooLarge, "a frame of \(length) bytes was announced; the limit is \(maximumFrameLength) bytes")
        }
        guard length >= 4 else {
            throw ProtocolError(.badFrame, "a frame of \(length) bytes cannot hold its header length")
        }
        guard available >= 4 + length else { return nil }
        let frame = try buffer.withUnsafeBytes { all in
            try Frame.decode(content: UnsafeRawBufferPointer(rebasing: all[(start + 4)..<(start + 4 + length)]))
        }
        start += 4 + length
        // Compact once the consumed prefix dominates, so the buffer does not grow without bound.
        if start > 1 << 20, start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        return frame
    }
}
