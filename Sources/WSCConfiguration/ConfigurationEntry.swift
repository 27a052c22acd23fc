/// One `key = value` of a configuration table, with typed, checked accessors whose errors name the file,
/// the line, the table and key, what was found and what is allowed.
struct ConfigurationEntry {
    /// The table's name, `""` for the top level.
    let table: String
    let key: String
    let node: any TOMLValueConvertible
    let file: String
    let line: Int?

    /// `[table] key`, or `key` at the top level.
    var name: String { table.isEmpty ? key : "[\(table)] \(key)" }

    func error(_ code: ConfigurationError.Code, _ reason: String) -> ConfigurationError {
        ConfigurationError(code, file: file, line: line, reason: reason)
    }

    func wrongType(_ expected: String, found node: any TOMLValueConvertible, element: Int? = nil) -> ConfigurationError
    {
        let what = element.map { "\(name)[\($0)]" } ?? name
        return error(.wrongType, "\(what) must be \(expected), not \(Self.describe(node))")
    }

    /// The value's TOML type and, for scalars, the value, for error messages.
    static func describe(_ node: any TOMLValueConvertible) -> String {
        switch node.type {
        case .string:
            let text = node.string ?? ""
            let shown = text.count > 60 ? String(text.prefix(60)) + "..." : text
            return "string \"\(shown)\""
        case .int: return "integer \(node.int ?? 0)"
        case .double: return "floating-point number \(node.double ?? 0)"
        case .bool: return "boolean \(node.bool ?? false)"
        case .array: return "an array"
        case .table: return "a table"
        default: return "a \(node.type)"
        }
    }

    func string(_ expected: String) throws -> String {
        guard node.type == .string, let value = node.string else { throw wrongType(expected, found: node) }
        return value
    }

    func boolean() throws -> Bool {
        guard node.type == .bool, let value = node.bool else {
            throw wrongType("a boolean (true or false)", found: node)
        }
        return value
    }

    func integer(in range: ClosedRange<Int>) throws -> Int {
        guard node.type == .int, let value = node.int else {
            throw wrongType("an integer (\(range.lowerBound)...\(range.upperBound))", found: node)
        }
        guard range.contains(value) else {
            throw error(
                .outOfRange, "\(name) = \(value) is out of range; allowed: \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// An absolute path: a string starting with "/".
    func absolutePath() throws -> String {
        let value = try string("a string holding an absolute path")
        try checkAbsolute(value)
        return value
    }

    func checkAbsolute(_ value: String, element: Int? = nil) throws {
        guard value.hasPrefix("/") else {
            let what = element.map { "\(name)[\($0)]" } ?? name
            throw error(
                .invalidValue, "\(what) = \"\(value)\" is not an absolute path; write a path starting with \"/\"")
        }
    }

    func oneOf(_ allowed: [String]) throws -> String {
        let list = allowed.joined(separator: ", ")
        let value = try string("a string, one of: \(list)")
        guard allowed.contains(value) else {
            throw error(.invalidValue, "\(name) = \"\(value)\" is not allowed; allowed: \(list)")
        }
        return value
    }

    /// An array whose elements are read by `element` (given the element and its index).
    func array<T>(of expected: String, _ element: (any TOMLValueConvertible, Int) throws -> T) throws -> [T] {
        guard node.type == .array, let array = node.array else {
            throw wrongType("an array of \(expected)", found: node)
        }
        var values: [T] = []
        for (index, item) in array.enumerated() { values.append(try element(item, index)) }
        return values
    }

    func absolutePaths() throws -> [String] {
        try array(of: "absolute paths (strings)") { item, index in
            guard item.type == .string, let value = item.string else {
                throw wrongType("a string holding an absolute path", found: item, element: index)
            }
            try checkAbsolute(value, element: index)
            return value
        }
    }

    /// uids: integers in 0...4294967294 (4294967295 is (uid_t)-1, "no user").
    func uids() throws -> [UInt32] {
        try array(of: "uids (integers)") { item, index in
            guard item.type == .int, let value = item.int else {
                throw wrongType("an integer uid (0...4294967294)", found: item, element: index)
            }
            guard (0...4_294_967_294).contains(value) else {
                throw error(.outOfRange, "\(name)[\(index)] = \(value) is not a uid; allowed: 0...4294967294")
            }
            return UInt32(value)
        }
    }

    /// Group names or numeric gids, as strings.
    func groups() throws -> [String] {
        try array(of: "group names or numeric gids (strings)") { item, index in
            let expected = "a string holding a group name or a numeric gid (\"wsc\", \"1000\")"
            guard item.type == .string, let value = item.string else {
                throw wrongType(expected, found: item, element: index)
            }
            try checkGroup(value, element: index)
            return value
        }
    }

    func group() throws -> String {
        let value = try string("a string holding a group name or a numeric gid (\"wsc\", \"1000\")")
        try checkGroup(value)
        return value
    }

    private func checkGroup(_ value: String, element: Int? = nil) throws {
        guard !Self.isGroup(value) else { return }
        let what = element.map { "\(name)[\($0)]" } ?? name
        throw error(
            .invalidValue,
            "\(what) = \"\(value)\" is not a group; allowed: a numeric gid (0...4294967294) or a name of at most "
                + "256 characters from letters, digits, '_', '-', '.', starting with a letter or '_'")
    }

    static func isGroup(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= 256 else { return false }
        if bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            guard let gid = UInt32(value) else { return false }
            return gid != UInt32.max
        }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
        guard isLetter(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy {
            isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-")
                || $0 == UInt8(ascii: ".")
        }
    }
}
