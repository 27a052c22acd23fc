import Foundation

/// libfaketime's shared memory, seen from the tests that run wscd and wscctl at 1970.
///
/// A process that libfaketime cannot join to an existing clock (the tests name ones that do not exist, see the
/// harnesses' FAKETIME_SHARED) creates its own semaphore and segment, named after its pid
/// (`/dev/shm/sem.faketime_sem_PID`, `/dev/shm/faketime_shm_PID`), and removes them when it exits normally. A
/// process the tests kill leaves them behind, and a later process that gets the same pid cannot create its own:
/// libfaketime then exits ("sem_open failed and recreation attempts failed") and the test fails for no fault of
/// wsc's. ``removeStale()`` before each such launch removes the pairs of processes that no longer exist.
package enum FakeTimeSharedMemory {
    static let directory = "/dev/shm"
    static let prefixes = ["sem.faketime_sem_", "faketime_shm_"]

    /// Removes the libfaketime files of processes that are gone; returns how many it removed.
    @discardableResult
    package static func removeStale() -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var removed = 0
        for name in names {
            guard let prefix = prefixes.first(where: { name.hasPrefix($0) }),
                let pid = Int32(name.dropFirst(prefix.count)), pid > 0
            else { continue }
            // kill(pid, 0) fails with ESRCH only when no such process exists (EPERM: it exists, not ours).
            if kill(pid, 0) != 0, errno == ESRCH, unlink("\(directory)/\(name)") == 0 { removed += 1 }
        }
        return removed
    }
}
