// tuf-bench: writes a TUF repository, then times wsc's TUF client against it over a URL.
//   tuf-bench write DIR            writes DIR/repo (root v1..v4, three rotations) and DIR/root-v1.json, DIR/root-v4.json
//   tuf-bench run DIR BASEURL      refresh costs, printed as `key value` lines
import Foundation
import TUF
import WSCCrypto
import WSCJSON

func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

func keyObject(_ key: PrivateKey) throws -> JSONValue {
    .object(
        try JSONObject([
            ("keytype", .string("ed25519")), ("scheme", .string("ed25519")),
            ("keyval", .object(try JSONObject([("public", .string(hex(key.publicKey.ed25519Raw!)))]))),
        ]))
}

func keyID(_ key: PrivateKey) throws -> String { hex(Digest.sha256(try CanonicalJSON.encode(try keyObject(key)))) }

func signed(_ document: JSONValue, by keys: [PrivateKey]) throws -> [UInt8] {
    let message = try CanonicalJSON.encode(document)
    let signatures = try keys.map { key in
        JSONValue.object(
            try JSONObject([("keyid", .string(try keyID(key))), ("sig", .string(hex(try key.sign(message))))]))
    }
    return JSONWriter.encode(
        .object(try JSONObject([("signed", document), ("signatures", .array(signatures))])), pretty: true)
}

let expires = JSONValue.string("2099-01-01T00:00:00Z")

func root(version: Int64, rootKey: PrivateKey, online: PrivateKey) throws -> JSONValue {
    func role(_ k: PrivateKey) throws -> JSONValue {
        .object(try JSONObject([("keyids", .array([.string(try keyID(k))])), ("threshold", .integer(1))]))
    }
    return .object(
        try JSONObject([
            ("_type", .string("root")), ("spec_version", .string("1.0.31")), ("version", .integer(version)),
            ("expires", expires), ("consistent_snapshot", .bool(false)),
            (
                "keys",
                .object(
                    try JSONObject([
                        (try keyID(rootKey), try keyObject(rootKey)), (try keyID(online), try keyObject(online)),
                    ]))
            ),
            (
                "roles",
                .object(
                    try JSONObject([
                        ("root", try role(rootKey)), ("timestamp", try role(online)), ("snapshot", try role(online)),
                        ("targets", try role(online)),
                    ]))
            ),
        ]))
}

func write(_ path: String, _ bytes: [UInt8]) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func writeRepository(_ dir: String) throws {
    let repo = dir + "/repo/metadata"
    let online = try PrivateKey.generate(.ed25519)
    var rootKeys = [try PrivateKey.generate(.ed25519)]
    let v1 = try signed(try root(version: 1, rootKey: rootKeys[0], online: online), by: [rootKeys[0]])
    try write(repo + "/1.root.json", v1)
    try write(dir + "/root-v1.json", v1)
    for version in 2...4 {
        // Each new root is signed by the previous root key and its own new key.
        let next = try PrivateKey.generate(.ed25519)
        let document = try root(version: Int64(version), rootKey: next, online: online)
        let bytes = try signed(document, by: [rootKeys.last!, next])
        try write(repo + "/\(version).root.json", bytes)
        rootKeys.append(next)
        if version == 4 { try write(dir + "/root-v4.json", bytes) }
    }
    let target = Array("trusted material\n".utf8)
    try write(dir + "/repo/targets/trusted_root.json", target)
    func common(_ type: String) -> [(String, JSONValue)] {
        [("_type", .string(type)), ("spec_version", .string("1.0.31")), ("version", .integer(1)), ("expires", expires)]
    }
    let targets = JSONValue.object(
        try JSONObject(
            common("targets") + [
                (
                    "targets",
                    .object(
                        try JSONObject([
                            (
                                "trusted_root.json",
                                .object(
                                    try JSONObject([
                                        ("length", .integer(Int64(target.count))),
                                        (
                                            "hashes",
                                            .object(try JSONObject([("sha256", .string(hex(Digest.sha256(target))))]))
                                        ),
                                    ]))
                            )
                        ]))
                )
            ]))
    try write(repo + "/targets.json", try signed(targets, by: [online]))
    let meta = { (name: String) throws -> JSONValue in
        .object(try JSONObject([(name, .object(try JSONObject([("version", .integer(1))])))]))
    }
    try write(
        repo + "/snapshot.json",
        try signed(.object(try JSONObject(common("snapshot") + [("meta", try meta("targets.json"))])), by: [online]))
    try write(
        repo + "/timestamp.json",
        try signed(.object(try JSONObject(common("timestamp") + [("meta", try meta("snapshot.json"))])), by: [online]))
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func run(_ dir: String, _ baseURL: String) throws {
    let t = TUFTime.now()
    // Three root rotations: a client pinned at root v1 refreshes once (fresh metadata directory each time).
    var rotationTimes: [Double] = []
    var rotationStats = TUFStatistics()
    for i in 0..<10 {
        let mdir = dir + "/client-rot-\(i)"
        try? FileManager.default.removeItem(atPath: mdir)
        try FileManager.default.createDirectory(atPath: mdir, withIntermediateDirectories: true)
        try TUFClient.initialize(
            metadataDirectory: mdir,
            trustedRoot: Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/root-v1.json"))))
        let client = try TUFClient(metadataDirectory: mdir, metadataBaseURL: baseURL, fetcher: CurlFetcher())
        let t0 = now()
        rotationStats = try client.refresh(now: t)
        rotationTimes.append(now() - t0)
        precondition(client.rootVersion == 4)
    }
    // An unchanged refresh on a long-lived client (what wscd's timer does).
    let mdir = dir + "/client-steady"
    try? FileManager.default.removeItem(atPath: mdir)
    try FileManager.default.createDirectory(atPath: mdir, withIntermediateDirectories: true)
    try TUFClient.initialize(
        metadataDirectory: mdir, trustedRoot: Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/root-v4.json"))))
    let client = try TUFClient(metadataDirectory: mdir, metadataBaseURL: baseURL, fetcher: CurlFetcher())
    let first = try client.refresh(now: t)
    var steadyTimes: [Double] = []
    var steady = TUFStatistics()
    for _ in 0..<50 {
        let t0 = now()
        steady = try client.refresh(now: t)
        steadyTimes.append(now() - t0)
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    print("rotation_ms \(String(format: "%.2f", median(rotationTimes) * 1000))")
    print("rotation_requests \(rotationStats.requests)")
    print("rotation_bytes \(rotationStats.bytesDownloaded)")
    print("rotation_signatures \(rotationStats.signatureVerifications)")
    print("rotation_writes \(rotationStats.filesWritten)")
    print("first_refresh_requests \(first.requests)")
    print("unchanged_ms \(String(format: "%.3f", median(steadyTimes) * 1000))")
    print("unchanged_requests \(steady.requests)")
    print("unchanged_bytes \(steady.bytesDownloaded)")
    print("unchanged_signatures \(steady.signatureVerifications)")
    print("unchanged_writes \(steady.filesWritten)")
}

let args = CommandLine.arguments
if args.count == 3, args[1] == "write" {
    try writeRepository(args[2])
} else if args.count == 4, args[1] == "run" {
    try run(args[2], args[3])
} else {
    FileHandle.standardError.write(Data("usage: tuf-bench write DIR | tuf-bench run DIR BASEURL\n".utf8))
    exit(2)
}
