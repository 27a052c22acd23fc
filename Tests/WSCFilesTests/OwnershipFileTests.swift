import Foundation
import Testing
import WSCFiles

@Suite struct OwnershipFileTests {
    @Test func secretAboveOwnerOnlyIsRefusedWithTheChmod() throws {
        let directory = try AtomicFileTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/seal.key"
        try AtomicFile.write(path, [UInt8](repeating: 1, count: 32), mode: 0o644)
        let error = try #require(throws: FileError.self) { try AtomicFile.readSecret(path, limit: 64) }
        #expect(error.code == .insecureMode)
        #expect(error.reason.contains("run `chmod 600 \(path)`"))
        try AtomicFile.write(path, [UInt8](repeating: 1, count: 32), mode: 0o400)
        #expect(try AtomicFile.readSecret(path, limit: 64)?.count == 32)
    }

    @Test func nonRegularFilesAreRefusedByType() throws {
        let directory = try AtomicFileTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/dir", withIntermediateDirectories: false)
        #expect(mkfifo(directory + "/fifo", 0o600) == 0)
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/link", withDestinationPath: directory + "/fifo")
        for (name, words) in [("dir", "is a directory"), ("fifo", "is a FIFO"), ("link", "is a symbolic link")] {
            let error = try #require(throws: FileError.self) { try AtomicFile.read(directory + "/" + name, limit: 8) }
            #expect(error.code == .notRegularFile)
            #expect(error.reason.contains(words), "\(name): \(error.reason)")
        }
    }

    @Test func temporaryNamesAreRecognised() {
        #expect(TemporaryFiles.isTemporary("state.json.tmp-12-3456"))
        #expect(TemporaryFiles.isTemporary("a-b.tmp-1-2"))
        #expect(!TemporaryFiles.isTemporary("state.json"))
        #expect(!TemporaryFiles.isTemporary(".tmp-1-2"))
        #expect(!TemporaryFiles.isTemporary("state.json.tmp-12"))
        #expect(!TemporaryFiles.isTemporary("state.json.tmp-12-x"))
    }

    @Test func lockHolderIsReportedAndReleasedWithTheValue() throws {
        let directory = try AtomicFileTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/lock"
        var held: LockFile?
        if case .acquired(let lock) = try LockFile.acquire(path, owner: "wscd") { held = lock }
        #expect(held != nil)
        var refusedBy: LockFile.Holder?
        if case .held(let holder) = try LockFile.acquire(path, owner: "wscctl") { refusedBy = holder }
        #expect(refusedBy?.name == "wscd")
        #expect(refusedBy?.pid == getpid())
        held = nil
        var reacquired = false
        if case .acquired = try LockFile.acquire(path, owner: "wscctl") { reacquired = true }
        #expect(reacquired, "the lock is released with its value")
    }
}
