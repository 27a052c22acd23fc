import WSCJSON

/// The protobuf JSON mapping as Sigstore's own clients read it: a member whose value is `null` is absent, and a
/// field may be spelled by its proto name (`log_id`) or its lowerCamel JSON name (`logId`). Applied to
/// `trusted_root.json` and Sigstore bundles before their fields are read; never to anything wsc signs or
/// canonicalizes. Duplicate keys were already refused by the parser; a field given in both spellings is refused
/// here, so no reader can pick a different one of the two.
enum ProtoJSON {
    /// Deepest nesting rewritten (the parser bounds depth too; this bounds the recursion independently).
    static let maximumDepth = 64

    static func normalize(_ value: JSONValue, code: SigstoreError.Code, depth: Int = 0) throws -> JSONValue {
        // Documents as Sigstore clients write them (lowerCamel, no nulls) are already normal: return them as they
        // are rather than rebuilding every object. Anything else (or a too deep document) takes the full path.
        if isNormal(value, depth: depth) { return value }
        return try rewrite(value, code: code, depth: depth)
    }

    /// Whether `value` has no null member and no key with an underscore, within ``maximumDepth``.
    static func isNormal(_ value: JSONValue, depth: Int) -> Bool {
        guard depth <= maximumDepth else { return false }
        switch value {
        case .object(let object):
            for member in object.members {
                if case .null = member.value { return false }
                if member.key.utf8.contains(0x5F) { return false }
                if !isNormal(member.value, depth: depth + 1) { return false }
            }
            return true
        case .array(let items):
            return items.allSatisfy { isNormal($0, depth: depth + 1) }
        default:
            return true
        }
    }

    static func rewrite(_ value: JSONValue, code: SigstoreError.Code, depth: Int) throws -> JSONValue {
        guard depth <= maximumDepth else { throw SigstoreError(code, "the document nests deeper than 64 levels") }
        switch value {
        case .object(let object):
            var members: [(String, JSONValue)] = []
            var seen = Set<String>()
            members.reserveCapacity(object.count)
            for member in object.members {
                if case .null = member.value { continue }
                let key = lowerCamel(member.key)
                guard seen.insert(key).inserted else {
                    throw SigstoreError(
                        code, "the field \"\(key)\" is given twice (as \"\(member.key)\" and another spelling)")
                }
                members.append((key, try rewrite(member.value, code: code, depth: depth + 1)))
            }
            do {
                return .object(try JSONObject(members))
            } catch let error as JSONError {
                throw SigstoreError(code, error.reason)
            }
        case .array(let items):
            return .array(try items.map { try rewrite($0, code: code, depth: depth + 1) })
        default:
            return value
        }
    }

    /// `log_id` → `logId`; names without an underscore are returned as they are.
    static func lowerCamel(_ name: String) -> String {
        guard name.utf8.contains(0x5F) else { return name }
        var out = ""
        var upperNext = false
        for scalar in name.unicodeScalars {
            if scalar == "_" {
                upperNext = true
                continue
            }
            if upperNext {
                out.unicodeScalars.append(contentsOf: String(scalar).uppercased().unicodeScalars)
                upperNext = false
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
