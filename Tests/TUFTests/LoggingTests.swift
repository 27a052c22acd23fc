import InMemoryLogging
import Logging
import Testing

@testable import TUF

/// What the client reports through the logger it is given (issue 14: swift-log injected into TUF).
@Suite struct LoggingTests {
    /// A published repository and a client of it logging at `level` into the returned handler.
    func loggingClient(_ level: Logger.Level) throws -> (TestRepository, TUFClient, InMemoryLogHandler) {
        let repo = TestRepository()
        repo.publishRoot()
        repo.publish()
        let directory = makeTemporaryDirectory() + "/meta"
        try TUFClient.initialize(metadataDirectory: directory, trustedRoot: repo.read("1.root.json"))
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test.tuf") { _ in handler }
        logger.logLevel = level
        let client = try TUFClient(
            metadataDirectory: directory, metadataBaseURL: repo.metadata, fetcher: FileFetcher(), logger: logger)
        return (repo, client, handler)
    }

    @Test func refreshLogsEachNewVersionAndRootRotation() throws {
        let (repo, client, handler) = try loggingClient(.info)
        try client.refresh(now: testNow)
        let first = handler.entries.map { "\($0.message)" }
        let v = repo.versions
        #expect(
            first == [
                "TUF timestamp version \(v["timestamp"]!)", "TUF snapshot version \(v["snapshot"]!)",
                "TUF targets role targets version \(v["targets"]!)",
            ])
        #expect(handler.entries.allSatisfy { $0.level == .info })
        #expect(handler.entries[1].metadata["tuf_role"] == "snapshot")

        // A second refresh with nothing new logs nothing at info.
        handler.clear()
        try client.refresh(now: testNow)
        #expect(handler.entries.isEmpty)

        // A root rotation is a notice, with the version.
        repo.versions["root"] = 2
        repo.publishRoot()
        try client.refresh(now: testNow)
        let rotation = try #require(handler.entries.first)
        #expect(rotation.level == .notice)
        #expect("\(rotation.message)" == "TUF root rotated to version 2")
        #expect(rotation.metadata["tuf_version"] == "2")
    }

    @Test func requestsAreLoggedAtDebugOnly() throws {
        let (repo, client, handler) = try loggingClient(.debug)
        try client.refresh(now: testNow)
        let fetched = handler.entries.filter { $0.level == .debug && "\($0.message)".hasPrefix("TUF fetched ") }
        // 2.root.json (absent: not logged as fetched), timestamp, snapshot, targets.
        #expect(fetched.count == 3)
        #expect(fetched.allSatisfy { $0.metadata["url"].map { "\($0)".hasPrefix(repo.metadata) } == true })
        let failed = handler.entries.filter { "\($0.message)".hasPrefix("TUF fetch of ") }
        #expect(failed.count == 1)
        #expect(failed.first.map { "\($0.message)".contains("2.root.json") } == true)
    }

    /// Repository URLs reach the logs without credentials: user information, query and fragment are dropped.
    @Test(arguments: [
        ("https://user:token@mirror.example/tuf/metadata/", "https://mirror.example/tuf/metadata/"),
        ("https://mirror.example/tuf/1.root.json?X-Amz-Signature=abc#frag", "https://mirror.example/tuf/1.root.json"),
        ("https://a@b@mirror.example/x", "https://mirror.example/x"),
        ("https://mirror.example/path/with@at", "https://mirror.example/path/with@at"),
        ("/srv/tuf/metadata/timestamp.json", "/srv/tuf/metadata/timestamp.json"),
        ("file:///srv/tuf/", "file:///srv/tuf/"),
    ])
    func urlsAreLoggedWithoutCredentials(_ url: String, _ logged: String) {
        #expect(TUFClient.redacted(url) == logged)
    }
}

/// Fetch errors, which wscd logs at warning level, name the URL without its credentials.
@Test func fetchErrorsNameTheURLWithoutCredentials() throws {
    let url = "https://user:secret-token@127.0.0.1:9/tuf/metadata/timestamp.json?sig=abc"
    do {
        _ = try CurlFetcher(connectTimeout: 2, totalTimeout: 4).fetch(url: url, maximumLength: 1024)
        Issue.record("a fetch from a closed port succeeded")
    } catch let error as TUFError {
        #expect(!error.description.contains("secret-token"), "\(error)")
        #expect(!error.description.contains("sig=abc"), "\(error)")
        #expect(error.description.contains("https://127.0.0.1:9/tuf/metadata/timestamp.json"), "\(error)")
    }
}
