import WSCFiles

extension TrustStoreError {
    /// A failed ``AtomicFile`` operation on the state directory: a file over its limit is ``Code/limitExceeded``,
    /// anything else ``Code/io``; the reason is kept as it is.
    init(_ error: FileError) {
        self.init(error.code == .tooLarge ? .limitExceeded : .io, error.reason)
    }

    /// Runs `body` (file operations), reporting a ``FileError`` it throws as a ``TrustStoreError``.
    static func mappingFileErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as FileError { throw TrustStoreError(error) }
    }
}
