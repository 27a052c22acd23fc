import Foundation
import Testing
import WSCTestSupport

/// The 1970 tests' guard against libfaketime's leftovers (see FakeTimeSharedMemory).
@Suite struct FakeTimeSharedMemoryTests {
    @Test func removesTheFilesOfProcessesThatAreGoneAndKeepsTheOthers() throws {
        let maxPID = try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let gone = try #require(Int32(maxPID)) + 7  // above pid_max: no process can have it
        let alive = getpid()
        let paths = [
            "/dev/shm/sem.faketime_sem_\(gone)", "/dev/shm/faketime_shm_\(gone)",
            "/dev/shm/sem.faketime_sem_\(alive)", "/dev/shm/faketime_shm_\(alive)", "/dev/shm/faketime_shm_x\(gone)",
        ]
        for path in paths { #expect(FileManager.default.createFile(atPath: path, contents: Data([0]))) }
        defer { for path in paths { unlink(path) } }
        #expect(FakeTimeSharedMemory.removeStale() >= 2)
        #expect(!FileManager.default.fileExists(atPath: paths[0]))
        #expect(!FileManager.default.fileExists(atPath: paths[1]))
        #expect(FileManager.default.fileExists(atPath: paths[2]))
        #expect(FileManager.default.fileExists(atPath: paths[3]))
        #expect(FileManager.default.fileExists(atPath: paths[4]), "a name without a pid is not libfaketime's")
    }
}
