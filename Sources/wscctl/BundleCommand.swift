import ArgumentParser
import TrustStore
import WSCCrypto
import WSCJSON
import WSCTPM

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Build, sign, inspect, verify and install sealed trust bundles (see docs/trust-bundle.md).",
        discussion: ExitStatus.text("the subcommand succeeded", "the subcommand refused a bundle (see its --help)"),
        subcommands: [
            BundleCreateCommand.self, BundleSignCommand.self, BundleInspectCommand.self, BundleVerifyCommand.self,
            BundleImportWscCommand.self, BundleInstallCommand.self, BundleStatusCommand.self, BundleFetchCommand.self,
        ])
}

/// Shared helpers for the bundle commands.
enum BundleFiles {
    static func loadEnvelope(_ path: String) throws -> (bytes: [UInt8], envelope: DSSEEnvelope) {
        let bytes = try FileIO.read(path, what: "trust bundle", limit: SealCheck.maximumEnvelopeSize)
        do {
            return (bytes, try DSSEEnvelope(parsing: bytes, maximumSize: SealCheck.maximumEnvelopeSize))
        } catch let error as TrustStoreError {
            throw CLIError.usage("\(path): \(error.reason)")
        }
    }

    static func parseTime(_ text: String, _ option: String) throws -> Int64 {
        guard let t = RFC3339.parse(text) else {
            throw CLIError.usage("\(option) needs an RFC 3339 time such as 2026-11-21T00:00:00Z, got \(text)")
        }
        return t
    }

    static func splitPair(_ text: String, _ option: String) throws -> (String, String) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex, text.index(after: eq) != text.endIndex else {
            throw CLIError.usage("\(option) needs NAME=VALUE, got \(text)")
        }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    static func keyThreshold(_ paths: [String], threshold: Int, option: String) throws -> KeyThreshold {
        guard !paths.isEmpty else { throw CLIError.usage("give at least one key with \(option)") }
        do {
            let keys = try paths.map { try BundleKey(KeyFiles.loadPublicKey($0)) }
            return try KeyThreshold(keys: keys, threshold: threshold)
        } catch let error as TrustStoreError {
            throw CLIError.usage(error.reason)
        }
    }

    static func trustError(_ error: Error) -> CLIError {
        guard let error = error as? TrustStoreError else {
            return (error as? CLIError) ?? .usage("\(error)")
        }
        switch error.code {
        case .io, .limitExceeded, .malformedEnvelope, .malformedBundle, .invalidKeyMaterial, .stateUnreadable:
            return .usage(error.reason)
        default:
            return .invalid(error.reason)
        }
    }

    /// Opens a state directory. A writer (`forWriting`) first takes its lock, so it is refused while wscd runs
    /// there; a reader takes none and never waits.
    static func openStore(
        stateDir: String, sealKey: String?, pinned: [String], threshold: Int, forWriting: Bool = false,
        counter: TPMCounter? = nil
    ) throws -> TrustStore {
        do {
            var seal: SecretBytes?
            if let sealKey {
                var bytes = try FileIO.read(sealKey, what: "seal key", limit: 4096, secret: true)
                guard bytes.count >= 32 else {
                    throw CLIError.usage("the seal key \(sealKey) must hold at least 32 bytes")
                }
                seal = SecretBytes(consuming: &bytes)
            }
            let directory = try StateDirectory(path: stateDir, sealKey: seal, counter: counter)
            if forWriting { try directory.lock(owner: "wscctl") }
            let pinnedKeys =
                pinned.isEmpty ? nil : try keyThreshold(pinned, threshold: threshold, option: "--pinned-key")
            return try TrustStore(directory: directory, pinned: pinnedKeys)
        } catch {
            throw trustError(error)
        }
    }
}

struct StateOptions: ParsableArguments {
    @Option(help: "The node's state directory (anti-rollback state and active bundle).")
    var stateDir: String

    @Option(help: "File holding the HMAC key that seals the state (e.g. $CREDENTIALS_DIRECTORY/wscd-seal-key).")
    var sealKey: String?

    @Option(help: "Key pinned for the very first bundle (repeatable).")
    var pinnedKey: [String] = []

    @Option(help: "How many pinned keys must sign the first bundle.")
    var pinnedThreshold: Int = 1

    @Option(
        help:
            "TCTI of the TPM whose NV counter guards this state (wscd's [state] tpm2_tcti, e.g. device:/dev/tpmrm0); give it on nodes with rollback_counter = \"tpm2\"."
    )
    var tpmTcti: String?

    @Option(help: "NV index of the TPM counter (wscd's [state] tpm2_nv_index).", transform: TPMOptions.parseIndex)
    var tpmNvIndex: UInt32 = TPMCounter.defaultIndex

    /// The TPM counter, when `--tpm-tcti` was given.
    var counter: TPMCounter? { tpmTcti.map { TPMCounter(tcti: $0, index: tpmNvIndex) } }
}

struct BundleCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an unsigned trust bundle envelope.",
        discussion: ExitStatus.text(
            "the unsigned envelope was written", nil, usage: "bad usage or an unreadable key, root, CA or policy file"))

    @Option(name: [.customShort("o"), .customLong("output-file")], help: "Envelope to write.")
    var output: String

    @Option(
        name: .customLong("bundle-version"),
        help: "Bundle version: higher than any bundle nodes have accepted (was --version, which is wscctl's own flag).")
    var version: UInt64

    @Option(help: "Issue time (RFC 3339; default: now).")
    var issuedAt: String?

    @Option(help: "Start of validity (RFC 3339; default: the issue time).")
    var notBefore: String?

    @Option(help: "End of validity (RFC 3339). Or use --valid-days.")
    var expires: String?

    @Option(help: "Validity in days from --not-before (default 90).")
    var validDays: Int = 90

    @Option(help: "Grace period after expiry, in days (default 7).")
    var graceDays: Int = 7

    @Option(help: "Publisher as NAME=PUBLIC_KEY_FILE (repeatable).")
    var publisher: [String] = []

    @Option(help: "A Sigstore trusted_root.json to embed.")
    var trustedRoot: String?

    @Option(help: "Private CA as NAME=PEM_FILE (repeatable).")
    var ca: [String] = []

    @Option(help: "Accepted keyless signer as ISSUER=SUBJECT (repeatable).")
    var identity: [String] = []

    @Option(help: "Accepted keyless signers as ISSUER=REGEX on the subject (repeatable).")
    var identityPattern: [String] = []

    @Option(help: "A JSON policy document (rules by module name, authorities, thresholds; see docs/trust-bundle.md).")
    var policy: String?

    @Option(help: "Revoked key id (hex wasmsig key id or SPKI SHA-256; repeatable).")
    var revokeKeyId: [String] = []

    @Option(help: "Revoked certificate SHA-256 (hex; repeatable).")
    var revokeCertSha256: [String] = []

    @Option(help: "Key that may sign the next bundle (repeatable).")
    var bundleKey: [String] = []

    @Option(help: "How many bundle keys must sign the next bundle.")
    var threshold: Int = 1

    @OptionGroup var tuf: TUFPinOptions

    func run() throws {
        let now = TrustedTime.current(floor: 0).systemClock
        let issued = try issuedAt.map { try BundleFiles.parseTime($0, "--issued-at") } ?? now
        let start = try notBefore.map { try BundleFiles.parseTime($0, "--not-before") } ?? issued
        let end = try expires.map { try BundleFiles.parseTime($0, "--expires") } ?? start + Int64(validDays) * 86400
        guard !bundleKey.isEmpty else {
            throw CLIError.usage("give at least one --bundle-key (who may sign the next bundle)")
        }
        var builder = TrustBundleBuilder(
            version: version, issuedAt: issued, notBefore: start, expires: end,
            bundleKeys: try bundleKey.map { try KeyFiles.loadPublicKey($0) })
        builder.gracePeriod = Int64(graceDays) * 86400
        builder.threshold = threshold
        for entry in publisher {
            let (name, path) = try BundleFiles.splitPair(entry, "--publisher")
            builder.publishers.append(.init(name: name, publicKey: try KeyFiles.loadPublicKey(path)))
        }
        if let trustedRoot {
            let bytes = try FileIO.read(trustedRoot, what: "trusted root", limit: 8 << 20)
            do {
                builder.sigstoreTrustedRoot = try JSONParser.parse(bytes)
            } catch let error as JSONError {
                throw CLIError.usage("\(trustedRoot): \(error.reason)")
            }
        }
        for entry in ca {
            let (name, path) = try BundleFiles.splitPair(entry, "--ca")
            let text = String(decoding: try FileIO.read(path, what: "CA file", limit: 1 << 20), as: UTF8.self)
            do {
                builder.certificateAuthorities.append(
                    .init(name: name, certificates: try Certificate.parseChain(pem: text)))
            } catch let error as CryptoError {
                throw CLIError.usage("\(path): \(error.reason)")
            }
        }
        for entry in identity {
            let (issuer, subject) = try BundleFiles.splitPair(entry, "--identity")
            builder.identities.append(.init(issuer: issuer, subject: subject, subjectPattern: nil))
        }
        for entry in identityPattern {
            let (issuer, pattern) = try BundleFiles.splitPair(entry, "--identity-pattern")
            builder.identities.append(.init(issuer: issuer, subject: nil, subjectPattern: pattern))
        }
        if let policy {
            let bytes = try FileIO.read(policy, what: "policy document", limit: 1 << 20)
            do {
                builder.policy = try JSONParser.parse(bytes)
            } catch let error as JSONError {
                throw CLIError.usage("\(policy): \(error.reason)")
            }
        }
        builder.tuf = try tuf.settings()
        builder.revokedKeyIDs = revokeKeyId.map { $0.lowercased() }
        builder.revokedCertificateSHA256 = revokeCertSha256.map { $0.lowercased() }
        do {
            try FileIO.writeAtomically(output, try builder.envelope().serialized())
        } catch let error as TrustStoreError {
            throw CLIError.usage(error.reason)
        }
        print(
            "wrote unsigned trust bundle version \(version) to \(output); sign it with: wscctl bundle sign -i \(output) -o \(output) -k KEY"
        )
    }
}

struct BundleSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Add a signature to a trust bundle envelope (signers sign in turn).",
        discussion: ExitStatus.text(
            "the signature was added", nil, usage: "bad usage, an unreadable key or a malformed envelope"))

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Envelope to sign.")
    var input: String

    @Option(
        name: [.customShort("o"), .customLong("output-file")], help: "Signed envelope to write (may be the input).")
    var output: String

    @Option(
        name: [.customShort("k"), .customLong("secret-key")],
        help: "Bundle signing key (Ed25519 or ECDSA P-256): a file, a pkcs11: URI or tpm2:handle=0x81….")
    var secretKey: String

    func run() throws {
        var (_, envelope) = try BundleFiles.loadEnvelope(input)
        let key = try KeyFiles.loadSecretKey(secretKey)
        do {
            _ = try TrustBundle(payload: envelope.payload)
            try envelope.sign(with: key)
        } catch let error as TrustStoreError {
            throw CLIError.usage("\(input): \(error.reason)")
        }
        try FileIO.writeAtomically(output, envelope.serialized())
        print("signed with key \(try BundleKey(key.publicKey).keyID); \(envelope.signatures.count) signature(s)")
    }
}
