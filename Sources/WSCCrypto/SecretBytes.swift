internal import COpenSSL

/// Bytes of secret key material that are wiped (with `OPENSSL_cleanse`) when the last reference goes.
///
/// Copy the bytes out only into another ``SecretBytes``, or into a buffer you wipe yourself.
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

    private static func allocateCopy(of bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawBufferPointer {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        if let base = bytes.baseAddress, bytes.count > 0 {
            storage.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        }
        return storage
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
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
