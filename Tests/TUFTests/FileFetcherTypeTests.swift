import Foundation
import Testing

@testable import TUF

@Suite struct FileFetcherTypeTests {
    /// A FIFO in a repository copy is refused at once (the open is non-blocking), as a directory is.
    @Test func fifoAndDirectoryAreRefused() throws {
        let directory = NSTemporaryDirectory() + "wsc-tuf-fifo-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory + "/dir", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(mkfifo(directory + "/root.json", 0o600) == 0)
        for path in [directory + "/root.json", directory + "/dir"] {
            let error = try #require(throws: TUFError.self) { try FileFetcher().fetch(url: path, maximumLength: 64) }
            #expect(error.code == .notFound)
            #expect(error.reason == "\(path) is not a file")
        }
    }
}
