#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The temporary files ``AtomicFile/write(_:_:mode:)`` leaves when its process dies between create and rename.
public enum TemporaryFiles {
    /// Whether `name` has the form `BASE.tmp-PID-N` that ``AtomicFile`` writes.
    public static func isTemporary(_ name: String) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return false }
        let numbers = parts.suffix(2)
        guard numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= "0" && $0 <= "9" } }) else { return false }
        let base = parts.dropLast(2).joined(separator: "-")
        return base.count > 4 && base.hasSuffix(".tmp")
    }

    /// Removes every temporary file in `directory` and returns their names. Call only while holding the lock
    /// that serializes writers of the directory: then no temporary file there belongs to a live write.
    public static func removeAll(in directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { throw FileError.io("cannot list \(directory)") }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if isTemporary(name) { names.append(name) }
        }
        closedir(dir)
        for name in names {
            guard unlink(directory + "/" + name) == 0 || errno == ENOENT else {
                throw FileError.io("cannot remove the leftover temporary file \(directory)/\(name)")
            }
        }
        if !names.isEmpty { try AtomicFile.syncDirectory(directory) }
        return names
    }
}
