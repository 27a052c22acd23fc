import ArgumentParser
import KeylessWasm
import Sigstore
import WSCCrypto
import WasmSignatures

/// The keyless options of `wscctl verify`, named as cosign names them.
struct KeylessOptions: ParsableArguments {
    @Option(help: "Detached Sigstore bundle (module.wasm.sigstore.json) over the module file.")
    var bundle: String?

    @Flag(help: "Verify the Sigstore bundle embedded in the module's \"sigstore.bundle\" section.")
    var keyless = false

    @Option(help: "The signer's exact certificate identity (SAN: URI or email).")
    var certificateIdentity: String?

    @Option(help: "A regular expression the whole certificate identity must match.")
    var certificateIdentityRegexp: String?

    @Option(help: "The OIDC issuer the certificate must name (exact).")
    var certificateOidcIssuer: String?

    @Option(
        help:
            "Sigstore trusted_root.json to verify against (none is built in; needed for identities and --require-tlog)."
    )
    var trustedRoot: String?

    @Option(help: "Managed signing key (PEM) instead of a certificate identity.")
    var key: String?

    @Flag(
        help:
            "Demand a verified transparency log entry: with --key, against --trusted-root (by default a --key bundle needs none); with --state-dir or --daemon, only Sigstore evidence with one counts."
    )
    var requireTlog = false

    @Flag(help: "Accepted for cosign compatibility; verification is always offline.")
    var offline = false

    @Flag(
        help: ArgumentHelp(
            "Accepted for cosign compatibility (no effect): with --key, a bundle without a log entry is accepted.",
            discussion: "A log entry the bundle does carry is still verified against --trusted-root."))
    var insecureIgnoreTlog = false

    var isRequested: Bool { bundle != nil || keyless }

    /// Keyless options without --bundle or --keyless are a usage error.
    func checkUnused() throws {
        let given = [
            ("--certificate-identity", certificateIdentity),
            ("--certificate-identity-regexp", certificateIdentityRegexp),
            ("--certificate-oidc-issuer", certificateOidcIssuer), ("--trusted-root", trustedRoot), ("--key", key),
            ("--insecure-ignore-tlog", insecureIgnoreTlog ? "" : nil),
        ].filter { $0.1 != nil }.map(\.0)
        if !given.isEmpty {
            throw CLIError.usage(
                "\(given.joined(separator: ", ")) apply to keyless verification: add --bundle FILE or --keyless")
        }
    }

    /// The verification policy the options describe.
    func policy() throws -> VerificationPolicy {
        if let key {
            guard certificateIdentity == nil, certificateIdentityRegexp == nil, certificateOidcIssuer == nil else {
                throw CLIError.usage("--key names a managed key: the --certificate-* options do not apply")
            }
            // A key is its own trust: no log entry is needed unless --require-tlog asks for one.
            return VerificationPolicy(
                signer: .managedKey(try KeyFiles.loadPublicKey(key)), allowManagedKeyWithoutLog: !requireTlog)
        }
        guard let issuer = certificateOidcIssuer else {
            throw CLIError.usage("give --certificate-oidc-issuer URL with --certificate-identity, or --key FILE")
        }
        switch (certificateIdentity, certificateIdentityRegexp) {
        case (let identity?, nil): return .identity(identity, issuer: issuer)
        case (nil, let pattern?):
            do {
                _ = try Regex(pattern)
            } catch {
                throw CLIError.usage("--certificate-identity-regexp is not a valid regular expression: \(pattern)")
            }
            return VerificationPolicy(signer: .identityPattern(subjectPattern: pattern, issuer: issuer))
        case (nil, nil): throw CLIError.usage("give --certificate-identity or --certificate-identity-regexp")
        case (_?, _?):
            throw CLIError.usage("give either --certificate-identity or --certificate-identity-regexp, not both")
        }
    }
}

/// Keyless verification limits: a Sigstore bundle or trusted root is a few kilobytes.
enum KeylessFiles {
    static let maximumJSONSize = 4 * 1024 * 1024

    static func trustedRoot(_ path: String?) throws -> TrustedRoot {
        guard let path else {
            throw CLIError.usage(
                "give --trusted-root FILE: wscctl ships no Sigstore trusted root (take trusted_root.json from your TUF client, e.g. sigstore-python's or cosign's cache)"
            )
        }
        let bytes = try FileIO.read(path, what: "trusted root", limit: maximumJSONSize)
        do {
            return try TrustedRoot(json: bytes)
        } catch let error as SigstoreError {
            throw CLIError.usage("\(path): \(error.reason)")
        }
    }
}

extension VerifyCommand {
    struct KeylessVerdictJSON: Encodable {
        let module: String
        let valid: Bool
        let form: String
        let identity: String?
        let issuer: String?
        let logIndex: Int64?
        let integratedTime: Int64?
        let failedCheck: String?
        let reason: String?
    }

    func verifyKeyless() throws {
        guard !(keyless.bundle != nil && keyless.keyless) else {
            throw CLIError.usage("give either --bundle FILE (detached) or --keyless (embedded), not both")
        }
        guard publicKeys.isEmpty, signatureFile == nil, split == nil, stateDir == nil, !daemon, socket.socket == nil
        else {
            throw CLIError.usage("keyless verification takes no -K, -S, -s, --state-dir or --daemon")
        }
        if keyless.requireTlog, keyless.insecureIgnoreTlog {
            throw CLIError.usage("give either --require-tlog or --insecure-ignore-tlog, not both")
        }
        // A managed key needs no trusted root unless a log entry is demanded; identities always need one.
        let root: TrustedRoot
        if keyless.trustedRoot == nil, keyless.key != nil, !keyless.requireTlog {
            root = .empty
        } else if keyless.trustedRoot == nil, keyless.requireTlog {
            throw CLIError.usage(
                "--require-tlog needs --trusted-root FILE: the transparency log entry is verified against the logs it trusts"
            )
        } else {
            root = try KeylessFiles.trustedRoot(keyless.trustedRoot)
        }
        let policy = try keyless.policy()
        let moduleBytes = try FileIO.read(input, what: "module", limit: ModuleFiles.limits.maximumModuleSize)
        let source: KeylessBundleSource
        let form: String
        if let path = keyless.bundle {
            source = .detached(try FileIO.read(path, what: "bundle", limit: KeylessFiles.maximumJSONSize))
            form = "detached"
        } else {
            source = .embedded
            form = "embedded"
        }
        do {
            // With a managed key and no --trusted-root, a log entry the bundle carries is not evidence of
            // anything: it is skipped with a warning and the signature decides (--require-tlog demands one).
            let verdict = try KeylessVerifier(trustedRoot: root).verify(
                module: moduleBytes, bundle: source, policy: policy)
            for note in verdict.sigstore.notes {
                writeStderr(
                    "wscctl: warning: \(note)\(keyless.trustedRoot == nil ? "; give --trusted-root FILE to verify it" : "")\n"
                )
            }
            if keyless.requireTlog, verdict.logIndex == nil {
                throw KeylessError(
                    .verificationFailed, "--require-tlog: the bundle has no verified transparency log entry",
                    sigstoreError: SigstoreError(.untrustedLog, "no transparency log entry"))
            }
            if json {
                printJSON(
                    KeylessVerdictJSON(
                        module: input, valid: true, form: form, identity: verdict.identity, issuer: verdict.issuer,
                        logIndex: verdict.logIndex, integratedTime: verdict.integratedTime, failedCheck: nil,
                        reason: nil))
            } else {
                if let identity = verdict.identity {
                    print(
                        "\(input): keyless signature (\(form)) is valid, signed by \(identity) (issuer \(verdict.issuer ?? "-")), log index \(verdict.logIndex.map(String.init) ?? "-"), integrated time \(verdict.integratedTime.map(String.init) ?? "-")"
                    )
                } else if let logIndex = verdict.logIndex {
                    print(
                        "\(input): Sigstore bundle (\(form)) is valid, signed by the key \(keyless.key ?? "-"), log index \(logIndex), integrated time \(verdict.integratedTime.map(String.init) ?? "-")"
                    )
                } else {
                    print(
                        "\(input): Sigstore bundle (\(form)) is valid, signed by the key \(keyless.key ?? "-") (no transparency log entry)"
                    )
                }
            }
        } catch let error as KeylessError {
            let status = error.code == .malformedModule ? ExitStatus.usage : ExitStatus.invalid
            if json {
                printJSON(
                    KeylessVerdictJSON(
                        module: input, valid: false, form: form, identity: nil, issuer: nil, logIndex: nil,
                        integratedTime: nil, failedCheck: error.failedCheck, reason: error.reason))
            }
            throw CLIError(
                exitCode: status,
                message: "\(input): keyless verification failed (\(error.failedCheck)): \(error.reason)")
        }
    }
}

/// `wscctl attach-bundle`: embeds a Sigstore bundle as the module's last section.
struct AttachBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach-bundle",
        abstract: "Embed a Sigstore bundle (keyless signature) into a module as its \"sigstore.bundle\" section.",
        discussion: """
            The bundle must sign the input module's exact bytes (a detached bundle over it). It is appended as \
            the last section; verify with `wscctl verify --keyless`.

            \(ExitStatus.text("the module was written", "the Sigstore bundle is malformed or the module already carries one"))
            """)

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Module the bundle signs.")
    var input: String

    @Option(name: [.customShort("o"), .customLong("output-file")], help: "Module with the bundle embedded.")
    var output: String

    @Option(help: "Sigstore bundle to embed.")
    var bundle: String

    func run() throws {
        let module = try ModuleFiles.load(input)
        let bytes = try FileIO.read(bundle, what: "bundle", limit: KeylessFiles.maximumJSONSize)
        do {
            try FileIO.writeAtomically(output, KeylessWasm.attach(bundle: bytes, to: module))
        } catch let error as KeylessError {
            throw CLIError.usage("\(error.code == .malformedBundle ? bundle : input): \(error.reason)")
        }
    }
}

/// `wscctl detach-bundle`: takes the embedded Sigstore bundle out of a module.
struct DetachBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach-bundle",
        abstract: "Move a module's embedded Sigstore bundle into a detached bundle file.",
        discussion: """
            The output module is the input without its "sigstore.bundle" section, which is exactly what the \
            bundle signs: verify the pair with `wscctl verify --bundle FILE`.

            \(ExitStatus.text("the module and bundle were written", "the module carries no Sigstore bundle, or it is malformed"))
            """)

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Module with an embedded bundle.")
    var input: String

    @Option(name: [.customShort("o"), .customLong("output-file")], help: "Module without the bundle.")
    var output: String

    @Option(help: "Where to write the detached bundle.")
    var bundle: String

    func run() throws {
        let module = try ModuleFiles.load(input)
        do {
            let (plain, json) = try KeylessWasm.detach(from: module)
            try FileIO.writeAtomically(bundle, json)
            try FileIO.writeAtomically(output, plain)
        } catch let error as KeylessError {
            throw CLIError.invalid("\(input): \(error.reason)")
        }
    }
}
