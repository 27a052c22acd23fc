#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks on an `fstat` result, shared by every reader so that each refuses the same things with the same words.
public enum FileType {
    /// What the file type bits of `mode` name, for messages.
    public static func name(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }

    /// Throws ``FileError/Code/notRegularFile`` unless `st` is a regular file.
    public static func requireRegular(_ st: stat, _ path: String) throws {
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw FileError(.notRegularFile, "\(path) is \(name(st.st_mode)), not a regular file")
        }
    }

    /// Throws ``FileError/Code/insecureMode`` when a secret's mode allows more than read and write by its owner
    /// (0600): a key others can read is a key others may have copied.
    public static func requireOwnerOnly(_ st: stat, _ path: String) throws {
        let mode = st.st_mode & 0o7777
        guard mode & ~mode_t(0o600) == 0 else {
            throw FileError(
                .insecureMode,
                "\(path) is a secret but has mode \(String(mode, radix: 8)), above 0600; run `chmod 600 \(path)`")
        }
    }
}
