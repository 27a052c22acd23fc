/// Who is on the other end of a connection, from SO_PEERCRED (the kernel's word, not the client's).
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// Process id.
    public let pid: Int32
    /// User id.
    public let uid: UInt32
    /// Primary group id.
    public let gid: UInt32

    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }
}
