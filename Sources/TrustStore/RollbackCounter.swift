/// A monotonic counter outside the disk (a TPM 2.0 NV counter) that moves with every committed state, so that a
/// deleted, restored or copied state directory is noticed. TrustStore only sees this protocol; the TPM lives in
/// WSCTPM, which only wscd and wscctl link.
///
/// Implementations throw ``TrustStoreError`` with code ``TrustStoreError/Code/counterUnavailable`` and a reason
/// naming the counter and what to do.
public protocol RollbackCounter: Sendable {
    /// The counter in messages, e.g. "TPM NV index 0x01500016 (device:/dev/tpmrm0)".
    var name: String { get }
    /// The current value, or `nil` when the counter was never incremented (freshly provisioned).
    func read() throws -> UInt64?
    /// Increments the counter by one and returns its new value.
    func increment() throws -> UInt64
}
