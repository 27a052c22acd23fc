import Foundation
import Testing
import WSCCrypto
import WSCJSON

@testable import TUF

/// The attacks of sigstore-tuf.md section 6.1, each played against a client that has already refreshed once.
enum Attack: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case expiredRoot, expiredTimestamp, expiredSnapshot, expiredTargets
    case timestampRollback, snapshotRollbackInTimestamp, targetsRollbackInSnapshot, delegatedRoleRemoved
    case freezeReplayedTimestamp, mixAndMatchSnapshotVersion, mixAndMatchSnapshotHash, targetsHashMismatch
    case wrongTimestampSignature, wrongSnapshotSignature, wrongTargetsSignature, snapshotServedAsTimestamp
    case sameKeyTwiceForThreshold, rootWithoutOldSignature, rootWithoutNewSignature, rootSkipsVersion
    case rootThresholdRaisedOneSignature, oversizedTimestamp, oversizedRoot

    var testDescription: String { rawValue }

    /// The error the refresh must end with.
    var code: TUFError.Code {
        switch self {
        case .expiredRoot, .expiredTimestamp, .expiredSnapshot, .expiredTargets, .freezeReplayedTimestamp: .expired
        case .timestampRollback, .snapshotRollbackInTimestamp, .targetsRollbackInSnapshot, .delegatedRoleRemoved,
            .rootSkipsVersion:
            .rollback
        case .mixAndMatchSnapshotVersion: .mixAndMatch
        case .mixAndMatchSnapshotHash, .targetsHashMismatch: .lengthOrHashMismatch
        case .wrongTimestampSignature, .wrongSnapshotSignature, .wrongTargetsSignature, .rootWithoutOldSignature,
            .rootWithoutNewSignature, .rootThresholdRaisedOneSignature:
            .thresholdNotMet
        case .sameKeyTwiceForThreshold: .badSignatures
        case .snapshotServedAsTimestamp: .malformed
        case .oversizedTimestamp, .oversizedRoot: .tooLarge
        }
    }

    /// Files the spec lets change (roles verified before the attacked one); everything else stays byte-identical.
    var legitimatelyChanged: Set<String> {
        switch self {
        case .expiredSnapshot, .mixAndMatchSnapshotVersion, .mixAndMatchSnapshotHash, .wrongSnapshotSignature,
            .targetsRollbackInSnapshot, .delegatedRoleRemoved:
            ["timestamp.json"]
        case .expiredTargets, .targetsHashMismatch, .wrongTargetsSignature: ["timestamp.json", "snapshot.json"]
        default: []
        }
    }

    /// Changes the repository; returns the update time to use.
    func apply(_ repo: TestRepository) -> Int64 {
        func bump(_ roles: String...) { for r in roles { repo.versions[r]! += 1 } }
        switch self {
        case .expiredRoot:
            // No new root; the trusted one has expired by now.
            return TUFTime.parse("2200-01-02T00:00:00Z")!
        case .expiredTimestamp:
            bump("timestamp")
            repo.expires["timestamp"] = pastExpiry
            repo.publish()
        case .expiredSnapshot:
            bump("timestamp", "snapshot")
            repo.expires["snapshot"] = pastExpiry
            repo.publish()
        case .expiredTargets:
            bump("timestamp", "snapshot", "targets")
            repo.expires["targets"] = pastExpiry
            repo.publish()
        case .timestampRollback:
            repo.versions["timestamp"] = 1
            repo.publish()
        case .snapshotRollbackInTimestamp:
            bump("timestamp")
            repo.versions["snapshot"] = 1
            repo.publish()
        case .targetsRollbackInSnapshot:
            bump("timestamp", "snapshot")
            repo.versions["targets"] = 1
            repo.publish()
        case .delegatedRoleRemoved:
            bump("timestamp", "snapshot")
            repo.omitFromSnapshot = ["delegated"]
            repo.publish()
        case .freezeReplayedTimestamp:
            // The mirror keeps serving the same (valid when signed) timestamp after it expired.
            return TUFTime.parse("2100-01-01T00:00:00Z")!
        case .mixAndMatchSnapshotVersion:
            // The timestamp names snapshot 3 but the file served as 3.snapshot.json is the old snapshot 2.
            let old = repo.read("2.snapshot.json")
            repo.pinHashes = false
            bump("timestamp")
            repo.write("3.snapshot.json", old)
            repo.publishTimestamp(snapshotBytes: old, snapshotVersion: 3)
        case .mixAndMatchSnapshotHash:
            bump("timestamp", "snapshot")
            repo.publish()
            var bytes = repo.read("3.snapshot.json")
            bytes[bytes.count - 2] ^= 1  // same length, different bytes
            repo.write("3.snapshot.json", bytes)
        case .targetsHashMismatch:
            bump("timestamp", "snapshot", "targets")
            repo.publish()
            var bytes = repo.read("3.targets.json")
            bytes[bytes.count - 2] ^= 1  // same length, different bytes
            repo.write("3.targets.json", bytes)
        case .wrongTimestampSignature:
            bump("timestamp")
            repo.publish(signTimestamp: [TestKey()])
        case .wrongSnapshotSignature:
            bump("timestamp", "snapshot")
            repo.publish(signSnapshot: [TestKey()])
        case .wrongTargetsSignature:
            bump("timestamp", "snapshot", "targets")
            let real = repo.targetsKeys
            repo.targetsKeys = [TestKey()]
            repo.publish()
            repo.targetsKeys = real
        case .snapshotServedAsTimestamp:
            bump("timestamp", "snapshot")
            repo.publish()
            repo.write("timestamp.json", repo.read("3.snapshot.json"))
        case .sameKeyTwiceForThreshold:
            // Root 2 raises the threshold to 2 and is signed twice by the same key.
            bump("root")
            repo.rootThreshold = 2
            repo.rootKeys.append(TestKey())
            repo.publishRoot(signers: [repo.rootKeys[0], repo.rootKeys[0]])
        case .rootWithoutOldSignature:
            bump("root")
            repo.rootKeys = [TestKey()]
            repo.publishRoot()
        case .rootWithoutNewSignature:
            bump("root")
            let old = repo.rootKeys
            repo.rootKeys = [TestKey()]
            repo.publishRoot(signers: old)
        case .rootSkipsVersion:
            bump("root")
            repo.publishRoot(contentVersion: 3)
        case .rootThresholdRaisedOneSignature:
            bump("root")
            repo.rootThreshold = 2
            repo.rootKeys.append(TestKey())
            repo.publishRoot(signers: [repo.rootKeys[0]])
        case .oversizedTimestamp:
            repo.write("timestamp.json", [UInt8](repeating: 0x20, count: 1 << 20))
        case .oversizedRoot:
            repo.write("2.root.json", [UInt8](repeating: 0x20, count: 600 * 1024))
        }
        return testNow
    }
}

/// A repository with one delegated role, published and trusted by a client that refreshed once.
func trustedSetup() throws -> (TestRepository, String) {
    let repo = TestRepository()
    repo.expires["root"] = "2200-01-01T00:00:00Z"
    repo.delegations = [
        .init(name: "delegated", paths: ["apps/*"], terminating: false, targets: ["apps/a.wasm": [1, 2, 3]])
    ]
    repo.publishRoot()
    repo.publish()
    let client = makeTemporaryDirectory() + "/meta"
    try TUFClient.initialize(metadataDirectory: client, trustedRoot: repo.read("1.root.json"))
    let tuf = try TUFClient(metadataDirectory: client, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
    try tuf.refresh(now: testNow)
    _ = try tuf.targetInfo(name: "apps/a.wasm", now: testNow)
    return (repo, client)
}

@Suite struct AttackTests {
    @Test(arguments: Attack.allCases)
    func attackIsRefused(_ attack: Attack) throws {
        let (repo, directory) = try trustedSetup()
        let running = try TUFClient(
            metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
        try running.refresh(now: testNow)
        _ = try running.targetInfo(name: "apps/a.wasm", now: testNow)
        let before = directoryContents(directory)
        let now = attack.apply(repo)

        func check(_ client: TUFClient) {
            let error = #expect(throws: TUFError.self) { try client.refresh(now: now) }
            #expect(error?.code == attack.code, "\(error.map { "\($0)" } ?? "no error")")
            let after = directoryContents(directory)
            #expect(Set(after.keys) == Set(before.keys))
            for (name, bytes) in before where !attack.legitimatelyChanged.contains(name) {
                #expect(after[name] == bytes, "\(name) changed")
            }
        }
        // The long-running daemon's instance, then a fresh process that re-verifies the directory.
        check(running)
        check(try TUFClient(metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher()))
    }

    @Test func unchangedRefreshCostsOneTimestampFetchAndNothingElse() throws {
        let (repo, directory) = try trustedSetup()
        let client = try TUFClient(metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
        try client.refresh(now: testNow)
        let before = directoryContents(directory)
        let stats = try client.refresh(now: testNow)
        // 2.root.json (absent, spec 5.3.3) and timestamp.json; no verification, no write.
        #expect(stats.requests == 2)
        #expect(stats.signatureVerifications == 0)
        #expect(stats.filesWritten == 0)
        #expect(stats.bytesDownloaded == repo.read("timestamp.json").count)
        #expect(directoryContents(directory) == before)
    }

    @Test func acceptedUpdateAdvancesEveryRole() throws {
        let (repo, directory) = try trustedSetup()
        for role in ["timestamp", "snapshot", "targets", "delegated"] { repo.versions[role, default: 1] += 1 }
        repo.versions["root"] = 2
        repo.rootKeys.append(TestKey())
        repo.publishRoot(signers: repo.rootKeys)
        repo.publish()
        let client = try TUFClient(metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
        try client.refresh(now: testNow)
        #expect(client.rootVersion == 2)
        #expect(client.timestampVersion == 3)
        #expect(client.snapshotVersion == 3)
        #expect(client.targetsVersion == 3)
        #expect(try client.targetInfo(name: "apps/a.wasm", now: testNow).length == 3)
        #expect(directoryContents(directory)["delegated.json"] == Data(repo.read("2.delegated.json")))
    }

    @Test(arguments: ["timestamp", "snapshot"])
    func fastForwardRecoveryAfterKeyRotation(_ rotated: String) throws {
        let (repo, directory) = try trustedSetup()
        // An attacker (holding the old online key) had pushed versions far ahead; the keys are rotated and
        // the repository starts again from version 1.
        repo.versions["timestamp"] = 100
        repo.versions["snapshot"] = 100
        repo.publish()
        let client = try TUFClient(metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
        try client.refresh(now: testNow)
        #expect(client.timestampVersion == 100)
        repo.versions["root"] = 2
        repo.timestampKeys = [TestKey()]
        if rotated == "snapshot" { repo.snapshotKeys = [TestKey()] }
        repo.publishRoot()
        repo.versions["timestamp"] = 1
        repo.versions["snapshot"] = rotated == "snapshot" ? 1 : 100
        repo.publish()
        try client.refresh(now: testNow)
        #expect(client.timestampVersion == 1)
        #expect(client.rootVersion == 2)
        let fresh = try TUFClient(metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
        try fresh.refresh(now: testNow)
        #expect(fresh.timestampVersion == 1)
    }

    @Test func rootRotationAcrossSeveralVersions() throws {
        let (repo, directory) = try trustedSetup()
        for _ in 0..<3 {
            let old = repo.rootKeys
            repo.versions["root"]! += 1
            repo.rootKeys = [TestKey()]
            repo.publishRoot(signers: old + repo.rootKeys)
        }
        let client = try TUFClient(metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
        try client.refresh(now: testNow)
        #expect(client.rootVersion == 4)
    }

    @Test func initialRootMustBeSelfSigned() throws {
        let repo = TestRepository()
        let bad = repo.rootBytes(signers: [TestKey()])
        let directory = makeTemporaryDirectory() + "/meta"
        #expect(throws: TUFError(.thresholdNotMet, "")) {
            try TUFClient.initialize(metadataDirectory: directory, trustedRoot: bad)
        }
        #expect(throws: TUFError(.malformed, "")) {
            try TUFClient.initialize(metadataDirectory: directory, trustedRoot: Array("{\"signed\":{}}".utf8))
        }
    }

    @Test func tamperedLocalFilesAreNotTrusted() throws {
        let (repo, directory) = try trustedSetup()
        // A local root that no longer verifies makes every refresh fail with no request.
        var root = Array(FileManager.default.contents(atPath: directory + "/root.json")!)
        root[root.count / 2] ^= 1
        _ = FileManager.default.createFile(atPath: directory + "/root.json", contents: Data(root))
        #expect(throws: TUFError.self) {
            _ = try TUFClient(metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
        }
    }
}

/// Attacks on the target search and download.
enum TargetAttack: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case substitutedContent, substitutedLength, unknownHashAlgorithm, pathNotDelegated, terminatingDelegation
    case delegationNotInSnapshot, wildcardDoesNotMatchSlash

    var testDescription: String { rawValue }

    var code: TUFError.Code {
        switch self {
        case .substitutedContent, .substitutedLength, .unknownHashAlgorithm: .lengthOrHashMismatch
        case .pathNotDelegated, .terminatingDelegation, .delegationNotInSnapshot, .wildcardDoesNotMatchSlash: .notFound
        }
    }
}

@Suite struct TargetTests {
    func client(_ repo: TestRepository) throws -> TUFClient {
        let directory = makeTemporaryDirectory() + "/meta"
        try TUFClient.initialize(metadataDirectory: directory, trustedRoot: repo.read("1.root.json"))
        return try TUFClient(metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher())
    }

    @Test(arguments: TargetAttack.allCases)
    func targetAttackIsRefused(_ attack: TargetAttack) throws {
        let repo = TestRepository()
        var name = "apps/a.wasm"
        let content: [UInt8] = [0, 0x61, 0x73, 0x6d]
        repo.delegations = [.init(name: "apps", paths: ["apps/*"], terminating: false, targets: [name: content])]
        switch attack {
        case .substitutedContent, .substitutedLength: break
        case .unknownHashAlgorithm: repo.hashOverride[name] = ["sha3-256": String(repeating: "0", count: 64)]
        case .pathNotDelegated:
            repo.delegations[0].paths = ["docs/*"]
        case .terminatingDelegation:
            repo.delegations.insert(.init(name: "first", paths: ["apps/*"], terminating: true, targets: [:]), at: 0)
        case .delegationNotInSnapshot: repo.omitFromSnapshot = ["apps"]
        case .wildcardDoesNotMatchSlash:
            repo.delegations[0].paths = ["*"]
            repo.delegations[0].targets = ["apps/a.wasm": content]
            name = "apps/a.wasm"
        }
        repo.publishRoot()
        repo.publish()
        let hash = Hex.encode(Digest.sha256(content))
        switch attack {
        case .substitutedContent:
            _ = FileManager.default.createFile(
                atPath: "\(repo.targetsDirectory)/apps/\(hash).a.wasm", contents: Data([1, 0x61, 0x73, 0x6d]))
        case .substitutedLength:
            _ = FileManager.default.createFile(
                atPath: "\(repo.targetsDirectory)/apps/\(hash).a.wasm", contents: Data(content.dropLast()))
        default: break
        }
        let tuf = try client(repo)
        let output = makeTemporaryDirectory()
        let error = #expect(throws: TUFError.self) {
            try tuf.downloadTarget(name: name, targetBaseURL: repo.targetsDirectory, directory: output, now: testNow)
        }
        #expect(error?.code == attack.code, "\(error.map { "\($0)" } ?? "no error")")
        #expect(directoryContents(output).isEmpty)
    }

    @Test func terminatingDelegationStopsTheSearchOnlyWhenTerminating() throws {
        let repo = TestRepository()
        repo.delegations = [
            .init(name: "first", paths: ["apps/*"], terminating: false, targets: [:]),
            .init(name: "second", paths: ["apps/*.wasm"], terminating: false, targets: ["apps/a.wasm": [7]]),
        ]
        repo.publishRoot()
        repo.publish()
        let tuf = try client(repo)
        let output = makeTemporaryDirectory()
        let path = try tuf.downloadTarget(
            name: "apps/a.wasm", targetBaseURL: "file://" + repo.targetsDirectory, directory: output, now: testNow)
        #expect(FileManager.default.contents(atPath: path) == Data([7]))
        // Second download: the verified local copy is used, nothing is fetched.
        try tuf.downloadTarget(
            name: "apps/a.wasm", targetBaseURL: repo.targetsDirectory, directory: output, now: testNow)
        #expect(tuf.statistics.requests == 0)
    }

    @Test(arguments: [
        ("*", "a", true), ("*", "a/b", false), ("a/*", "a/b", true), ("a/?", "a/bc", false), ("a/?c", "a/bc", true),
        ("A/*", "a/b", false), ("*.wasm", "x.wasm", true), ("*.wasm", "x.wasmx", false), ("[ab]*", "b1", true),
        ("[!ab]*", "b1", false), ("releases/*/*.zip", "releases/z/z_v1.zip", true), ("", "", true),
    ])
    func pathPatterns(_ pattern: String, _ path: String, _ expected: Bool) {
        #expect(PathPattern.matches(pattern: pattern, path: path) == expected)
    }
}
