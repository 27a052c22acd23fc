import Foundation
import Synchronization
import Testing
import WSCCrypto
import WSCJSON

@testable import TUF

/// Records every URL fetched, then reads from disk.
final class RecordingFetcher: Fetcher {
    let urls = Mutex<[String]>([])

    func fetch(url: String, maximumLength: Int) throws -> [UInt8] {
        urls.withLock { $0.append(url) }
        return try FileFetcher().fetch(url: url, maximumLength: maximumLength)
    }

    var names: [String] { urls.withLock { $0.map { String($0.split(separator: "/").last ?? "") } } }
}

/// What a client must accept (sigstore-tuf.md section 6.1, "Must accept").
@Suite struct AcceptanceTests {
    func client(_ repo: TestRepository, fetcher: any Fetcher = FileFetcher(), limits: TUFLimits = TUFLimits()) throws
        -> TUFClient
    {
        let directory = makeTemporaryDirectory() + "/meta"
        try TUFClient.initialize(metadataDirectory: directory, trustedRoot: repo.read("1.root.json"))
        return try TUFClient(
            metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: fetcher, limits: limits)
    }

    @Test func delegationsAreSearchedPreOrderDepthFirstOncePerRole() throws {
        // targets -> A, B; A -> C, D (as in test_graph_traversal); C delegates back to A (a cycle).
        let repo = TestRepository()
        repo.delegations = [
            .init(name: "A", paths: ["*"], terminating: false, targets: [:]),
            .init(name: "B", paths: ["*"], terminating: false, targets: [:]),
        ]
        repo.publishRoot()
        repo.publish()
        // Re-sign A with its own delegations to C and D, and C with a delegation back to A.
        func delegating(_ name: String, to children: [String]) {
            let roles = children.map {
                object([
                    ("keyids", .array([text(repo.delegateKey.id)])), ("name", text($0)), ("paths", .array([text("*")])),
                    ("terminating", .bool(false)), ("threshold", int(1)),
                ])
            }
            let signed = object(
                repo.common("targets", version: 1) + [
                    (
                        "delegations",
                        object([
                            ("keys", object([(repo.delegateKey.id, repo.delegateKey.json)])), ("roles", .array(roles)),
                        ])
                    ),
                    ("targets", object([])),
                ])
            repo.write("1.\(name).json", repo.envelope(signed, [repo.delegateKey]))
        }
        delegating("A", to: ["C", "D"])
        delegating("C", to: ["A"])
        delegating("D", to: [])
        // Snapshot listing every role, without hashes (the files were rewritten).
        repo.pinHashes = false
        let meta = ["targets", "A", "B", "C", "D"].map {
            ("\($0).json", object([("version", int($0 == "targets" ? 2 : 1))]))
        }
        repo.versions["snapshot"] = 3
        repo.versions["timestamp"] = 3
        let snapshot = repo.envelope(
            object(repo.common("snapshot", version: 3) + [("meta", object(meta))]), repo.snapshotKeys)
        repo.write("3.snapshot.json", snapshot)
        repo.publishTimestamp(snapshotBytes: snapshot)
        let fetcher = RecordingFetcher()
        let tuf = try client(repo, fetcher: fetcher)
        #expect(throws: TUFError(.notFound, "")) { try tuf.targetInfo(name: "missing", now: testNow) }
        #expect(
            fetcher.names == [
                "2.root.json", "timestamp.json", "3.snapshot.json", "2.targets.json", "1.A.json", "1.C.json",
                "1.D.json", "1.B.json",
            ])
    }

    @Test func succinctHashBins() throws {
        let repo = TestRepository()
        repo.publishRoot()
        repo.publish()
        let targets = try TargetsMetadata(
            bytes: repo.envelope(
                object(
                    repo.common("targets", version: 2) + [
                        (
                            "delegations",
                            object([
                                ("keys", object([(repo.delegateKey.id, repo.delegateKey.json)])),
                                (
                                    "succinct_roles",
                                    object([
                                        ("bit_length", int(8)), ("keyids", .array([text(repo.delegateKey.id)])),
                                        ("name_prefix", text("bin")), ("threshold", int(1)),
                                    ])
                                ),
                            ])
                        ),
                        ("targets", object([])),
                    ]), repo.targetsKeys), name: "targets")
        let expected = "bin-" + Hex.encode(Array(Digest.sha256(Array("a.wasm".utf8)).prefix(1)))
        #expect(targets.delegatedRoles(for: "a.wasm").map(\.name) == [expected])
    }

    @Test func extraInvalidSignaturesCustomFieldsAndECDSAKeysAreAccepted() throws {
        let repo = TestRepository()
        repo.timestampKeys = [TestKey(ecdsa: true)]
        repo.publishRoot()
        repo.publish()
        // Add an empty signature and an unknown key's signature to the timestamp: still valid.
        var envelope = try JSONParser.parse(repo.read("timestamp.json")).asObject("")
        var signatures = try envelope.require("signatures", "").asArray("")
        signatures.append(object([("keyid", text(String(repeating: "ab", count: 32))), ("sig", text(""))]))
        signatures.append(TestKey().sign([1, 2, 3]))
        envelope = try JSONObject(
            envelope.members.map { ($0.key, $0.key == "signatures" ? .array(signatures) : $0.value) })
        repo.write("timestamp.json", JSONWriter.encode(.object(envelope)))
        let tuf = try client(repo)
        try tuf.refresh(now: testNow)
        #expect(tuf.timestampVersion == 2)
    }

    /// RSASSA-PSS keys (as python-tuf and Sigstore's repositories can use), for a top-level role and as a
    /// threshold member of root; a PSS signature over other bytes does not count.
    @Test func rsaPSSKeysSignRolesAndCountTowardsThresholds() throws {
        let repo = TestRepository()
        let rsa = try TestKey(rsaPSSIn: repo.base)
        repo.snapshotKeys = [rsa]
        repo.publishRoot()
        repo.publish()
        let tuf = try client(repo)
        try tuf.refresh(now: testNow)
        #expect(tuf.snapshotVersion == 2)

        // Root version 2 needs two of {ed25519, rsa}; the RSA key's signature is one of them.
        let rsaRoot = try TestKey(rsaPSSIn: repo.base)
        repo.rootKeys.append(rsaRoot)
        repo.rootThreshold = 2
        repo.versions["root"] = 2
        repo.publishRoot()
        try tuf.refresh(now: testNow)
        #expect(tuf.rootVersion == 2)

        // A snapshot signed by the RSA key over different bytes is refused, and nothing is replaced.
        repo.pinHashes = false  // so that the signature, not the timestamp's hash, is what fails
        repo.versions["snapshot"] = 3
        repo.versions["timestamp"] = 3
        repo.publish()
        var envelope = try JSONParser.parse(repo.read("3.snapshot.json")).asObject("")
        envelope = try JSONObject(
            envelope.members.map { ($0.key, $0.key == "signatures" ? .array([rsa.sign([1, 2, 3])]) : $0.value) })
        repo.write("3.snapshot.json", JSONWriter.encode(.object(envelope)))
        let error = #expect(throws: TUFError.self) { try tuf.refresh(now: testNow) }
        #expect(error?.code == .thresholdNotMet)
        #expect(tuf.snapshotVersion == 2)
    }

    @Test func expiredLocalRootStillUpdates() throws {
        let repo = TestRepository()
        repo.expires["root"] = pastExpiry
        repo.publishRoot()
        repo.publish()
        let tuf = try client(repo)
        #expect(throws: TUFError(.expired, "")) { try tuf.refresh(now: testNow) }
        repo.expires["root"] = farFuture
        repo.versions["root"] = 2
        repo.publishRoot()
        try tuf.refresh(now: testNow)
        #expect(tuf.rootVersion == 2)
    }

    @Test func rootRotationsPerRefreshAreBounded() throws {
        let repo = TestRepository()
        repo.publishRoot()
        repo.publish()
        for _ in 0..<4 {
            repo.versions["root"]! += 1
            repo.publishRoot()
        }
        var limits = TUFLimits()
        limits.maximumRootRotations = 2
        let tuf = try client(repo, limits: limits)
        try tuf.refresh(now: testNow)
        #expect(tuf.rootVersion == 3)
        try tuf.refresh(now: testNow)
        #expect(tuf.rootVersion == 5)
    }

    @Test(arguments: ["?", "#", "/delegatedrole", "../delegatedrole", "a b"])
    func unusualRoleNamesArePercentEncoded(_ name: String) throws {
        let repo = TestRepository()
        repo.delegations = [.init(name: name, paths: ["*"], terminating: false, targets: ["t": [1]])]
        repo.publishRoot()
        repo.publish()
        let fetcher = RecordingFetcher()
        let tuf = try client(repo, fetcher: fetcher)
        #expect(try tuf.targetInfo(name: "t", now: testNow).length == 1)
        let encoded = percentEncode(name)
        #expect(!encoded.contains("/") && !encoded.contains("?") && !encoded.contains("#"))
        #expect(fetcher.names.last == "1.\(encoded).json")
        #expect(FileManager.default.fileExists(atPath: tuf.metadataDirectory + "/\(encoded).json"))
    }

    @Test(arguments: [
        ("{\"signed\":{\"_type\":\"root\"},\"signatures\":[]}", TUFError.Code.malformed),
        ("[]", .malformed), ("{\"signed\":1,\"signatures\":[]}", .malformed), ("not json", .malformed),
    ])
    func malformedMetadataIsRejected(_ json: String, _ code: TUFError.Code) {
        let error = #expect(throws: TUFError.self) { try RootMetadata(bytes: Array(json.utf8)) }
        #expect(error?.code == code)
    }

    @Test func duplicateKeyIDsInARoleAreRejected() throws {
        let repo = TestRepository()
        repo.rootKeys = [repo.rootKeys[0], repo.rootKeys[0]]
        let bytes = repo.rootBytes(signers: [repo.rootKeys[0]])
        let error = #expect(throws: TUFError.self) { try RootMetadata(bytes: bytes) }
        #expect(error?.code == .malformed)
    }
}
