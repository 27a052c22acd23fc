import Foundation
import Testing

@testable import TUF

let realRepositories = "/work/shared/vectors/tuf-real-repositories"

/// A Python HTTP server on 127.0.0.1 with an ephemeral port, stopped when the value is released.
final class PythonServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    /// `script` must print the port on its first line of output, unbuffered.
    init(script: String, arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let text = String(data: line, encoding: .utf8),
            let port = Int(text.split(separator: "\n").first?.trimmingCharacters(in: .whitespaces) ?? "")
        else {
            kill(process.processIdentifier, SIGKILL)
            throw TUFError(.fetchFailed, "the test HTTP server did not start")
        }
        self.port = port
    }

    /// Serves `directory` as `python3 -m http.server` does.
    convenience init(directory: String) throws {
        try self.init(
            script: """
                import functools, http.server, sys
                handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
                handler.log_message = lambda *a: None
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
                print(server.server_address[1], flush=True)
                server.serve_forever()
                """, arguments: [directory])
    }

    deinit {
        // SIGKILL: the test runner blocks SIGTERM, and a child inherits the blocked mask.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct RealRepository: CustomTestStringConvertible, Sendable {
    let name: String
    var testDescription: String { name }
    var path: String { "\(realRepositories)/\(name)" }
    var targetPath: String {
        String(decoding: FileManager.default.contents(atPath: "\(path)/targetpath")!, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    var now: Int64 {
        let text = String(decoding: FileManager.default.contents(atPath: "\(path)/faketime")!, as: UTF8.self)
        return TUFTime.parse(text.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    static let all = [RealRepository(name: "sigstore-root-signing"), RealRepository(name: "tuf-on-ci-0.11")]
}

enum Transport: String, CaseIterable, Sendable {
    case http, fileURL, directory
}

@Suite(.serialized) struct RealRepositoryTests {
    @Test(arguments: RealRepository.all, Transport.allCases)
    func initRefreshDownload(_ repository: RealRepository, _ transport: Transport) throws {
        var server: PythonServer? = nil
        let base: String
        let fetcher: any Fetcher
        switch transport {
        case .http:
            server = try PythonServer(directory: repository.path)
            base = "http://127.0.0.1:\(server!.port)"
            fetcher = CurlFetcher()
        case .fileURL:
            base = "file://" + repository.path
            fetcher = CurlFetcher()
        case .directory:
            base = repository.path
            fetcher = FileFetcher()
        }
        defer { withExtendedLifetime(server) {} }
        let work = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let metadataDirectory = work + "/metadata"
        let root = FileManager.default.contents(atPath: repository.path + "/initial_root.json")!
        try TUFClient.initialize(metadataDirectory: metadataDirectory, trustedRoot: Array(root))
        let client = try TUFClient(
            metadataDirectory: metadataDirectory, metadataBaseURL: base + "/metadata/", fetcher: fetcher)
        try client.refresh(now: repository.now)
        let path = try client.downloadTarget(
            name: repository.targetPath, targetBaseURL: base + "/targets/", directory: work + "/targets",
            now: repository.now)
        let downloaded = FileManager.default.contents(atPath: path)!
        if repository.name == "sigstore-root-signing" {
            #expect(repository.targetPath == "trusted_root.json")
            #expect(path.hasSuffix("/trusted_root.json"))
            let json = try JSONSerialization.jsonObject(with: downloaded) as? [String: Any]
            #expect(json?["mediaType"] as? String == "application/vnd.dev.sigstore.trustedroot+json;version=0.1")
            #expect(client.snapshotVersion == 159)
            #expect(client.timestampVersion == 272)
        }
        // Trusted files hold the exact bytes served.
        let served = FileManager.default.contents(atPath: repository.path + "/metadata/timestamp.json")
        #expect(FileManager.default.contents(atPath: metadataDirectory + "/timestamp.json") == served)

        // Nothing changed: a second refresh verifies nothing and writes nothing.
        let stats = try client.refresh(now: repository.now)
        #expect(stats.signatureVerifications == 0)
        #expect(stats.filesWritten == 0)
        #expect(stats.requests == 2)

        // A later start re-verifies the directory and reaches the same state.
        let again = try TUFClient(
            metadataDirectory: metadataDirectory, metadataBaseURL: base + "/metadata/", fetcher: fetcher)
        try again.refresh(now: repository.now)
        #expect(again.timestampVersion == client.timestampVersion)

        // The same repository, one day after the trusted timestamp/root expired, refuses to update.
        let expired = try TUFClient(
            metadataDirectory: metadataDirectory, metadataBaseURL: base + "/metadata/", fetcher: fetcher)
        #expect(throws: TUFError(.expired, "")) { try expired.refresh(now: Int64(4_102_444_800)) }
    }

    @Test func curlMapsStatusesAndEnforcesLimits() throws {
        let server = try PythonServer(
            script: """
                import http.server
                class H(http.server.BaseHTTPRequestHandler):
                    def log_message(self, *a): pass
                    def do_GET(self):
                        if self.path == "/endless":
                            self.send_response(200); self.end_headers()
                            try:
                                while True: self.wfile.write(b" " * 65536)
                            except Exception: return
                        if self.path == "/small":
                            self.send_response(200); self.send_header("Content-Length", "5"); self.end_headers()
                            self.wfile.write(b"hello"); return
                        if self.path == "/redirect":
                            self.send_response(302); self.send_header("Location", "/small"); self.end_headers(); return
                        self.send_response(404 if self.path == "/missing" else 500); self.end_headers()
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
                print(server.server_address[1], flush=True)
                server.serve_forever()
                """)
        let base = "http://127.0.0.1:\(server.port)"
        let curl = CurlFetcher()
        #expect(try curl.fetch(url: base + "/small", maximumLength: 5) == Array("hello".utf8))
        #expect(throws: TUFError(.tooLarge, "")) { try curl.fetch(url: base + "/small", maximumLength: 4) }
        #expect(throws: TUFError(.tooLarge, "")) { try curl.fetch(url: base + "/endless", maximumLength: 16384) }
        #expect(throws: TUFError(.notFound, "")) { try curl.fetch(url: base + "/missing", maximumLength: 10) }
        let error = #expect(throws: TUFError.self) { try curl.fetch(url: base + "/fail", maximumLength: 10) }
        #expect(error?.code == .fetchFailed)
        #expect(error?.reason.contains("500") == true)
        #expect(throws: TUFError(.fetchFailed, "")) { try curl.fetch(url: base + "/redirect", maximumLength: 10) }
        #expect(throws: TUFError(.fetchFailed, "")) { try curl.fetch(url: "ftp://127.0.0.1/x", maximumLength: 10) }
        withExtendedLifetime(server) {}
    }

    @Test func fileFetcherEnforcesLimitsOnEndlessFiles() throws {
        let fetcher = FileFetcher()
        #expect(throws: TUFError(.tooLarge, "")) { try fetcher.fetch(url: "/dev/zero", maximumLength: 16384) }
        #expect(throws: TUFError(.notFound, "")) { try fetcher.fetch(url: "/nonexistent/x", maximumLength: 1) }
        #expect(throws: TUFError(.fetchFailed, "")) { try fetcher.fetch(url: "relative/x", maximumLength: 1) }
    }
}
