import Sigstore
import WSCCrypto
import WSCJSON

extension TrustBundle {
    static let topLevelKeys: Set<String> = [
        "version", "issuedAt", "notBefore", "expires", "gracePeriodSeconds", "publishers", "sigstore",
        "certificateAuthorities", "identities", "revocations", "bundleKeys", "threshold", "tuf", "policy",
    ]

    /// Parses a payload strictly: unknown fields, duplicate keys, duplicate names or keys, bad values and
    /// keys or certificates that do not parse are all refused, with the path of the offending field.
    public init(payload: [UInt8]) throws {
        guard payload.count <= TrustBundle.maximumPayloadSize else {
            throw TrustStoreError(
                .limitExceeded,
                "the bundle payload is \(payload.count) bytes, above the limit of \(TrustBundle.maximumPayloadSize)")
        }
        do {
            var limits = JSONLimits()
            limits.maximumBytes = TrustBundle.maximumPayloadSize
            limits.maximumArrayCount = BundleLimits.revocations
            let json = try JSONParser.parse(payload, limits: limits)
            try self.init(json: json)
        } catch let error as JSONError {
            throw TrustStoreError(.malformedBundle, "the trust bundle is invalid: \(error.reason)")
        }
    }

    init(json: JSONValue) throws {
        let root = try json.asObject("bundle")
        try root.rejectUnknownKeys(allowed: TrustBundle.topLevelKeys, "bundle")
        let versionValue = try root.require("version", "bundle").asInteger("bundle.version")
        guard versionValue >= 1 else {
            throw TrustStoreError(
                .malformedBundle, "bundle.version must be 1 or more (version 0 is never valid), got \(versionValue)")
        }
        version = UInt64(versionValue)
        issuedAt = try Self.time(root, "issuedAt")
        notBefore = try Self.time(root, "notBefore")
        expires = try Self.time(root, "expires")
        guard notBefore < expires else {
            throw TrustStoreError(.malformedBundle, "bundle.expires must be after bundle.notBefore")
        }
        let grace = try root.optional("gracePeriodSeconds")?.asInteger("bundle.gracePeriodSeconds") ?? 0
        guard grace >= 0, grace <= 366 * 86400 else {
            throw TrustStoreError(.malformedBundle, "bundle.gracePeriodSeconds must be between 0 and one year")
        }
        gracePeriod = grace

        publishers = try Self.publishers(root.optional("publishers"))
        certificateAuthorities = try Self.authorities(root.optional("certificateAuthorities"))
        identities = try Self.identities(root.optional("identities"))
        revocations = try Self.revocations(root.optional("revocations"))
        if let given = root.optional("sigstore") {
            // trusted_root.json follows the protobuf JSON mapping (null = absent, proto field names).
            let sigstore: JSONValue
            do {
                sigstore = try TrustedRoot.protoNormalized(given)
            } catch let error as SigstoreError {
                throw TrustStoreError(.malformedBundle, "bundle.sigstore: \(error.reason)")
            }
            try SigstoreTrustedRootCheck.validate(sigstore, "bundle.sigstore")
            do {
                sigstoreRoot = try TrustedRoot(json: JSONWriter.encode(sigstore))
            } catch let error as SigstoreError {
                throw TrustStoreError(
                    .invalidKeyMaterial, "bundle.sigstore is not a usable Sigstore trusted root: \(error.reason)")
            }
            sigstoreTrustedRoot = sigstore
        } else {
            sigstoreTrustedRoot = nil
            sigstoreRoot = nil
        }

        var kinds: [String: AuthorityKind] = [:]
        for (list, kind) in [
            (publishers.map(\.name), AuthorityKind.publisher), (identities.map(\.name), .identity),
            (certificateAuthorities.map(\.name), .certificateAuthority),
        ] {
            for name in list {
                guard kinds.updateValue(kind, forKey: name) == nil else {
                    throw TrustStoreError(
                        .malformedBundle,
                        "the authority name \"\(name)\" is used twice (publishers, identities and certificate authorities share one namespace)"
                    )
                }
            }
        }
        policy = try TrustPolicy(json: root.optional("policy"), authorities: kinds)
        identityIndex = IdentityIndex(identities)

        let keyList = try root.require("bundleKeys", "bundle").asArray("bundle.bundleKeys")
        guard !keyList.isEmpty, keyList.count <= BundleLimits.bundleKeys else {
            throw TrustStoreError(.malformedBundle, "bundle.bundleKeys must list 1 to \(BundleLimits.bundleKeys) keys")
        }
        let keys = try keyList.enumerated().map { index, item in
            try BundleKey(Self.publicKey(item.asString("bundle.bundleKeys[\(index)]"), "bundle.bundleKeys[\(index)]"))
        }
        let threshold = try root.require("threshold", "bundle").asInteger("bundle.threshold")
        bundleKeys = try KeyThreshold(keys: keys, threshold: Int(clamping: threshold))

        if let tufValue = root.optional("tuf") {
            let tufObject = try tufValue.asObject("bundle.tuf")
            try tufObject.rejectUnknownKeys(allowed: ["repositoryUrl", "root", "targets"], "bundle.tuf")
            let url = try tufObject.require("repositoryUrl", "bundle.tuf").asString("bundle.tuf.repositoryUrl")
            guard url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("file://") else {
                throw TrustStoreError(
                    .malformedBundle, "bundle.tuf.repositoryUrl must be an https://, http:// or file:// URL")
            }
            let rootMetadata = try tufObject.require("root", "bundle.tuf")
            _ = try rootMetadata.asObject("bundle.tuf.root")
            let targets = try tufObject.require("targets", "bundle.tuf").asArray("bundle.tuf.targets")
            guard targets.count <= BundleLimits.targets else {
                throw TrustStoreError(
                    .limitExceeded, "bundle.tuf.targets lists more than \(BundleLimits.targets) names")
            }
            tuf = TUFSettings(
                repositoryURL: url, root: rootMetadata,
                targets: try targets.enumerated().map { try $1.asString("bundle.tuf.targets[\($0)]") })
        } else {
            tuf = nil
        }
    }

    static func time(_ object: JSONObject, _ key: String) throws -> Int64 {
        let text = try object.require(key, "bundle").asString("bundle.\(key)")
        guard let seconds = RFC3339.parse(text) else {
            throw TrustStoreError(
                .malformedBundle, "bundle.\(key) is not an RFC 3339 time (e.g. 2026-11-21T00:00:00Z): \(text)")
        }
        return seconds
    }

    static func publicKey(_ pem: String, _ path: String) throws -> PublicKey {
        do {
            return try PublicKey(pem: pem)
        } catch let error as CryptoError {
            throw TrustStoreError(.invalidKeyMaterial, "\(path) is not a usable public key: \(error.reason)")
        }
    }

    /// A publisher key: PEM (Ed25519, ECDSA P-256/P-384, RSA), or wasmsign2's raw public key form (33 bytes:
    /// 0x01 then the Ed25519 key) in hex or Base64.
    static func publisherKey(_ text: String, _ path: String) throws -> PublicKey {
        if text.hasPrefix("-----BEGIN") { return try publicKey(text, path) }
        guard let raw = Hex.decode(text.lowercased()) ?? Base64.decode(text) else {
            throw TrustStoreError(
                .invalidKeyMaterial, "\(path) is neither a PEM public key nor a wasmsign2 raw key in hex or Base64")
        }
        do {
            return try PublicKey(wasmsignRaw: raw)
        } catch let error as CryptoError {
            throw TrustStoreError(.invalidKeyMaterial, "\(path) is not a usable wasmsign2 public key: \(error.reason)")
        }
    }

    static func name(_ value: JSONValue, _ path: String) throws -> String {
        let name = try value.asString(path)
        guard !name.isEmpty, name.utf8.count <= BundleLimits.nameLength,
            !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw TrustStoreError(
                .malformedBundle, "\(path) must be 1 to \(BundleLimits.nameLength) bytes with no control characters")
        }
        return name
    }

    static func publishers(_ value: JSONValue?) throws -> [Publisher] {
        guard let value else { return [] }
        let list = try value.asArray("bundle.publishers")
        guard list.count <= BundleLimits.publishers else {
            throw TrustStoreError(
                .limitExceeded, "bundle.publishers lists more than \(BundleLimits.publishers) publishers")
        }
        var names = Set<[UInt8]>()
        var ids = Set<String>()
        return try list.enumerated().map { index, item in
            let path = "bundle.publishers[\(index)]"
            let object = try item.asObject(path)
            try object.rejectUnknownKeys(allowed: ["name", "publicKey", "notBefore", "notAfter"], path)
            let name = try Self.name(object.require("name", path), "\(path).name")
            guard names.insert(Array(name.utf8)).inserted else {
                throw TrustStoreError(.malformedBundle, "\(path).name \"\(name)\" is used by another publisher")
            }
            let key = try publisherKey(
                object.require("publicKey", path).asString("\(path).publicKey"), "\(path).publicKey")
            let spki = Hex.encode(Digest.sha256(key.spkiDER))
            let keyID = key.wasmsigKeyID.map(Hex.encode) ?? spki
            guard ids.insert(keyID).inserted else {
                throw TrustStoreError(
                    .malformedBundle, "\(path) has the same key as another publisher (key id \(keyID))")
            }
            func optionalTime(_ key: String) throws -> Int64? {
                guard let text = try object.optional(key)?.asString("\(path).\(key)") else { return nil }
                guard let t = RFC3339.parse(text) else {
                    throw TrustStoreError(.malformedBundle, "\(path).\(key) is not an RFC 3339 time: \(text)")
                }
                return t
            }
            return Publisher(
                name: name, publicKey: key, keyID: keyID, spkiSHA256: spki,
                notBefore: try optionalTime("notBefore"), notAfter: try optionalTime("notAfter"))
        }
    }

    static func authorities(_ value: JSONValue?) throws -> [CertificateAuthority] {
        guard let value else { return [] }
        let list = try value.asArray("bundle.certificateAuthorities")
        guard list.count <= BundleLimits.certificateAuthorities else {
            throw TrustStoreError(
                .limitExceeded, "bundle.certificateAuthorities lists more than \(BundleLimits.certificateAuthorities)")
        }
        var names = Set<[UInt8]>()
        return try list.enumerated().map { index, item in
            let path = "bundle.certificateAuthorities[\(index)]"
            let object = try item.asObject(path)
            try object.rejectUnknownKeys(
                allowed: [
                    "name", "certificates", "intermediates", "requireCodeSigning", "subjectPattern", "sanPattern",
                ],
                path)
            let name = try Self.name(object.require("name", path), "\(path).name")
            guard names.insert(Array(name.utf8)).inserted else {
                throw TrustStoreError(.malformedBundle, "\(path).name \"\(name)\" is used by another authority")
            }
            func certificates(_ key: String, required: Bool) throws -> [Certificate] {
                guard let value = object.optional(key) else {
                    if required { throw TrustStoreError(.malformedBundle, "\(path).\(key) is required") }
                    return []
                }
                let pems = try value.asArray("\(path).\(key)")
                guard pems.count >= (required ? 1 : 0), pems.count <= BundleLimits.certificatesPerAuthority else {
                    throw TrustStoreError(
                        .malformedBundle,
                        "\(path).\(key) must hold \(required ? 1 : 0) to \(BundleLimits.certificatesPerAuthority) certificates"
                    )
                }
                return try pems.enumerated().flatMap { i, pem in
                    do {
                        return try Certificate.parseChain(pem: pem.asString("\(path).\(key)[\(i)]"))
                    } catch let error as CryptoError {
                        throw TrustStoreError(
                            .invalidKeyMaterial, "\(path).\(key)[\(i)] does not parse: \(error.reason)")
                    }
                }
            }
            let given = try certificates("certificates", required: true)
            let extra = try certificates("intermediates", required: false)
            guard given.count + extra.count <= BundleLimits.certificatesPerAuthority else {
                throw TrustStoreError(
                    .limitExceeded,
                    "\(path) holds more than \(BundleLimits.certificatesPerAuthority) certificates in all")
            }
            let roots = given.filter { $0.subject == $0.issuer && $0.isSignedBy($0) }
            guard !roots.isEmpty else {
                throw TrustStoreError(
                    .malformedBundle,
                    "\(path).certificates holds no self-signed root certificate: give the CA's root (and its intermediates)"
                )
            }
            let intermediates = given.filter { !roots.contains($0) } + extra
            var requireCodeSigning = true
            if let flag = object.optional("requireCodeSigning") {
                guard case .bool(let b) = flag else {
                    throw TrustStoreError(.malformedBundle, "\(path).requireCodeSigning must be true or false")
                }
                requireCodeSigning = b
            }
            func pattern(_ key: String) throws -> (String?, CompiledPattern?) {
                guard let text = try object.optional(key)?.asString("\(path).\(key)") else { return (nil, nil) }
                guard text.utf8.count <= BundleLimits.patternLength, let compiled = CompiledPattern(text) else {
                    throw TrustStoreError(
                        .malformedBundle,
                        "\(path).\(key) is not a valid regular expression (at most \(BundleLimits.patternLength) bytes)"
                    )
                }
                return (text, compiled)
            }
            let (subjectPattern, compiledSubject) = try pattern("subjectPattern")
            let (sanPattern, compiledSAN) = try pattern("sanPattern")
            return CertificateAuthority(
                name: name, certificates: given + extra, requireCodeSigning: requireCodeSigning,
                subjectPattern: subjectPattern, sanPattern: sanPattern,
                authority: VerificationPolicy.PrivateAuthority(
                    validator: CertificateChainValidator(roots: roots), intermediates: intermediates,
                    requiredExtendedKeyUsage: requireCodeSigning ? Certificate.codeSigningEKU : nil),
                compiledSubject: compiledSubject, compiledSAN: compiledSAN)
        }
    }

    static func identities(_ value: JSONValue?) throws -> [Identity] {
        guard let value else { return [] }
        let list = try value.asArray("bundle.identities")
        guard list.count <= BundleLimits.identities else {
            throw TrustStoreError(.limitExceeded, "bundle.identities lists more than \(BundleLimits.identities)")
        }
        var seen = Set<[String]>()
        return try list.enumerated().map { index, item in
            let path = "bundle.identities[\(index)]"
            let object = try item.asObject(path)
            try object.rejectUnknownKeys(allowed: ["name", "issuer", "subject", "subjectPattern"], path)
            let givenName = try object.optional("name").map { try Self.name($0, "\(path).name") }
            let issuer = try object.require("issuer", path).asString("\(path).issuer")
            let subject = try object.optional("subject")?.asString("\(path).subject")
            let pattern = try object.optional("subjectPattern")?.asString("\(path).subjectPattern")
            guard (subject == nil) != (pattern == nil) else {
                throw TrustStoreError(.malformedBundle, "\(path) needs exactly one of subject or subjectPattern")
            }
            guard !issuer.isEmpty else { throw TrustStoreError(.malformedBundle, "\(path).issuer is empty") }
            if let pattern {
                guard pattern.utf8.count <= BundleLimits.patternLength, CompiledPattern(pattern) != nil else {
                    throw TrustStoreError(
                        .malformedBundle,
                        "\(path).subjectPattern is not a valid regular expression (at most 1024 bytes)")
                }
            }
            let defaultName = subject ?? pattern ?? ""
            guard givenName != nil || defaultName.utf8.count <= BundleLimits.nameLength else {
                throw TrustStoreError(
                    .malformedBundle, "\(path) needs a \"name\": its subject is too long to serve as one")
            }
            let identity = Identity(name: givenName, issuer: issuer, subject: subject, subjectPattern: pattern)
            guard seen.insert([issuer, subject ?? "", pattern ?? ""]).inserted else {
                throw TrustStoreError(.malformedBundle, "\(path) repeats another identity")
            }
            return identity
        }
    }

    static func revocations(_ value: JSONValue?) throws -> Revocations {
        guard let value else { return Revocations(keyIDs: [], certificateSHA256: []) }
        let object = try value.asObject("bundle.revocations")
        try object.rejectUnknownKeys(allowed: ["keyIds", "certificateSha256"], "bundle.revocations")
        func hexSet(_ key: String, lengths: Set<Int>) throws -> Set<String> {
            guard let list = try object.optional(key)?.asArray("bundle.revocations.\(key)") else { return [] }
            var out = Set<String>()
            for (i, item) in list.enumerated() {
                let text = try item.asString("bundle.revocations.\(key)[\(i)]")
                guard lengths.contains(text.utf8.count), Hex.decode(text) != nil else {
                    throw TrustStoreError(
                        .malformedBundle,
                        "bundle.revocations.\(key)[\(i)] must be lowercase hex of \(lengths.sorted().map { String($0 / 2) }.joined(separator: " or ")) bytes"
                    )
                }
                guard out.insert(text).inserted else {
                    throw TrustStoreError(.malformedBundle, "bundle.revocations.\(key)[\(i)] is listed twice")
                }
            }
            return out
        }
        return Revocations(
            keyIDs: try hexSet("keyIds", lengths: [24, 64]),
            certificateSHA256: try hexSet("certificateSha256", lengths: [64]))
    }
}
