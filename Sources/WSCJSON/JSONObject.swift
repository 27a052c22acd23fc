/// A JSON object whose keys are unique byte-for-byte and sorted by their UTF-8 bytes (Unicode code-point order).
///
/// Keys are never compared with `String ==`, which treats canonically equivalent strings (for example NFC `"é"`
/// and NFD `"e\u{301}"`) as equal: here they are two distinct keys, both kept, each found by its own bytes.
public struct JSONObject: Sendable, Hashable {
    /// One object member. Equality and hashing compare the key by its UTF-8 bytes.
    public struct Member: Sendable, Hashable {
        /// The member's key, exactly as decoded.
        public let key: String
        /// The member's value.
        public let value: JSONValue

        init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }

        public static func == (lhs: Member, rhs: Member) -> Bool {
            UTF8Order.equal(lhs.key, rhs.key) && lhs.value == rhs.value
        }

        public func hash(into hasher: inout Hasher) {
            UTF8Order.hash(key, into: &hasher)
            hasher.combine(value)
        }
    }

    /// The members, sorted by the UTF-8 bytes of their keys; no two keys have the same bytes.
    public let members: [Member]

    /// Creates an object from members in any order, sorting them by the UTF-8 bytes of their keys.
    ///
    /// - Throws: ``JSONError/Code/duplicateKey`` when two keys have the same UTF-8 bytes.
    public init(_ members: [(String, JSONValue)]) throws {
        let sorted = members.map { Member(key: $0.0, value: $0.1) }.sorted { UTF8Order.less($0.key, $1.key) }
        for index in sorted.indices.dropFirst() where UTF8Order.equal(sorted[index - 1].key, sorted[index].key) {
            throw JSONError(.duplicateKey, "duplicate key \(JSONWriter.quoted(sorted[index].key)) in object")
        }
        self.members = sorted
    }

    /// Creates an object from members already sorted by key bytes with unique keys.
    init(sortedUniqueMembers members: [Member]) {
        self.members = members
    }

    /// The value for the member whose key has exactly the UTF-8 bytes of `key`, or `nil` when there is none.
    ///
    /// A binary search comparing UTF-8 bytes; a canonically equivalent but differently encoded key does not match.
    public subscript(key: String) -> JSONValue? {
        var low = 0
        var high = members.count
        while low < high {
            let middle = low + (high - low) / 2
            let order = UTF8Order.compare(members[middle].key, key)
            if order == 0 { return members[middle].value }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// The keys in stored order (sorted by UTF-8 bytes).
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }
}
