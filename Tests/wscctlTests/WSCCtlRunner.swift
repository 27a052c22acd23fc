import Foundation
import WSCTestSupport

/// Runs the real `wscctl` binary built next to the test bundle, in a temporary directory.
struct WSCCtlRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wscctl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    static var executable: URL {
        let me = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0])
        // .build/<config>/wscPackageTests.xctest -> .build/<config>/wscctl
        return me.deletingLastPathComponent().appendingPathComponent("wscctl")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// libfaketime (Debian's `faketime` package, installed by `make deps`): preloaded, the process's wall clock reads
    /// the given time; monotonic clocks stay real.
    #if arch(arm64)
        static let fakeTimeLibrary = "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"
    #else
        static let fakeTimeLibrary = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
    #endif
    static let at1970 = "@1970-01-02 00:00:00"

    static func environment(fakeTime: String?, _ extra: [String: String]) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "WSCD_SOCKET")
        if let fakeTime {
            guard FileManager.default.fileExists(atPath: fakeTimeLibrary) else {
                throw RunnerError("\(fakeTimeLibrary) is missing: install the faketime package (make deps)")
            }
            environment["LD_PRELOAD"] = fakeTimeLibrary
            environment["FAKETIME"] = fakeTime
            environment["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
            // Without FAKETIME_SHARED, libfaketime's constructor creates shared memory and exports FAKETIME_SHARED
            // itself, and a Swift program then sees no command-line arguments (its runtime finds argv next to
            // `environ`, which the export moves). Names that do not exist: no shared clock control is needed.
            // A name of its own per process: with one shared name, parallel processes that create and remove it
            // race (libfaketime then exits: "sem_open failed and recreation attempts failed").
            let name = "/wsc-ft-\(UUID().uuidString)"
            environment["FAKETIME_SHARED"] = "\(name) \(name)"
            FakeTimeSharedMemory.removeStale()
        }
        environment.merge(extra) { $1 }
        return environment
    }

    /// Whether this is an AddressSanitizer build: libfaketime preloaded into an ASan wscctl or wscd recurses in
    /// clock_gettime during ASan's start and can hang, so the 1970 tests are reported skipped there (the debug
    /// run covers them).
    static let underAddressSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil

    @discardableResult
    func run(_ arguments: [String], fakeTime: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = try Self.environment(fakeTime: fakeTime, environment)
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    func write(_ name: String, _ bytes: [UInt8], mode: Int = 0o644) throws {
        try Data(bytes).write(to: directory.appendingPathComponent(name))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path(name))
    }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }

    func mode(_ name: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path(name))[.posixPermissions] as? Int) ?? -1
    }

    static func uleb(_ value: Int) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            out.append(b)
        } while v != 0
        return out
    }

    static func custom(_ name: String, _ data: [UInt8]) -> [UInt8] {
        let payload = uleb(name.utf8.count) + Array(name.utf8) + data
        return [0] + uleb(payload.count) + payload
    }

    static let module: [UInt8] =
        [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00]
        + custom("producers", Array("wsc tests".utf8)) + custom("debug", [1, 2, 3])
}

struct RunnerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
