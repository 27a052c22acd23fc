import CWSCTPM
import TrustStore

/// A TPM 2.0 monotonic NV counter (TPM2_NT_COUNTER) as the state directory's ``RollbackCounter``. Every call
/// opens its own connection (through the TCTI loader, e.g. `device:/dev/tpmrm0`, `swtpm:port=N`), checks the
/// index is an 8-byte counter, and closes it: a TPM simulator serves one client at a time, and a node's TPM is
/// shared. Each TPM command has a deadline, so a busy or silent TPM is a refusal within a second, not a hang.
public struct TPMCounter: RollbackCounter {
    /// The TCTI configuration string.
    public let tcti: String
    /// The NV index (0x01000000–0x01FFFFFF).
    public let index: UInt32
    /// The deadline of each TPM command.
    public let timeoutMilliseconds: Int32

    /// The default index: in the owner range, unlikely to collide with vendor or platform indices.
    public static let defaultIndex: UInt32 = 0x0150_0016

    /// A counter at `index` reached through `tcti`.
    public init(tcti: String, index: UInt32, timeoutMilliseconds: Int32 = 700) {
        self.tcti = tcti
        self.index = index
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The index as 0x%08x.
    public var indexText: String { Self.hex(index) }

    public var name: String { "TPM NV index \(indexText) (\(tcti))" }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// What the TPM holds at the index.
    public struct Status: Sendable, Hashable {
        /// Whether the index is defined (as a counter: any other type is an error).
        public var defined: Bool
        /// The value, `nil` until the first increment.
        public var value: UInt64?
    }

    /// TPMA_NV_WRITTEN: the index was written (a counter: incremented at least once).
    static let written: UInt32 = 0x2000_0000
    static let typeMask: UInt32 = 0x0000_00F0
    static let typeNames: [UInt32: String] = [
        0: "an ordinary index (TPM2_NT_ORDINARY)", 1: "a counter", 2: "a bit field (TPM2_NT_BITS)",
        4: "an extend index (TPM2_NT_EXTEND)", 8: "a PIN-fail index", 9: "a PIN-pass index",
    ]

    public func read() throws -> UInt64? {
        try withTPM { tpm in
            guard try requireCounter(tpm) else { return nil }
            return try readValue(tpm)
        }
    }

    public func increment() throws -> UInt64 {
        try withTPM { tpm in
            _ = try requireCounter(tpm)
            var error = wsc_tpm_error()
            guard wsc_tpm_nv_increment(tpm, index, &error) == 0 else {
                throw failure(error, "the counter could not be incremented")
            }
            return try readValue(tpm)
        }
    }

    /// The index's state without failing on a missing index (for `status` and provisioning).
    public func status() throws -> Status {
        try withTPM { tpm in
            guard let written = try publicArea(tpm) else { return Status(defined: false, value: nil) }
            return Status(defined: true, value: written ? try readValue(tpm) : nil)
        }
    }

    /// Defines the index as an 8-byte counter under the owner hierarchy (empty owner authorization); with
    /// `replacing`, undefines an existing index first (the counter restarts: only for re-provisioning).
    ///
    /// - Returns: whether an index was replaced.
    @discardableResult
    public func define(replacing: Bool) throws -> Bool {
        try withTPM { tpm in
            var replaced = false
            if try publicArea(tpm, requireCounterType: !replacing) != nil {
                guard replacing else {
                    throw TrustStoreError(
                        .counterUnavailable,
                        "\(name) is already defined as a counter: nothing to do. To start it again (re-provisioning, after which every state directory of this node is stale), add --replace"
                    )
                }
                var error = wsc_tpm_error()
                guard wsc_tpm_nv_undefine(tpm, index, &error) == 0 else {
                    throw failure(
                        error, "the old index could not be undefined (does the owner hierarchy have a password?)")
                }
                replaced = true
            }
            var error = wsc_tpm_error()
            guard wsc_tpm_nv_define_counter(tpm, index, &error) == 0 else {
                throw failure(
                    error,
                    "the counter could not be defined (the owner hierarchy must have an empty password; check with `tpm2_getcap properties-variable`)"
                )
            }
            return replaced
        }
    }

    // MARK: Plumbing

    private func withTPM<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        var error = wsc_tpm_error()
        guard let tpm = tcti.withCString({ wsc_tpm_open($0, timeoutMilliseconds, &error) }) else {
            throw TrustStoreError(
                .counterUnavailable,
                "\(name): \(message(error)). Check that the TPM is present and that wscd may open it (e.g. /dev/tpmrm0, group tss), or fix [state] tpm2_tcti."
            )
        }
        defer { wsc_tpm_close(tpm) }
        return try body(tpm)
    }

    /// The index's public area: `nil` when undefined, else whether it was written. Throws when it is not an
    /// 8-byte counter (unless `requireCounterType` is false).
    private func publicArea(_ tpm: OpaquePointer, requireCounterType: Bool = true) throws -> Bool? {
        var error = wsc_tpm_error()
        var attributes: UInt32 = 0
        var size: UInt16 = 0
        switch wsc_tpm_nv_public(tpm, index, &attributes, &size, &error) {
        case 0: break
        case 1: return nil
        default: throw failure(error, "its public area could not be read")
        }
        let type = (attributes & Self.typeMask) >> 4
        if requireCounterType && (type != 1 || size != 8) {
            throw TrustStoreError(
                .counterUnavailable,
                "\(name) is \(Self.typeNames[type] ?? "of type \(type)") of \(size) bytes, not a TPM2_NT_COUNTER: it belongs to something else. Choose a free index ([state] tpm2_nv_index) and run `wscctl state tpm-init`, or, if nothing uses it, `tpm2_nvundefine \(indexText)` and `wscctl state tpm-init`."
            )
        }
        return attributes & Self.written != 0
    }

    /// Requires a defined 8-byte counter; returns whether it was ever incremented.
    private func requireCounter(_ tpm: OpaquePointer) throws -> Bool {
        guard let written = try publicArea(tpm) else {
            throw TrustStoreError(
                .counterUnavailable,
                "\(name) is not defined: provision it with `wscctl state tpm-init --tcti \(tcti) --nv-index \(indexText)` (once per node, before the first start with rollback_counter = \"tpm2\"), or fix [state] tpm2_nv_index."
            )
        }
        return written
    }

    private func readValue(_ tpm: OpaquePointer) throws -> UInt64 {
        var error = wsc_tpm_error()
        var value: UInt64 = 0
        guard wsc_tpm_nv_read_u64(tpm, index, &value, &error) == 0 else {
            throw failure(error, "the counter could not be read")
        }
        return value
    }

    private func message(_ error: wsc_tpm_error) -> String {
        withUnsafeBytes(of: error.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    private func failure(_ error: wsc_tpm_error, _ what: String) -> TrustStoreError {
        let advice =
            error.timed_out != 0
            ? "The TPM is busy or another client holds it: retry; if it persists, find that client (for swtpm, one connection at a time)."
            : "Check the TPM (`tpm2_nvreadpublic \(indexText)`) and [state] tpm2_tcti / tpm2_nv_index."
        return TrustStoreError(.counterUnavailable, "\(name): \(what): \(message(error)). \(advice)")
    }
}
