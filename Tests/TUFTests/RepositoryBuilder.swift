import Foundation
import WSCCrypto
import WSCJSON

@testable import TUF

func object(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(try! JSONObject(pairs)) }
func text(_ value: String) -> JSONValue { .string(value) }
func int(_ value: Int) -> JSONValue { .integer(Int64(value)) }

/// A TUF signing key (Ed25519, ECDSA P-256, or RSA-PSS) with its key object and keyid.
struct TestKey {
    let json: JSONValue
    let id: String
    private let signer: ([UInt8]) -> [UInt8]

    init(ecdsa: Bool = false) {
        if ecdsa {
            let privateKey = try! PrivateKey.generate(.ecdsaP256)
            json = object([
                ("keytype", text("ecdsa")), ("keyval", object([("public", text(privateKey.publicKey.pem))])),
                ("scheme", text("ecdsa-sha2-nistp256")),
            ])
            signer = { try! privateKey.sign($0) }
        } else {
            let privateKey = try! PrivateKey.generate(.ed25519)
            json = object([
                ("keytype", text("ed25519")),
                ("keyval", object([("public", text(Hex.encode(privateKey.publicKey.ed25519Raw!)))])),
                ("scheme", text("ed25519")),
            ])
            signer = { try! privateKey.sign($0) }
        }
        id = Hex.encode(Digest.sha256(try! CanonicalJSON.encode(json)))
    }

    /// An RSA-2048 key signing RSASSA-PSS with SHA-256, made and used by the `openssl` command (WSCCrypto only
    /// verifies RSA), in `directory`.
    init(rsaPSSIn directory: String) throws {
        let keyPath = directory + "/rsa-\(UUID().uuidString).pem"
        try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", keyPath])
        let publicPEM = String(decoding: try openssl(["pkey", "-in", keyPath, "-pubout"]), as: UTF8.self)
        json = object([
            ("keytype", text("rsa")), ("keyval", object([("public", text(publicPEM))])),
            ("scheme", text("rsassa-pss-sha256")),
        ])
        id = Hex.encode(Digest.sha256(try! CanonicalJSON.encode(json)))
        signer = { message in
            let input = directory + "/message-\(UUID().uuidString)"
            try! Data(message).write(to: URL(fileURLWithPath: input))
            defer { try? FileManager.default.removeItem(atPath: input) }
            return try! openssl([
                "dgst", "-sha256", "-sign", keyPath, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                "-binary", input,
            ])
        }
    }

    func sign(_ canonical: [UInt8]) -> JSONValue {
        object([("keyid", text(id)), ("sig", text(Hex.encode(signer(canonical))))])
    }
}

/// Runs the `openssl` command and returns its standard output; throws if it fails.
@discardableResult
func openssl(_ arguments: [String]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments) failed"])
    }
    return Array(data)
}

let farFuture = "2100-01-01T00:00:00Z"
/// The update time the tests use.
let testNow = TUFTime.parse("2030-01-01T00:00:00Z")!
let pastExpiry = "2029-12-31T00:00:00Z"

func makeTemporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "tuf-test-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Builds a consistent-snapshot TUF repository on disk, with Ed25519 keys, the way a repository tool would.
final class TestRepository {
    struct Delegation {
        var name: String
        var paths: [String]
        var terminating: Bool
        var targets: [String: [UInt8]]
    }

    let base: String
    var metadata: String { base + "/metadata" }
    var targetsDirectory: String { base + "/targets" }

    var rootKeys = [TestKey()]
    var rootThreshold = 1
    var timestampKeys = [TestKey()]
    var snapshotKeys = [TestKey()]
    var targetsKeys = [TestKey()]
    let delegateKey = TestKey()
    var versions: [String: Int] = ["root": 1, "timestamp": 2, "snapshot": 2, "targets": 2]
    var expires: [String: String] = [:]
    var targets: [String: [UInt8]] = ["file.txt": Array("hello\n".utf8)]
    var delegations: [Delegation] = []
    /// Whether the timestamp and snapshot pin length and hashes of what they name.
    var pinHashes = true
    /// Roles left out of the snapshot.
    var omitFromSnapshot: Set<String> = []
    /// Extra hash entries per target (e.g. an unknown algorithm).
    var hashOverride: [String: [String: String]] = [:]

    init() {
        base = makeTemporaryDirectory()
        try! FileManager.default.createDirectory(atPath: metadata, withIntermediateDirectories: true)
        try! FileManager.default.createDirectory(atPath: targetsDirectory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    func envelope(_ signed: JSONValue, _ keys: [TestKey]) -> [UInt8] {
        let canonical = try! CanonicalJSON.encode(signed)
        return JSONWriter.encode(object([("signatures", .array(keys.map { $0.sign(canonical) })), ("signed", signed)]))
    }

    func common(_ type: String, version: Int) -> [(String, JSONValue)] {
        [
            ("_type", text(type)), ("expires", text(expires[type] ?? farFuture)), ("spec_version", text("1.0.31")),
            ("version", int(version)),
        ]
    }

    func role(_ keys: [TestKey], _ threshold: Int) -> JSONValue {
        object([("keyids", .array(keys.map { text($0.id) })), ("threshold", int(threshold))])
    }

    func rootBytes(version: Int? = nil, signers: [TestKey]? = nil) -> [UInt8] {
        var keys: [(String, JSONValue)] = []
        for key in rootKeys + timestampKeys + snapshotKeys + targetsKeys where !keys.contains(where: { $0.0 == key.id })
        {
            keys.append((key.id, key.json))
        }
        let signed = object(
            common("root", version: version ?? versions["root"]!) + [
                ("consistent_snapshot", .bool(true)), ("keys", object(keys)),
                (
                    "roles",
                    object([
                        ("root", role(rootKeys, rootThreshold)), ("snapshot", role(snapshotKeys, 1)),
                        ("targets", role(targetsKeys, 1)), ("timestamp", role(timestampKeys, 1)),
                    ])
                ),
            ])
        return envelope(signed, signers ?? rootKeys)
    }

    /// Writes `N.root.json` for the current root version.
    func publishRoot(signers: [TestKey]? = nil, contentVersion: Int? = nil) {
        write("\(versions["root"]!).root.json", rootBytes(version: contentVersion, signers: signers))
    }

    func targetsEntries(_ files: [String: [UInt8]]) -> JSONValue {
        object(
            files.map { name, content in
                let hashes =
                    hashOverride[name]
                    ?? ["sha256": Hex.encode(Digest.sha256(content))]
                return (
                    name,
                    object([
                        ("hashes", object(hashes.map { ($0.key, text($0.value)) })), ("length", int(content.count)),
                    ])
                )
            })
    }

    func writeTarget(_ name: String, _ content: [UInt8]) {
        let hash = Hex.encode(Digest.sha256(content))
        let path: String
        if let slash = name.lastIndex(of: "/") {
            let dir = targetsDirectory + "/" + name[..<slash]
            try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            path = "\(dir)/\(hash).\(name[name.index(after: slash)...])"
        } else {
            path = "\(targetsDirectory)/\(hash).\(name)"
        }
        _ = FileManager.default.createFile(atPath: path, contents: Data(content))
    }

    /// Writes targets, delegated roles, snapshot and timestamp for the current versions.
    func publish(signSnapshot: [TestKey]? = nil, signTimestamp: [TestKey]? = nil) {
        var fields = common("targets", version: versions["targets"]!) + [("targets", targetsEntries(targets))]
        if !delegations.isEmpty {
            let roles = delegations.map {
                object([
                    ("keyids", .array([text(delegateKey.id)])), ("name", text($0.name)),
                    ("paths", .array($0.paths.map(text))), ("terminating", .bool($0.terminating)),
                    ("threshold", int(1)),
                ])
            }
            fields.append(
                (
                    "delegations",
                    object([("keys", object([(delegateKey.id, delegateKey.json)])), ("roles", .array(roles))])
                ))
        }
        var meta: [String: [UInt8]] = [:]
        meta["targets"] = envelope(object(fields), targetsKeys)
        for delegation in delegations {
            let version = versions[delegation.name] ?? 1
            var f = common("targets", version: version) + [("targets", targetsEntries(delegation.targets))]
            f[0] = ("_type", text("targets"))
            f[1] = ("expires", text(expires[delegation.name] ?? farFuture))
            meta[delegation.name] = envelope(object(f), [delegateKey])
            for (name, content) in delegation.targets { writeTarget(name, content) }
        }
        for (name, content) in targets { writeTarget(name, content) }
        var snapshotMeta: [(String, JSONValue)] = []
        for (name, bytes) in meta {
            let version = versions[name] ?? 1
            write("\(version).\(percentEncode(name)).json", bytes)
            if omitFromSnapshot.contains(name) { continue }
            snapshotMeta.append(("\(name).json", metaFile(version, bytes)))
        }
        let snapshot = envelope(
            object(common("snapshot", version: versions["snapshot"]!) + [("meta", object(snapshotMeta))]),
            signSnapshot ?? snapshotKeys)
        write("\(versions["snapshot"]!).snapshot.json", snapshot)
        publishTimestamp(snapshotBytes: snapshot, signers: signTimestamp)
    }

    func publishTimestamp(snapshotBytes: [UInt8], snapshotVersion: Int? = nil, signers: [TestKey]? = nil) {
        let meta = metaFile(snapshotVersion ?? versions["snapshot"]!, snapshotBytes)
        let signed = object(
            common("timestamp", version: versions["timestamp"]!) + [("meta", object([("snapshot.json", meta)]))])
        write("timestamp.json", envelope(signed, signers ?? timestampKeys))
    }

    func metaFile(_ version: Int, _ bytes: [UInt8]) -> JSONValue {
        guard pinHashes else { return object([("version", int(version))]) }
        return object([
            ("hashes", object([("sha256", text(Hex.encode(Digest.sha256(bytes))))])), ("length", int(bytes.count)),
            ("version", int(version)),
        ])
    }

    func read(_ file: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: "\(metadata)/\(file)")!)
    }

    func write(_ file: String, _ bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: "\(metadata)/\(file)", contents: Data(bytes))
    }
}

/// Every file in `directory` with its bytes.
func directoryContents(_ directory: String) -> [String: Data] {
    var out: [String: Data] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
        out[name] = FileManager.default.contents(atPath: "\(directory)/\(name)")
    }
    return out
}
