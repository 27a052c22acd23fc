import Foundation
import Testing

@testable import TUF

/// `wscctl tuf` with the argv tuf-conformance sends: global options before the command word.
@Suite(.serialized) struct CLITests {
    static var wscctl: String {
        let me =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("wscctl").path
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.wscctl)
        process.arguments = ["tuf"] + arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: CLITests.wscctl)))
    func conformanceCommandLine() throws {
        let repo = RealRepository.all[0]
        let work = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let meta = work + "/meta"
        let time = ["--time", "2025-02-09 12:02:08+00:00"]
        #expect(try run(["--metadata-dir", meta, "init", repo.path + "/initial_root.json"]).status == 0)
        #expect(
            try run(["--metadata-url", "file://\(repo.path)/metadata/", "--metadata-dir", meta, "refresh"] + time)
                .status == 0)
        let download = [
            "--metadata-url", "file://\(repo.path)/metadata/", "--metadata-dir", meta, "--target-name",
            "trusted_root.json", "--target-dir", work + "/t", "--target-base-url", "file://\(repo.path)/targets/",
        ]
        #expect(try run(download + time + ["download"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: work + "/t/trusted_root.json"))
        // Failures: exactly 1, with a reason on stderr.
        let expired = try run(
            ["--metadata-url", "file://\(repo.path)/metadata/", "--metadata-dir", meta, "refresh"] + [
                "--time", "2030-01-01T00:00:00Z",
            ])
        #expect(expired.status == 1)
        #expect(expired.stderr.contains("expired"))
        #expect(try run(download + time + ["--target-name", "missing", "download"]).status == 1)
        #expect(
            try run(["--metadata-dir", work + "/none", "--metadata-url", "file:///nonexistent/", "refresh"]).status == 1
        )
        #expect(try run(["--metadata-dir", meta, "init", "/nonexistent.json"]).status == 1)
        #expect(try run(["bogus"]).status == 1)
        #expect(try run(["--no-such-option", "refresh"]).status == 1)
        #expect(try run(["refresh"]).status == 1)
    }
}
