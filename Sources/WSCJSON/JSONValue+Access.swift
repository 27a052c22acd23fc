extension JSONValue {
    /// A short name of this value's JSON type, for error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .number: return "a non-integer number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    func mismatch(_ path: String, _ expected: String) -> JSONError {
        JSONError(.typeMismatch, "\(path) must be \(expected), found \(typeName)")
    }

    /// The object this value holds.
    ///
    /// - Throws: ``JSONError/Code/typeMismatch`` naming `path` (for example `"signed.targets"`) otherwise.
    public func asObject(_ path: String) throws -> JSONObject {
        guard case .object(let object) = self else { throw mismatch(path, "an object") }
        return object
    }

    /// The elements of the array this value holds.
    ///
    /// - Throws: ``JSONError/Code/typeMismatch`` naming `path` otherwise.
    public func asArray(_ path: String) throws -> [JSONValue] {
        guard case .array(let elements) = self else { throw mismatch(path, "an array") }
        return elements
    }

    /// The string this value holds.
    ///
    /// - Throws: ``JSONError/Code/typeMismatch`` naming `path` otherwise.
    public func asString(_ path: String) throws -> String {
        guard case .string(let text) = self else { throw mismatch(path, "a string") }
        return text
    }

    /// The integer this value holds. A ``JSONValue/number(_:)`` such as `1.0` is not an integer.
    ///
    /// - Throws: ``JSONError/Code/typeMismatch`` naming `path` otherwise.
    public func asInteger(_ path: String) throws -> Int64 {
        guard case .integer(let number) = self else { throw mismatch(path, "an integer") }
        return number
    }

    /// The boolean this value holds.
    ///
    /// - Throws: ``JSONError/Code/typeMismatch`` naming `path` otherwise.
    public func asBool(_ path: String) throws -> Bool {
        guard case .bool(let flag) = self else { throw mismatch(path, "a boolean") }
        return flag
    }
}
