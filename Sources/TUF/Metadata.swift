import WSCCrypto
import WSCJSON

/// A parsed metadata file: `{"signed": ..., "signatures": [...]}` with the canonical bytes that were signed.
struct Envelope: Sendable {
    let bytes: [UInt8]
    let signed: JSONObject
    let signatures: [(keyID: String, signature: [UInt8]?)]
    /// `CanonicalJSON.encode(signed)`: what the signatures cover.
    let canonical: [UInt8]
    let version: Int64
    let expires: Int64

    /// Parses and checks the common fields; `type` is the `_type` this file must have.
    init(bytes: [UInt8], type: String, name: String) throws {
        self.bytes = bytes
        let root: JSONObject
        do {
            root = try JSONParser.parse(bytes).asObject(name)
            signed = try root.require("signed", name).asObject("\(name).signed")
            let list = try root.require("signatures", name).asArray("\(name).signatures")
            var seen = Set<String>()
            var signatures: [(String, [UInt8]?)] = []
            for (i, item) in list.enumerated() {
                let object = try item.asObject("\(name).signatures[\(i)]")
                let keyID = try object.require("keyid", "\(name).signatures[\(i)]").asString("keyid")
                let sig = try object.require("sig", "\(name).signatures[\(i)]").asString("sig")
                guard seen.insert(keyID).inserted else {
                    throw TUFError(.badSignatures, "\(name) has two signatures with keyid \(keyID)")
                }
                signatures.append((keyID, Hex.decode(sig, acceptingUppercase: true)))
            }
            self.signatures = signatures
            canonical = try CanonicalJSON.encode(.object(signed))
            let foundType = try signed.require("_type", "\(name).signed").asString("\(name).signed._type")
            guard foundType == type else {
                throw TUFError(.malformed, "\(name) is a \(foundType) file where a \(type) file was expected")
            }
            let spec = try signed.require("spec_version", "\(name).signed").asString("spec_version")
            let parts = spec.split(separator: ".", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
                parts[0] == "1"
            else { throw TUFError(.malformed, "\(name) has spec_version \"\(spec)\"; this client supports 1.x") }
            version = try signed.require("version", "\(name).signed").asInteger("\(name).signed.version")
            guard version > 0 else { throw TUFError(.malformed, "\(name) has version \(version); it must be > 0") }
            let expiresText = try signed.require("expires", "\(name).signed").asString("expires")
            guard let expires = TUFTime.parseExpires(expiresText) else {
                throw TUFError(.malformed, "\(name) has expires \"\(expiresText)\", not YYYY-MM-DDTHH:MM:SSZ")
            }
            self.expires = expires
        } catch let error as JSONError {
            throw TUFError(.malformed, "\(name) is not valid TUF metadata: \(error.reason)")
        }
    }

    /// Counts valid signatures by distinct keys of `role`; throws unless the threshold is met.
    /// Returns the number of signature verifications performed.
    @discardableResult
    func verify(_ role: RoleKeys, name: String) throws -> Int {
        var valid = 0
        var attempts = 0
        let allowed = Set(role.keyIDs)
        for (keyID, signature) in signatures where allowed.contains(keyID) {
            guard let signature, let key = role.keys[keyID] else { continue }
            attempts += 1
            if key.verify(signature: signature, message: canonical) { valid += 1 }
            if valid >= role.threshold { return attempts }
        }
        throw TUFError(
            .thresholdNotMet,
            "\(name) has \(valid) valid signature(s) from distinct trusted keys; \(role.threshold) are required")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// `root.json` (spec 4.3).
struct RootMetadata: Sendable {
    let envelope: Envelope
    let consistentSnapshot: Bool
    let roles: [String: RoleKeys]
    var version: Int64 { envelope.version }
    var expires: Int64 { envelope.expires }

    init(bytes: [UInt8], name: String = "root.json") throws {
        envelope = try Envelope(bytes: bytes, type: "root", name: name)
        do {
            let signed = envelope.signed
            consistentSnapshot = try signed.optional("consistent_snapshot")?.asBool("consistent_snapshot") ?? false
            var keys: [String: TUFKey] = [:]
            for member in try signed.require("keys", "signed").asObject("signed.keys").members {
                keys[member.key] = try TUFKey(keyID: member.key, value: member.value, path: "keys.\(member.key)")
            }
            let roleObjects = try signed.require("roles", "signed").asObject("signed.roles")
            var roles: [String: RoleKeys] = [:]
            for role in ["root", "timestamp", "snapshot", "targets"] {
                let object = try roleObjects.require(role, "signed.roles").asObject("signed.roles.\(role)")
                roles[role] = try RoleKeys(role: object, keys: keys, path: "\(name) roles.\(role)")
            }
            self.roles = roles
        } catch let error as JSONError {
            throw TUFError(.malformed, "\(name) is not valid root metadata: \(error.reason)")
        }
    }

    func role(_ name: String) -> RoleKeys { roles[name]! }
}

/// What a timestamp or snapshot says about another metadata file (spec 4.4, METAFILES).
struct MetaFile: Sendable, Equatable {
    let version: Int64
    let length: Int?
    let hashes: [String: String]?

    init(_ value: JSONValue, path: String) throws {
        let object = try value.asObject(path)
        version = try object.require("version", path).asInteger("\(path).version")
        guard version > 0 else { throw TUFError(.malformed, "\(path).version must be > 0") }
        if let l = object.optional("length") {
            let length = try l.asInteger("\(path).length")
            guard length >= 0, length <= Int64(Int32.max) else {
                throw TUFError(.malformed, "\(path).length is out of range")
            }
            self.length = Int(length)
        } else {
            length = nil
        }
        hashes = try object.optional("hashes").map { try parseHashes($0, path: "\(path).hashes") }
    }
}

func parseHashes(_ value: JSONValue, path: String) throws -> [String: String] {
    var hashes: [String: String] = [:]
    for member in try value.asObject(path).members {
        hashes[member.key] = try member.value.asString("\(path).\(member.key)")
    }
    guard !hashes.isEmpty else { throw TUFError(.malformed, "\(path) is empty") }
    return hashes
}

/// Checks `bytes` against an optional length and every listed hash; unknown algorithms fail.
func checkLengthAndHashes(_ bytes: [UInt8], length: Int?, hashes: [String: String]?, name: String) throws {
    if let length, bytes.count != length {
        throw TUFError(.lengthOrHashMismatch, "\(name) is \(bytes.count) bytes; the metadata says \(length)")
    }
    for (algorithm, expected) in (hashes ?? [:]).sorted(by: { $0.key < $1.key }) {
        let digest: DigestAlgorithm
        switch algorithm {
        case "sha256": digest = .sha256
        case "sha384": digest = .sha384
        case "sha512": digest = .sha512
        default:
            throw TUFError(.lengthOrHashMismatch, "\(name) lists hash algorithm \"\(algorithm)\", which is unsupported")
        }
        guard Hex.encode(Digest.hash(digest, bytes)) == expected.lowercased() else {
            throw TUFError(.lengthOrHashMismatch, "\(name) does not match its \(algorithm) hash in the metadata")
        }
    }
}

/// `timestamp.json` (spec 4.6).
struct TimestampMetadata: Sendable {
    let envelope: Envelope
    let snapshot: MetaFile
    var version: Int64 { envelope.version }

    init(bytes: [UInt8]) throws {
        envelope = try Envelope(bytes: bytes, type: "timestamp", name: "timestamp.json")
        do {
            let meta = try envelope.signed.require("meta", "signed").asObject("signed.meta")
            snapshot = try MetaFile(meta.require("snapshot.json", "signed.meta"), path: "meta.snapshot.json")
        } catch let error as JSONError {
            throw TUFError(.malformed, "timestamp.json is not valid timestamp metadata: \(error.reason)")
        }
    }
}

/// `snapshot.json` (spec 4.4).
struct SnapshotMetadata: Sendable {
    let envelope: Envelope
    let meta: [String: MetaFile]
    var version: Int64 { envelope.version }

    init(bytes: [UInt8]) throws {
        envelope = try Envelope(bytes: bytes, type: "snapshot", name: "snapshot.json")
        do {
            var meta: [String: MetaFile] = [:]
            for member in try envelope.signed.require("meta", "signed").asObject("signed.meta").members {
                meta[member.key] = try MetaFile(member.value, path: "meta.\(member.key)")
            }
            self.meta = meta
        } catch let error as JSONError {
            throw TUFError(.malformed, "snapshot.json is not valid snapshot metadata: \(error.reason)")
        }
    }
}

/// A target file: length and hashes (spec 4.5, TARGETS).
public struct TargetFile: Sendable, Equatable {
    /// The target path, as listed in the metadata.
    public let path: String
    /// Its exact length in bytes.
    public let length: Int
    /// Algorithm name to lowercase hex digest.
    public let hashes: [String: String]
}

/// One delegation (spec 4.5, DELEGATIONS) or a succinct hash-bin set (TAP 15).
struct DelegatedRole: Sendable {
    let name: String
    let keys: RoleKeys
    let terminating: Bool
    let paths: [String]?
    let pathHashPrefixes: [String]?

    func matches(_ target: String) -> Bool {
        if let paths { return paths.contains { PathPattern.matches(pattern: $0, path: target) } }
        if let pathHashPrefixes {
            let digest = Hex.encode(Digest.sha256(Array(target.utf8)))
            return pathHashPrefixes.contains { digest.hasPrefix($0) }
        }
        return false
    }
}

/// `targets.json` or a delegated targets role.
struct TargetsMetadata: Sendable {
    let envelope: Envelope
    let targets: [String: TargetFile]
    let delegations: [DelegatedRole]
    /// Succinct hash bins: (keys, bit length, name prefix).
    let succinct: (keys: RoleKeys, bitLength: Int, prefix: String)?
    var version: Int64 { envelope.version }

    init(bytes: [UInt8], name: String) throws {
        let file = "\(name).json"
        envelope = try Envelope(bytes: bytes, type: "targets", name: file)
        do {
            var targets: [String: TargetFile] = [:]
            for member in try envelope.signed.require("targets", "signed").asObject("signed.targets").members {
                let object = try member.value.asObject("targets.\(member.key)")
                let length = try object.require("length", "targets.\(member.key)").asInteger("length")
                guard length >= 0 else { throw TUFError(.malformed, "\(file): target \(member.key) has length < 0") }
                let hashes = try parseHashes(
                    object.require("hashes", "targets.\(member.key)"), path: "targets.\(member.key).hashes")
                targets[member.key] = TargetFile(path: member.key, length: Int(length), hashes: hashes)
            }
            self.targets = targets
            var delegations: [DelegatedRole] = []
            var succinct: (RoleKeys, Int, String)? = nil
            if let d = envelope.signed.optional("delegations") {
                let object = try d.asObject("signed.delegations")
                var keys: [String: TUFKey] = [:]
                for member in try object.require("keys", "delegations").asObject("delegations.keys").members {
                    keys[member.key] = try TUFKey(keyID: member.key, value: member.value, path: "keys.\(member.key)")
                }
                let roles = try object.optional("roles")?.asArray("delegations.roles")
                let succinctValue = object.optional("succinct_roles")
                guard (roles == nil) != (succinctValue == nil) else {
                    throw TUFError(.malformed, "\(file): delegations need exactly one of roles and succinct_roles")
                }
                var names = Set<String>()
                for (i, value) in (roles ?? []).enumerated() {
                    let path = "delegations.roles[\(i)]"
                    let role = try value.asObject(path)
                    let roleName = try role.require("name", path).asString("\(path).name")
                    guard !["root", "timestamp", "snapshot", "targets"].contains(roleName) else {
                        throw TUFError(.malformed, "\(file): a delegated role may not be named \(roleName)")
                    }
                    guard names.insert(roleName).inserted else {
                        throw TUFError(.malformed, "\(file): delegated role \(roleName) is listed twice")
                    }
                    let paths = try role.optional("paths")?.asArray("\(path).paths").map { try $0.asString(path) }
                    let prefixes = try role.optional("path_hash_prefixes")?.asArray(path).map {
                        try $0.asString(path)
                    }
                    guard (paths == nil) != (prefixes == nil) else {
                        throw TUFError(.malformed, "\(file): \(path) needs exactly one of paths and path_hash_prefixes")
                    }
                    delegations.append(
                        DelegatedRole(
                            name: roleName, keys: try RoleKeys(role: role, keys: keys, path: "\(file) \(path)"),
                            terminating: try role.require("terminating", path).asBool("\(path).terminating"),
                            paths: paths, pathHashPrefixes: prefixes))
                }
                if let succinctValue {
                    let s = try succinctValue.asObject("delegations.succinct_roles")
                    let bits = try s.require("bit_length", "succinct_roles").asInteger("bit_length")
                    guard (1...32).contains(bits) else {
                        throw TUFError(.malformed, "\(file): succinct_roles.bit_length must be 1...32")
                    }
                    succinct = (
                        try RoleKeys(role: s, keys: keys, path: "\(file) succinct_roles"), Int(bits),
                        try s.require("name_prefix", "succinct_roles").asString("name_prefix")
                    )
                }
            }
            self.delegations = delegations
            self.succinct = succinct
        } catch let error as JSONError {
            throw TUFError(.malformed, "\(file) is not valid targets metadata: \(error.reason)")
        }
    }

    /// The roles that `target` is delegated to, in order, with their keys.
    func delegatedRoles(for target: String) -> [DelegatedRole] {
        if let succinct {
            let digest = Digest.sha256(Array(target.utf8))
            let first = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
            let bin = Int(first >> UInt32(32 - succinct.bitLength))
            let width = (succinct.bitLength + 3) / 4
            var hex = String(bin, radix: 16)
            hex = String(repeating: "0", count: max(0, width - hex.count)) + hex
            return [
                DelegatedRole(
                    name: "\(succinct.prefix)-\(hex)", keys: succinct.keys, terminating: true, paths: nil,
                    pathHashPrefixes: nil)
            ]
        }
        return delegations.filter { $0.matches(target) }
    }
}

/// fnmatch-style target path patterns, matched segment by segment (`*` and `?` never match `/`).
enum PathPattern {
    static func matches(pattern: String, path: String) -> Bool {
        let patternParts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let pathParts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard patternParts.count == pathParts.count else { return false }
        return zip(patternParts, pathParts).allSatisfy { segment(Array($0.utf8), Array($1.utf8)) }
    }

    /// Glob on one segment: `*`, `?`, `[seq]` and `[!seq]`, case-sensitive, on bytes.
    static func segment(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        var pi = 0
        var si = 0
        var starP = -1
        var starS = 0
        while si < s.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") {
                starP = pi
                starS = si
                pi += 1
                continue
            }
            if pi < p.count, let next = single(p, pi, s[si]) {
                pi = next
                si += 1
                continue
            }
            guard starP >= 0 else { return false }
            pi = starP + 1
            starS += 1
            si = starS
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    /// If the pattern element at `i` matches byte `c`, the index after it.
    static func single(_ p: [UInt8], _ i: Int, _ c: UInt8) -> Int? {
        switch p[i] {
        case UInt8(ascii: "?"):
            return i + 1
        case UInt8(ascii: "["):
            var j = i + 1
            var negate = false
            if j < p.count, p[j] == UInt8(ascii: "!") {
                negate = true
                j += 1
            }
            var matched = false
            var first = true
            while j < p.count, first || p[j] != UInt8(ascii: "]") {
                first = false
                if j + 2 < p.count, p[j + 1] == UInt8(ascii: "-"), p[j + 2] != UInt8(ascii: "]") {
                    if p[j] <= c, c <= p[j + 2] { matched = true }
                    j += 3
                } else {
                    if p[j] == c { matched = true }
                    j += 1
                }
            }
            guard j < p.count else { return p[i] == c ? i + 1 : nil }  // no closing bracket: literal "["
            return matched != negate ? j + 1 : nil
        default:
            return p[i] == c ? i + 1 : nil
        }
    }
}
