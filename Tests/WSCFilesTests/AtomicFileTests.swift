import Foundation
import Testing
import WSCFiles

@Suite struct AtomicFileTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "wsc-atomic-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    @Test func writesReadsAndReplaces() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/file"
        #expect(try AtomicFile.read(path, limit: 16) == nil)
        try AtomicFile.write(path, [1, 2, 3], mode: 0o600)
        #expect(try AtomicFile.read(path, limit: 3) == [1, 2, 3])
        try AtomicFile.write(path, [4], mode: 0o640)
        #expect(try AtomicFile.read(path, limit: 3) == [4])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["file"])
    }

    @Test func boundedRead() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFile.write(directory + "/big", [UInt8](repeating: 7, count: 100))
        #expect(throws: FileError(.tooLarge, "")) { try AtomicFile.read(directory + "/big", limit: 99) }
        #expect(throws: FileError(.notRegularFile, "")) { try AtomicFile.read(directory, limit: 99) }
    }

    @Test func failuresNameTheFile() throws {
        let path = "/nonexistent-\(UInt32.random(in: 0...UInt32.max))/file"
        do {
            try AtomicFile.write(path, [1])
            Issue.record("a write into a missing directory succeeded")
        } catch let error as FileError {
            #expect(error.code == .io)
            #expect(error.reason.contains(path))
            #expect(error.reason.contains("No such file or directory"))
        }
    }
}
