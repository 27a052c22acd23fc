import WSCFiles

extension TUFError {
    /// A failed ``AtomicFile`` operation on the metadata directory: a file over its limit is ``Code/tooLarge``,
    /// anything else ``Code/io``; the reason is kept as it is.
    init(_ error: FileError) {
        self.init(error.code == .tooLarge ? .tooLarge : .io, error.reason)
    }

    /// Runs `body` (file operations), reporting a ``FileError`` it throws as a ``TUFError``.
    static func mappingFileErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as FileError { throw TUFError(error) }
    }
}
