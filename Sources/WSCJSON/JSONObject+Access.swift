extension JSONObject {
    /// The value of the member `key` (matched by UTF-8 bytes); JSON `null` is returned as ``JSONValue/null``.
    ///
    /// - Throws: ``JSONError/Code/missingKey`` with the reason "`path.key` is required" when it is absent.
    public func require(_ key: String, _ path: String) throws -> JSONValue {
        guard let value = self[key] else {
            throw JSONError(.missingKey, "\(Self.join(path, key)) is required")
        }
        return value
    }

    /// The value of the member `key` (matched by UTF-8 bytes), or `nil` only when the member is absent.
    /// JSON `null` is a value and is returned as ``JSONValue/null``.
    public func optional(_ key: String) -> JSONValue? {
        self[key]
    }

    /// Checks that every key is in `allowed`, comparing UTF-8 bytes (not `String ==`).
    ///
    /// `Set<String>` itself merges canonically equivalent names, so spell each allowed key exactly once, in the
    /// bytes the format defines (format keys are normally ASCII, where this cannot arise).
    ///
    /// - Throws: ``JSONError/Code/unknownKey`` naming the first unknown key (in key order) and `path`.
    public func rejectUnknownKeys(allowed: Set<String>, _ path: String) throws {
        let allowedBytes = Set(allowed.map { Array($0.utf8) })
        for member in members where !allowedBytes.contains(Array(member.key.utf8)) {
            let names = allowed.sorted(by: UTF8Order.less).map(JSONWriter.quoted).joined(separator: ", ")
            throw JSONError(
                .unknownKey,
                "\(path.isEmpty ? "the object" : path) has an unknown key \(JSONWriter.quoted(member.key)); "
                    + "allowed keys are \(names.isEmpty ? "none" : names)")
        }
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
