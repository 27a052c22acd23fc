import Foundation
import WSCCrypto
import WSCJSON

/// A small TUF repository written by the test (one Ed25519 key for every role, no consistent snapshots), enough for
/// wscd's refresh to be exercised end to end against real files.
final class TinyTUFRepository {
    let directory: String
    let key: PrivateKey
    let keyID: String
    var version: Int64 = 0

    init(directory: String) throws {
        self.directory = directory
        key = try PrivateKey.generate(.ed25519)
        let keyObject = try Self.keyObject(key)
        keyID = Self.hex(Digest.sha256(try CanonicalJSON.encode(keyObject)))
        for sub in ["metadata", "targets"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        try write("metadata/1.root.json", try signed(rootSigned()))
        try write("metadata/root.json", try signed(rootSigned()))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func keyObject(_ key: PrivateKey) throws -> JSONValue {
        .object(
            try JSONObject([
                ("keytype", .string("ed25519")), ("scheme", .string("ed25519")),
                ("keyval", .object(try JSONObject([("public", .string(hex(key.publicKey.ed25519Raw!)))]))),
            ]))
    }

    static let expires = JSONValue.string("2099-01-01T00:00:00Z")

    func rootSigned() throws -> JSONValue {
        let role = JSONValue.object(try JSONObject([("keyids", .array([.string(keyID)])), ("threshold", .integer(1))]))
        return .object(
            try JSONObject([
                ("_type", .string("root")), ("spec_version", .string("1.0.31")), ("version", .integer(1)),
                ("expires", Self.expires), ("consistent_snapshot", .bool(false)),
                ("keys", .object(try JSONObject([(keyID, try Self.keyObject(key))]))),
                (
                    "roles",
                    .object(
                        try JSONObject([("root", role), ("timestamp", role), ("snapshot", role), ("targets", role)]))
                ),
            ]))
    }

    /// The root metadata a client pins (the whole signed document).
    var rootDocument: JSONValue {
        get throws {
            try JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: directory + "/metadata/root.json"))))
        }
    }

    func signed(_ document: JSONValue) throws -> [UInt8] {
        let signature = try key.sign(try CanonicalJSON.encode(document))
        let envelope = JSONValue.object(
            try JSONObject([
                ("signed", document),
                (
                    "signatures",
                    .array([
                        .object(try JSONObject([("keyid", .string(keyID)), ("sig", .string(Self.hex(signature)))]))
                    ])
                ),
            ]))
        return JSONWriter.encode(envelope, pretty: true)
    }

    func write(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + path))
    }

    /// Publishes `targets` as a new version of targets, snapshot and timestamp.
    func publish(_ targets: [String: [UInt8]]) throws {
        version += 1
        let targetEntries = try targets.map { name, bytes -> (String, JSONValue) in
            try write("targets/" + name, bytes)
            return (
                name,
                .object(
                    try JSONObject([
                        ("length", .integer(Int64(bytes.count))),
                        ("hashes", .object(try JSONObject([("sha256", .string(Self.hex(Digest.sha256(bytes))))]))),
                    ]))
            )
        }
        func common(_ type: String) -> [(String, JSONValue)] {
            [
                ("_type", .string(type)), ("spec_version", .string("1.0.31")), ("version", .integer(version)),
                ("expires", Self.expires),
            ]
        }
        try write(
            "metadata/targets.json",
            try signed(
                .object(try JSONObject(common("targets") + [("targets", .object(try JSONObject(targetEntries)))]))))
        let meta = { (name: String) throws -> JSONValue in
            .object(try JSONObject([(name, .object(try JSONObject([("version", .integer(self.version))])))]))
        }
        try write(
            "metadata/snapshot.json",
            try signed(.object(try JSONObject(common("snapshot") + [("meta", try meta("targets.json"))]))))
        try write(
            "metadata/timestamp.json",
            try signed(.object(try JSONObject(common("timestamp") + [("meta", try meta("snapshot.json"))]))))
    }
}
