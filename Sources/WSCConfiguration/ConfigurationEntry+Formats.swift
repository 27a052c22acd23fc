/// Values with a format of their own: socket modes, socket paths, URLs and curl public key pins.
extension ConfigurationEntry {
    /// `sun_path` holds 108 bytes including the terminating NUL.
    static let maximumSocketPathBytes = 107

    func socketPath() throws -> String {
        let value = try absolutePath()
        guard value.utf8.count <= Self.maximumSocketPathBytes else {
            throw error(
                .invalidValue,
                "\(name) is \(value.utf8.count) bytes long; a Unix socket path is at most "
                    + "\(Self.maximumSocketPathBytes) bytes")
        }
        return value
    }

    /// An octal mode written as a string of 3 or 4 octal digits, at most 0777 ("0660", "660").
    func socketMode() throws -> UInt32 {
        let allowed = "allowed: a string of 3 or 4 octal digits, at most \"0777\", such as \"0660\""
        guard node.type == .string, let value = node.string else {
            if node.type == .int {
                throw error(
                    .wrongType,
                    "\(name) must be a string holding an octal mode, not \(Self.describe(node)) (TOML reads 0660 "
                        + "unquoted as decimal or rejects it); write \(key) = \"0660\"")
            }
            throw wrongType("a string holding an octal mode such as \"0660\"", found: node)
        }
        let digits = Array(value.utf8)
        guard (3...4).contains(digits.count),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) })
        else {
            throw error(.invalidValue, "\(name) = \"\(value)\" is not an octal mode; \(allowed)")
        }
        let mode = digits.reduce(UInt32(0)) { $0 * 8 + UInt32($1 - UInt8(ascii: "0")) }
        guard mode <= 0o777 else {
            throw error(
                .outOfRange,
                "\(name) = \"\(value)\" sets setuid, setgid or sticky bits, which a socket cannot use; \(allowed)")
        }
        return mode
    }

    /// A URL with one of `schemes` and a non-empty rest without spaces or control characters.
    func url(schemes: [String]) throws -> String {
        let list = schemes.map { "\($0)://" }.joined(separator: ", ")
        let value = try string("a string holding a URL (\(list))")
        let valid = schemes.contains { scheme in
            value.hasPrefix("\(scheme)://") && value.utf8.count > scheme.utf8.count + 3
        }
        guard valid, value.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw error(
                .invalidValue, "\(name) = \"\(value)\" is not a URL wscd accepts; allowed: a URL starting with \(list)")
        }
        return value
    }

    /// curl's public key pin: `sha256//BASE64` (a SHA-256 digest, 44 Base64 characters), several joined by `;`.
    func publicKeyPin() throws -> String {
        let value = try string("a string in curl's form \"sha256//BASE64\"")
        let pins = value.split(separator: ";", omittingEmptySubsequences: false)
        for pin in pins where !Self.isSHA256Pin(pin) {
            throw error(
                .invalidValue,
                "\(name): \"\(pin)\" is not a public key pin; allowed: \"sha256//\" followed by the Base64 SHA-256 "
                    + "digest of the server's public key (44 characters ending in '='), several separated by ';'")
        }
        return value
    }

    static func isSHA256Pin(_ pin: Substring) -> Bool {
        guard pin.hasPrefix("sha256//") else { return false }
        let digest = Array(pin.utf8.dropFirst(8))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        guard digest.count == 44, digest[43] == UInt8(ascii: "=") else { return false }
        let indices = digest[..<43].map { alphabet.firstIndex(of: $0) }
        guard indices.allSatisfy({ $0 != nil }) else { return false }
        // 32 bytes fill 42 characters and 4 bits of the 43rd; its 2 remaining bits must be zero.
        return indices[42]! % 4 == 0
    }

    /// A TCTI configuration string: a TCTI name ("device", "swtpm", "mssim", "tabrmd", ...), optionally followed
    /// by ":" and its configuration, printable, without spaces.
    func tcti() throws -> String {
        let value = try string("a string holding a TCTI such as \"device:/dev/tpmrm0\" or \"swtpm:port=2321\"")
        let tctiName = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let nameValid =
            !tctiName.isEmpty
            && tctiName.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        guard nameValid, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw error(
                .invalidValue,
                "\(name) = \"\(value)\" is not a TCTI; allowed: NAME or NAME:CONFIG without spaces, such as \"device:/dev/tpmrm0\", \"swtpm:port=2321\" or \"tabrmd\""
            )
        }
        return value
    }

    /// A TPM NV index for an owner-defined counter: an integer (TOML reads 0x01500016) or a string "0x01500016",
    /// in 0x01000000...0x01FFFFFF.
    func nvIndex() throws -> UInt32 {
        let range: ClosedRange<UInt32> = 0x0100_0000...0x01FF_FFFF
        let allowed = "allowed: an NV index in 0x01000000...0x01FFFFFF, such as 0x01500016"
        var value: UInt32?
        if node.type == .int, let int = node.int {
            value = UInt32(exactly: int)
        } else if node.type == .string, let text = node.string {
            value = text.hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
        } else {
            throw wrongType("an integer or string holding an NV index such as 0x01500016", found: node)
        }
        guard let value, range.contains(value) else {
            throw error(.outOfRange, "\(name) is not an owner NV index; \(allowed)")
        }
        return value
    }
}
