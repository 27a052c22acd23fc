import Foundation
import Sigstore
import Testing
import WSCCrypto

/// Every case folder of the sigstore-conformance offline bundle-verification suite.
enum Conformance {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/vectors/sigstore-conformance")

    static let defaultIdentity =
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"
        + "extremely-dangerous-oidc-beacon.yml@refs/heads/main"
    static let defaultIssuer = "https://token.actions.githubusercontent.com"

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(
                atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }()

    /// Cases this verifier does not get right yet, each with what is missing.
    static let knownFailures: Set<String> = []

    static func text(_ url: URL) -> String? {
        (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func run(_ name: String) throws -> SigstoreVerdict {
        let folder = directory.appendingPathComponent(name)
        let rootURL = folder.appendingPathComponent("trusted_root.json")
        let rootPath =
            FileManager.default.fileExists(atPath: rootURL.path)
            ? rootURL : directory.appendingPathComponent("../sigstore-prod/trusted_root.json")
        let root = try TrustedRoot(json: Array(try Data(contentsOf: rootPath)))
        let artifactURL = folder.appendingPathComponent("artifact")
        let artifact = Array(
            try Data(
                contentsOf: FileManager.default.fileExists(atPath: artifactURL.path)
                    ? artifactURL : directory.appendingPathComponent("a.txt")))
        let bundle = Array(try Data(contentsOf: folder.appendingPathComponent("bundle.sigstore.json")))
        let policy: VerificationPolicy
        if let keyPEM = text(folder.appendingPathComponent("key.pub")) {
            policy = .managedKey(try PublicKey(pem: keyPEM))
        } else {
            policy = .identity(
                text(folder.appendingPathComponent("identity")) ?? defaultIdentity,
                issuer: text(folder.appendingPathComponent("issuer")) ?? defaultIssuer)
        }
        return try SigstoreVerifier(trustedRoot: root).verify(
            bundle: bundle, artifact: .bytes(artifact), policy: policy)
    }
}

@Suite struct ConformanceTests {
    @Test func suiteIsPresent() {
        #expect(Conformance.cases.count >= 50, "conformance folder: \(Conformance.directory.path)")
    }

    @Test(arguments: Conformance.cases)
    func bundleVerify(_ name: String) throws {
        let check = {
            if name.hasSuffix("_fail") {
                #expect(throws: (any Error).self, "\(name) must be rejected") { _ = try Conformance.run(name) }
            } else {
                do {
                    _ = try Conformance.run(name)
                } catch {
                    Issue.record("\(name) must verify: \(error)")
                }
            }
        }
        if Conformance.knownFailures.contains(name) {
            withKnownIssue { check() }
        } else {
            check()
        }
    }
}
