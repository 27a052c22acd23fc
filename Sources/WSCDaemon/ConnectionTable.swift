import WSCProtocol

/// The open connections, how many each peer uid holds, and who may open one more. Guarded by the server's mutex.
struct ConnectionTable {
    private(set) var connections: [ObjectIdentifier: Connection] = [:]
    private var perUID: [UInt32: Int] = [:]

    var count: Int { connections.count }

    /// Adds `connection` if its uid and the server have room, else says which limit refused it. Peers that may
    /// rotate may also take the reserved connections, so an administrator gets in while others fill the server.
    mutating func admit(_ connection: Connection, mayRotate: Bool, limits: Server.Limits) -> ProtocolError? {
        let uid = connection.peer.uid
        let held = perUID[uid, default: 0]
        if held >= limits.maxConnectionsPerUID {
            return ProtocolError(
                .tooManyConnections,
                "uid \(uid) already has \(held) connections open, the most one uid may hold ([server] "
                    + "max_connections_per_uid); close some before opening more, or raise the limit in wscd.toml")
        }
        let ceiling = mayRotate ? limits.maxConnections : limits.maxConnections - limits.reservedConnections
        if connections.count >= ceiling {
            return ProtocolError(
                .tooManyConnections,
                mayRotate
                    ? "wscd has all its \(limits.maxConnections) connections open ([server] max_connections); "
                        + "retry later, or raise max_connections in wscd.toml"
                    : "wscd has \(connections.count) connections open, all it allows peers that may not rotate "
                        + "(max_connections = \(limits.maxConnections), of which reserved_connections = "
                        + "\(limits.reservedConnections) are kept for administrators); retry later, or raise "
                        + "max_connections in wscd.toml")
        }
        connections[ObjectIdentifier(connection)] = connection
        perUID[uid] = held + 1
        return nil
    }

    /// Removes `connection`; `false` if it was not in the table.
    mutating func remove(_ connection: Connection) -> Bool {
        guard connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return false }
        let uid = connection.peer.uid
        let held = perUID[uid, default: 1] - 1
        perUID[uid] = held > 0 ? held : nil
        return true
    }
}
