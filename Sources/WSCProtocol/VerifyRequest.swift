import WSCJSON

/// A `verify` request: its header fields and its body layout, defined once for the client and the daemon.
///
/// Body layout: `[module][signature][Sigstore bundle]`, the last two of the lengths the header declares. With
/// the module passed as a descriptor (`fd: true`), the body holds exactly the signature and the bundle. The
/// fields can only narrow the trust bundle's rule (docs/protocol.md).
public struct VerifyRequest: Sendable, Hashable {
    /// Which kinds of evidence may count.
    public enum Evidence: String, Sendable, CaseIterable {
        /// Every kind (the default).
        case any
        /// wasmsig signatures only.
        case wasmsig
        /// Sigstore bundles only, whatever signed them.
        case keyless
    }

    /// The pieces of a verify body.
    public struct Body: Sendable, Hashable {
        /// The module's bytes; `nil` when it comes as a descriptor.
        public let module: [UInt8]?
        /// A detached wasmsig signature.
        public let signature: [UInt8]?
        /// A detached Sigstore bundle over the module file.
        public let sigstoreBundle: [UInt8]?
    }

    /// Most authority names one request may give.
    public static let maximumAuthorities = 256
    /// Largest authority name or module name (bytes).
    public static let maximumNameLength = 256
    /// Largest detached signature (bytes).
    public static let maximumSignatureLength = 1 << 20
    /// Largest detached Sigstore bundle (bytes).
    public static let maximumSigstoreBundleLength = 1 << 20

    /// Which evidence counts.
    public var evidence: Evidence
    /// Authority names to count (empty: the rule's).
    public var authorities: [String]
    /// At least this many distinct authorities.
    public var require: Int?
    /// The module's name, to choose the trust bundle's rule.
    public var moduleName: String?
    /// Only Sigstore evidence with a verified transparency log entry counts.
    public var requireTlog: Bool
    /// The module comes as a descriptor passed with the frame's first byte (SCM_RIGHTS).
    public var moduleByDescriptor: Bool
    /// Length of the detached wasmsig signature in the body (0: none).
    public private(set) var signatureLength: Int
    /// Length of the detached Sigstore bundle at the end of the body (0: none).
    public private(set) var sigstoreBundleLength: Int

    /// A request that narrows nothing.
    public init(
        evidence: Evidence = .any, authorities: [String] = [], require: Int? = nil, moduleName: String? = nil,
        requireTlog: Bool = false, moduleByDescriptor: Bool = false
    ) {
        self.evidence = evidence
        self.authorities = authorities
        self.require = require
        self.moduleName = moduleName
        self.requireTlog = requireTlog
        self.moduleByDescriptor = moduleByDescriptor
        self.signatureLength = 0
        self.sigstoreBundleLength = 0
    }

    /// The body for this request, recording the lengths of the detached pieces. `module` is ignored (and may be
    /// empty) when the module comes as a descriptor.
    public mutating func body(module: [UInt8], signature: [UInt8]?, sigstoreBundle: [UInt8]?) -> [UInt8] {
        signatureLength = signature?.count ?? 0
        sigstoreBundleLength = sigstoreBundle?.count ?? 0
        return (moduleByDescriptor ? [] : module) + (signature ?? []) + (sigstoreBundle ?? [])
    }

    /// The header fields (without `id` and `op`).
    public var headerFields: [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = [("kind", .string(evidence.rawValue))]
        if !authorities.isEmpty { fields.append(("authorities", .array(authorities.map { .string($0) }))) }
        if let require { fields.append(("require", .integer(Int64(require)))) }
        if let moduleName { fields.append(("moduleName", .string(moduleName))) }
        if requireTlog { fields.append(("requireTlog", .bool(true))) }
        if moduleByDescriptor { fields.append(("fd", .bool(true))) }
        if signatureLength > 0 { fields.append(("signatureLength", .integer(Int64(signatureLength)))) }
        if sigstoreBundleLength > 0 { fields.append(("sigstoreBundleLength", .integer(Int64(sigstoreBundleLength)))) }
        return fields
    }

    /// Reads a request header; every field is checked and bounded. Throws ``ProtocolError`` `.badRequest` naming
    /// the field. `publishers` (the older name) is read as `authorities`.
    public init(header: JSONObject) throws {
        self.init()
        if let value = header["kind"] {
            guard case .string(let k) = value, let parsed = Evidence(rawValue: k) else {
                throw ProtocolError(.badRequest, "kind must be \"any\", \"wasmsig\" or \"keyless\"")
            }
            evidence = parsed
        }
        authorities = try Self.names(header, "publishers") + Self.names(header, "authorities")
        guard authorities.count <= Self.maximumAuthorities else {
            throw ProtocolError(.badRequest, "at most \(Self.maximumAuthorities) authorities may be named")
        }
        if let value = header["require"] {
            guard case .integer(let k) = value, k >= 1, k <= Int64(Self.maximumAuthorities) else {
                throw ProtocolError(.badRequest, "require must be an integer from 1 to the number of authorities")
            }
            require = Int(k)
        }
        if let value = header["moduleName"] {
            guard case .string(let name) = value, !name.isEmpty, name.utf8.count <= Self.maximumNameLength else {
                throw ProtocolError(.badRequest, "moduleName must be a string of 1 to \(Self.maximumNameLength) bytes")
            }
            moduleName = name
        }
        requireTlog = try Self.flag(header, "requireTlog")
        moduleByDescriptor = try Self.flag(header, "fd")
        signatureLength = try Self.length(header, "signatureLength", maximum: Self.maximumSignatureLength)
        sigstoreBundleLength = try Self.length(
            header, "sigstoreBundleLength", maximum: Self.maximumSigstoreBundleLength)
    }

    /// Splits a body by the declared lengths. With a descriptor the body must hold exactly the detached pieces;
    /// inline, the module is what precedes them and must not be empty.
    public func split(_ body: [UInt8]) throws -> Body {
        let detached = signatureLength + sigstoreBundleLength
        if moduleByDescriptor {
            guard body.count == detached else {
                throw ProtocolError(
                    .badRequest,
                    "with \"fd\": true the body holds only the detached signature and bundle (\(detached) bytes declared), not \(body.count) bytes"
                )
            }
        } else {
            guard body.count > detached else {
                throw ProtocolError(
                    .badRequest,
                    "the body (\(body.count) bytes) is no longer than its declared signature and bundle (\(detached) bytes): the module is missing"
                )
            }
        }
        let moduleEnd = body.count - detached
        let signatureEnd = moduleEnd + signatureLength
        return Body(
            module: moduleByDescriptor ? nil : Array(body[..<moduleEnd]),
            signature: signatureLength > 0 ? Array(body[moduleEnd..<signatureEnd]) : nil,
            sigstoreBundle: sigstoreBundleLength > 0 ? Array(body[signatureEnd...]) : nil)
    }

    static func names(_ header: JSONObject, _ key: String) throws -> [String] {
        guard let value = header[key] else { return [] }
        guard case .array(let list) = value, list.count <= maximumAuthorities else {
            throw ProtocolError(.badRequest, "\(key) must be a list of at most \(maximumAuthorities) names")
        }
        return try list.map {
            guard case .string(let s) = $0, !s.isEmpty, s.utf8.count <= maximumNameLength else {
                throw ProtocolError(.badRequest, "\(key) must hold names of 1 to \(maximumNameLength) bytes")
            }
            return s
        }
    }

    static func flag(_ header: JSONObject, _ key: String) throws -> Bool {
        guard let value = header[key] else { return false }
        guard case .bool(let b) = value else { throw ProtocolError(.badRequest, "\(key) must be true or false") }
        return b
    }

    static func length(_ header: JSONObject, _ key: String, maximum: Int) throws -> Int {
        guard let value = header[key] else { return 0 }
        guard case .integer(let n) = value, n >= 0, n <= Int64(maximum) else {
            throw ProtocolError(.badRequest, "\(key) must be an integer from 0 to \(maximum)")
        }
        return Int(n)
    }
}
