import ArgumentParser
import TrustStore
import WSCCrypto
import WSCJSON

struct BundleInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a trust bundle's content (signatures are not checked here; see verify).",
        discussion: ExitStatus.text(
            "the envelope was printed", nil, usage: "bad usage, an unreadable file or a malformed envelope or bundle"))

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Envelope to inspect.")
    var input: String

    @Flag(help: "Print the payload and signature list as JSON.")
    var json = false

    func run() throws {
        let (_, envelope) = try BundleFiles.loadEnvelope(input)
        let bundle: TrustBundle
        do {
            bundle = try TrustBundle(payload: envelope.payload)
        } catch let error as TrustStoreError {
            throw CLIError.usage("\(input): \(error.reason)")
        }
        if json {
            let signatures = JSONValue.array(
                envelope.signatures.map { .object(try! JSONObject([("keyid", .string($0.keyID))])) })
            let out = JSONValue.object(
                try! JSONObject([
                    ("payloadType", .string(envelope.payloadType)),
                    ("payload", try! JSONParser.parse(envelope.payload)),
                    ("signatures", signatures),
                    ("validity", .string(bundle.validity(at: TrustedTime.current(floor: 0).now).summary)),
                ]))
            print(String(decoding: JSONWriter.encode(out, pretty: true), as: UTF8.self))
            return
        }
        print(BundleText.describe(bundle, envelope: envelope, at: TrustedTime.current(floor: 0)))
    }
}

enum BundleText {
    static func describe(_ bundle: TrustBundle, envelope: DSSEEnvelope, at time: TrustedTime) -> String {
        var lines: [String] = []
        lines.append("trust bundle version \(bundle.version)")
        lines.append("  issued      \(RFC3339.format(bundle.issuedAt))")
        lines.append(
            "  valid       \(RFC3339.format(bundle.notBefore)) .. \(RFC3339.format(bundle.expires)) (grace \(bundle.gracePeriod / 86400) days)"
        )
        lines.append("  now         \(bundle.validity(at: time.now).summary)")
        lines.append(
            "  bundle keys \(bundle.bundleKeys.threshold) of \(bundle.bundleKeys.keys.count) must sign the next bundle:"
        )
        for key in bundle.bundleKeys.keys { lines.append("    \(key.publicKey.type) \(key.keyID)") }
        lines.append("  publishers  \(bundle.publishers.count)")
        for p in bundle.publishers {
            var window = ""
            if p.notBefore != nil || p.notAfter != nil {
                window = " valid \(p.notBefore.map(RFC3339.format) ?? "-") .. \(p.notAfter.map(RFC3339.format) ?? "-")"
            }
            lines.append("    \(escape(p.name)) \(p.publicKey.type) key id \(p.keyID)\(window)")
        }
        lines.append("  identities  \(bundle.identities.count)")
        for id in bundle.identities {
            lines.append(
                "    \(escape(id.name)): issuer \(escape(id.issuer)) subject \(id.subject.map(escape) ?? "~ " + escape(id.subjectPattern ?? ""))"
            )
        }
        lines.append("  private CAs \(bundle.certificateAuthorities.count)")
        for ca in bundle.certificateAuthorities {
            lines.append(
                "    \(escape(ca.name)): \(ca.certificates.map { escape($0.subject) }.joined(separator: " <- "))")
        }
        lines.append("  sigstore    \(bundle.sigstoreTrustedRoot == nil ? "none" : "trusted root embedded")")
        let rules = bundle.policy.rules + [bundle.policy.defaultRule]
        lines.append(
            "  policy      \(bundle.policy.document == nil ? "none (any one authority)" : "\(rules.count) rule(s)")")
        for rule in rules {
            let modules =
                rule.modules.isEmpty
                ? "every other module" : rule.modules.map { escape($0.source) }.joined(separator: ", ")
            let who = rule.authorities.map { $0.sorted().map(escape).joined(separator: ", ") } ?? "any authority"
            var extra = ""
            if rule.requireTlog { extra += ", transparency log required" }
            if rule.requireTimestamp { extra += ", timestamp required" }
            lines.append("    \(escape(rule.name)): \(modules): \(rule.threshold) of \(who)\(extra)")
        }
        lines.append(
            "  revocations \(bundle.revocations.keyIDs.count) key id(s), \(bundle.revocations.certificateSHA256.count) certificate(s)"
        )
        for id in bundle.revocations.keyIDs.sorted() { lines.append("    key \(id)") }
        for fp in bundle.revocations.certificateSHA256.sorted() { lines.append("    certificate \(fp)") }
        if let tuf = bundle.tuf {
            lines.append(
                "  tuf         \(escape(tuf.repositoryURL)) targets \(tuf.targets.map(escape).joined(separator: ", "))")
        }
        if let target = bundle.tuf?.sigstoreRootTarget {
            lines.append("  sigstore    root from TUF target \(escape(target)) once a refresh verifies it")
        }
        lines.append("  signatures  \(envelope.signatures.count)")
        for s in envelope.signatures { lines.append("    key id \(escape(s.keyID))") }
        return lines.joined(separator: "\n")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                out += "\\x" + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

struct BundleVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a bundle's signatures against given bundle keys and print its validity and days left.",
        discussion: ExitStatus.text(
            "the bundle passes the seal check",
            "the bundle fails a rule of the seal check (signatures, threshold, version, validity)"))

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Envelope to verify.")
    var input: String

    @Option(name: [.customShort("K"), .customLong("public-key")], help: "Trusted bundle key (repeatable).")
    var publicKey: [String] = []

    @Option(help: "How many of the given keys must have signed.")
    var threshold: Int = 1

    @Option(help: "Check validity at this time (RFC 3339) instead of now.")
    var at: String?

    func run() throws {
        let (bytes, envelope) = try BundleFiles.loadEnvelope(input)
        let keys = try BundleFiles.keyThreshold(publicKey, threshold: threshold, option: "-K")
        let time =
            try at.map { TrustedTime(systemClock: try BundleFiles.parseTime($0, "--at"), floor: 0) }
            ?? TrustedTime.current(floor: 0)
        do {
            let sealed = try SealCheck.seal(
                bytes, context: .init(authorizing: keys, counter: 0, activeDigest: nil, time: time))
            print(BundleText.describe(sealed.bundle, envelope: envelope, at: time))
            print(
                "signatures: valid, by \(sealed.signerKeyIDs.count) key(s) (\(keys.threshold) of the given keys required)"
            )
            try SealCheck.requireUsable(sealed, at: time)
            print("verdict: OK")
        } catch {
            throw BundleFiles.trustError(error)
        }
    }
}

struct BundleImportWscCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-wsc",
        abstract: "Convert a trust bundle of the wsc Rust tool into an unsigned wsc bundle envelope.",
        discussion: """
            The legacy signature is not carried over (it covers a re-serialization, not the bytes): sign the result \
            with your bundle keys. CAs and transparency logs become an embedded Sigstore trusted root (add CT log \
            keys with --ctlog, or merge a real trusted root with --trusted-root); revoked certificates are kept; \
            accepted signers come from --identity and rules from --policy (see docs/migrating.md).

            \(ExitStatus.text("the draft was written", nil, usage: "bad usage or an unreadable or malformed wsc bundle"))
            """)

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Legacy wsc bundle (JSON).")
    var input: String

    @Option(name: [.customShort("o"), .customLong("output-file")], help: "Envelope to write.")
    var output: String

    @Option(
        name: .customLong("bundle-version"),
        help: "Version of the new bundle (default: the legacy version; --version is wscctl's own flag).")
    var version: UInt64?

    @Option(help: "Key that may sign the next bundle (repeatable).")
    var bundleKey: [String] = []

    @Option(help: "How many bundle keys must sign the next bundle.")
    var threshold: Int = 1

    @Option(
        help: """
            A certificate transparency log as NAME=PUBLIC_KEY_PEM_FILE (repeatable; NAME is its URL, e.g. \
            https://ctfe.sigstore.dev/2022). wsc bundles carry none: without one, no keyless module verifies.
            """)
    var ctlog: [String] = []

    @Option(
        help: "A Sigstore trusted_root.json to merge with the converted CAs and logs (everything in both is trusted).")
    var trustedRoot: String?

    @Option(help: "Accepted keyless signer as ISSUER=SUBJECT (repeatable; wsc's --cert-oidc-issuer/--cert-identity).")
    var identity: [String] = []

    @Option(help: "Accepted keyless signers as ISSUER=REGEX on the whole subject (repeatable).")
    var identityPattern: [String] = []

    @Option(help: "A JSON policy document (rules by module name, authorities, thresholds; see docs/trust-bundle.md).")
    var policy: String?

    func run() throws {
        let bytes = try FileIO.read(input, what: "wsc bundle", limit: 8 << 20)
        let logs = try ctlog.map { entry -> WscLegacyBundle.CTLog in
            let (name, path) = try BundleFiles.splitPair(entry, "--ctlog")
            guard name.hasPrefix("https://") || name.hasPrefix("http://") else {
                throw CLIError.usage(
                    "--ctlog needs the log's URL as NAME (e.g. https://ctfe.sigstore.dev/2022), got \(name)")
            }
            return .init(name: name, key: try KeyFiles.loadPublicKey(path))
        }
        let realRoot = try trustedRoot.map { path -> JSONValue in
            do {
                return try JSONParser.parse(try FileIO.read(path, what: "trusted root", limit: 8 << 20))
            } catch let error as JSONError {
                throw CLIError.usage("\(path): \(error.reason)")
            }
        }
        let policyDocument = try policy.map { path -> JSONValue in
            do {
                return try JSONParser.parse(try FileIO.read(path, what: "policy document", limit: 1 << 20))
            } catch let error as JSONError {
                throw CLIError.usage("\(path): \(error.reason)")
            }
        }
        var identities: [TrustBundle.Identity] = []
        for entry in identity {
            let (issuer, subject) = try BundleFiles.splitPair(entry, "--identity")
            identities.append(.init(issuer: issuer, subject: subject, subjectPattern: nil))
        }
        for entry in identityPattern {
            let (issuer, pattern) = try BundleFiles.splitPair(entry, "--identity-pattern")
            identities.append(.init(issuer: issuer, subject: nil, subjectPattern: pattern))
        }
        do {
            let legacy = try WscLegacyBundle(parsing: bytes)
            guard !bundleKey.isEmpty else { throw CLIError.usage("give at least one --bundle-key") }
            var builder = TrustBundleBuilder(
                version: version ?? max(legacy.version, 1), issuedAt: TrustedTime.current(floor: 0).systemClock,
                notBefore: legacy.notBefore, expires: legacy.notAfter,
                bundleKeys: try bundleKey.map { try KeyFiles.loadPublicKey($0) })
            builder.gracePeriod = legacy.gracePeriod
            builder.threshold = threshold
            builder.sigstoreTrustedRoot = try legacy.trustedRoot(ctlogs: logs, merging: realRoot)
            builder.revokedCertificateSHA256 = legacy.revokedCertificates
            builder.identities = identities
            builder.policy = policyDocument
            try FileIO.writeAtomically(output, try builder.envelope().serialized())
            print(
                "converted wsc bundle version \(legacy.version) into \(output) (unsigned); sign it with wscctl bundle sign"
            )
            if logs.isEmpty && realRoot == nil {
                print(
                    "warning: no CT log keys (--ctlog or --trusted-root): keyless modules will fail sctInvalid under this bundle"
                )
            }
            if identities.isEmpty {
                print("note: no --identity: the bundle accepts no keyless signer (wsc bundles name none)")
            }
        } catch {
            throw BundleFiles.trustError(error)
        }
    }
}

struct BundleInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Seal-check a bundle and install it in a state directory (what wscd does on rotate).",
        discussion: ExitStatus.text(
            "the bundle was installed (or is already active)",
            "the bundle was refused by the seal check (signatures, rollback, validity)",
            usage: "bad usage, an unreadable file or state directory, or wscd holds the state"))

    @OptionGroup var state: StateOptions

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Signed envelope to install.")
    var input: String

    @Flag(
        help: """
            Allow the new bundle to drop the TUF pin of the active one (this ends automatic trust refresh); \
            without it such an install is refused.
            """)
    var dropTuf = false

    func run() throws {
        let store = try BundleFiles.openStore(
            stateDir: state.stateDir, sealKey: state.sealKey, pinned: state.pinnedKey, threshold: state.pinnedThreshold,
            forWriting: true, counter: state.counter)
        let (bytes, _) = try BundleFiles.loadEnvelope(input)
        do {
            let firstBoot = store.state == nil
            let sealed = try store.install(bytes, allowDroppingTUF: dropTuf)
            print(
                "installed trust bundle version \(sealed.version) (\(sealed.bundle.validity(at: store.trustedTime().now).summary))"
            )
            if firstBoot {
                print(
                    "first boot: \(state.stateDir) had no anti-rollback state; it starts at version \(sealed.version)")
            }
        } catch {
            throw BundleFiles.trustError(error)
        }
    }
}

struct BundleStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the state directory's counter, time floor and active bundle.",
        discussion: ExitStatus.text(
            "a bundle is installed and its state was printed", "no trust bundle is installed",
            usage: "bad usage or an unreadable or inconsistent state directory"))

    @OptionGroup var state: StateOptions

    func run() throws {
        let store = try BundleFiles.openStore(
            stateDir: state.stateDir, sealKey: state.sealKey, pinned: state.pinnedKey, threshold: state.pinnedThreshold,
            counter: state.counter)
        let time = store.trustedTime()
        guard let active = store.active, let persisted = store.state else {
            print("no trust bundle installed in \(state.stateDir)")
            throw CLIError(exitCode: ExitStatus.invalid, message: "no trust bundle installed")
        }
        print("state directory  \(state.stateDir) (\(store.directory.isSealed ? "sealed with HMAC" : "NOT sealed"))")
        print("counter          \(persisted.counter)")
        print(
            "first boot       \(persisted.firstBootAt.map(RFC3339.format) ?? "not recorded (state older than this wsc)")"
        )
        if let counter = state.counter {
            // Loading compared the state with the TPM: reaching here means they agree.
            print("tpm counter      \(counter.name) at \(persisted.tpmCounter.map { "\($0)" } ?? "-") (current)")
        }
        print("time floor       \(RFC3339.format(persisted.timeFloor))")
        print(
            "trusted time     \(RFC3339.format(time.now)) (system clock \(time.clockReliable ? "reliable" : "BELOW the floor: unreliable"))"
        )
        print("time source      \(time.sourceDescription)")
        print("active bundle    version \(active.version), digest \(active.digestHex)")
        print("validity         \(active.bundle.validity(at: time.now).summary)")
    }
}
