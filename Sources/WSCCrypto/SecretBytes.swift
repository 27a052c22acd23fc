internal import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// Bytes of secret key material that are wiped (with `OPENSSL_cleanse`) when the last reference goes.
///
/// Copy the bytes out only into another ``SecretBytes``, or into a buffer you wipe yourself.
///
/// The bytes sit in whole pages of their own, excluded from core dumps (`MADV_DONTDUMP`) and locked in memory
/// (`mlock`, so they are never swapped) — both best effort: without `RLIMIT_MEMLOCK` room the pages are merely
/// not locked. `lockedInMemory` says which.
public final class SecretBytes: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    /// The number of bytes held.
    public let count: Int

    /// Takes a copy of `bytes`. The caller should wipe its own copy (see ``wipe(_:)``).
    public init(copying bytes: UnsafeRawBufferPointer) {
        storage = SecretBytes.allocateCopy(of: bytes)
        count = bytes.count
    }

    /// Takes a copy of `bytes` and wipes the array it came from.
    public init(consuming bytes: inout [UInt8]) {
        storage = bytes.withUnsafeBytes { SecretBytes.allocateCopy(of: $0) }
        count = bytes.count
        SecretBytes.wipe(&bytes)
    }

    static let pageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)

    private static func allocateCopy(of bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawBufferPointer {
        let size = (max(bytes.count, 1) + pageSize - 1) / pageSize * pageSize
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: pageSize)
        // Before the secret is copied in: out of core dumps, and pinned in RAM when the limit allows.
        _ = madvise(storage.baseAddress, size, MADV_DONTDUMP)
        _ = mlock(storage.baseAddress, size)
        if let base = bytes.baseAddress, bytes.count > 0 {
            storage.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        }
        return storage
    }

    /// Whether the pages are locked in memory (mlock is idempotent: this asks again).
    public var lockedInMemory: Bool { mlock(storage.baseAddress, storage.count) == 0 }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        _ = munlock(storage.baseAddress, storage.count)
        _ = madvise(storage.baseAddress, storage.count, MADV_DODUMP)
        storage.deallocate()
    }

    /// Calls `body` with the secret bytes. Do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.baseAddress, count: count))
    }

    /// Zeroes an array in a way the optimizer will not remove.
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }
}
