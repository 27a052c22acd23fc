// libFuzzer entry points. One binary holds every target; the environment variable WSC_FUZZ_TARGET names the one
// that runs (see ``FuzzTargets/all``). Each target must return normally for every input: a trap (overflow, bad
// index, force unwrap) or a sanitizer report is a crash, and so is a failed round-trip check (``fuzzCheck``).

#if canImport(Glibc)
    import Glibc
#endif

/// The target chosen at initialization.
nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> Int32 {
    let name = getenv("WSC_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTargets.all.first(where: { $0.name == name }) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: " ")
        writeError("wsc-fuzz: set WSC_FUZZ_TARGET to one of: \(names)\n")
        exit(2)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget?.run(bytes)
    return 0
}

/// One fuzz target: a name and the function that feeds one input to a parser.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable ([UInt8]) -> Void
}

/// A property that must hold; a failure aborts (libFuzzer then saves the input as a crash).
func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        writeError("wsc-fuzz: property failed: \(message())\n")
        abort()
    }
}

/// Writes to standard error (file descriptor 2).
func writeError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
