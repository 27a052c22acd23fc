import ArgumentParser
import TrustStore
import WSCCrypto
import WSCJSON
import WSCProtocol
import WasmSignatures

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a module's signature with one or more public keys.",
        discussion: """
            With several -K, the module is valid if any key verifies it, and each key's result is reported \
            (a verification matrix). With -s, only the parts holding standard sections and custom sections whose \
            name matches REGEX must be signed.

            Keyless: --bundle FILE checks a detached Sigstore bundle over the module file's bytes; --keyless checks \
            the bundle embedded in the module's "sigstore.bundle" section over every other byte. Both need \
            either --certificate-identity (or --certificate-identity-regexp) with --certificate-oidc-issuer and \
            --trusted-root FILE, or --key FILE for a managed key. With --key, a bundle without a transparency log \
            entry (as `wscctl sign --sigstore-bundle` and cosign --tlog-upload=false write) is accepted and no \
            --trusted-root is needed; a log entry the bundle carries is verified against --trusted-root; \
            --require-tlog demands one. Verification is always offline.

            \(ExitStatus.text("the module is valid (every check asked for passed)", "a signature is invalid or missing, or the trust bundle's rule is not met"))
            """)

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Module to verify.")
    var input: String

    @Option(name: [.customShort("K"), .customLong("public-key")], help: "Public key file (repeatable).")
    var publicKeys: [String] = []

    @Option(name: [.customShort("S"), .customLong("signature-file")], help: "Detached signature file.")
    var signatureFile: String?

    @Option(
        name: [.customShort("s"), .customLong("split")], help: "Verify only parts with custom sections matching REGEX.")
    var split: String?

    @Flag(help: "Print the verdict as JSON.")
    var json = false

    @Option(help: "Verify against the sealed trust bundle installed in this state directory instead of -K keys.")
    var stateDir: String?

    @Option(help: "Seal key file for the state directory.")
    var sealKey: String?

    @Option(
        name: [.customLong("publisher"), .customLong("authority")],
        help:
            "With --state-dir or --daemon: an authority (publisher, identity or private CA of the bundle) that may count (repeatable; default: those the bundle's rule accepts). Narrows only."
    )
    var publisher: [String] = []

    @Option(help: "With --state-dir or --daemon: how many distinct authorities must have signed (at least the rule's).")
    var require: Int?

    @Option(help: "With --state-dir or --daemon: the module's name, to choose the trust bundle's rule.")
    var moduleName: String?

    @Flag(help: "Ask the running wscd (its sealed trust bundle) instead of verifying in this process.")
    var daemon = false

    @Flag(help: "With --daemon: pass the module as a file descriptor instead of sending its bytes.")
    var fd = false

    @OptionGroup var socket: SocketOptions

    @OptionGroup(title: "Keyless (Sigstore) verification") var keyless: KeylessOptions

    struct TrustVerdictJSON: Encodable {
        let module: String
        let valid: Bool
        let signers: [String]
        let bundleVersion: UInt64?
        let policy: String
        let reason: String?
        let warnings: [String]
    }

    struct KeyResult: Encodable {
        let key: String
        let keyId: String?
        let valid: Bool
        let reason: String?
        let partsVerified: Int?
        let skippedEntries: [String]?
    }

    struct Verdict: Encodable {
        let module: String
        let valid: Bool
        let reason: String?
        let keys: [KeyResult]
    }

    func run() throws {
        if daemon || socket.socket != nil || stateDir != nil {
            // The trust bundle names the Sigstore root and the accepted identities; only --bundle/--keyless apply.
            try keyless.checkUnused()
            if let stateDir, !daemon, socket.socket == nil { return try verifyWithBundle(stateDir: stateDir) }
            return try verifyWithDaemon()
        }
        if keyless.isRequested { return try verifyKeyless() }
        try keyless.checkUnused()
        guard !publicKeys.isEmpty else {
            throw CLIError.usage("give at least one public key with -K FILE, or a trust bundle with --state-dir DIR")
        }
        let pattern = try SectionPattern(split)
        let keys = try publicKeys.map { try KeyFiles.loadPublicKey($0) }
        let module = try ModuleFiles.load(input)
        let detached = try signatureFile.map { try ModuleFiles.loadSignature($0) }

        let verifier: WasmVerifier
        do {
            verifier = try WasmVerifier(module: module, detachedSignature: detached)
        } catch {
            let cli = ModuleFiles.cliError(error, context: input)
            if json {
                printJSON(Verdict(module: input, valid: false, reason: cli.message, keys: []))
                throw CLIError(exitCode: cli.exitCode, message: cli.message)
            }
            throw cli
        }
        var results: [KeyResult] = []
        for (path, key) in zip(publicKeys, keys) {
            do {
                let verdict =
                    split == nil
                    ? try verifier.verify(key: key) : try verifier.verifyParts(key: key, mustBeSigned: pattern.matches)
                results.append(
                    KeyResult(
                        key: path, keyId: key.wasmsigKeyID.map(Hex.encode), valid: true, reason: nil,
                        partsVerified: verdict.partCount, skippedEntries: verdict.notes.isEmpty ? nil : verdict.notes))
            } catch {
                let reason = (error as? WasmSignatureError)?.reason ?? "\(error)"
                results.append(
                    KeyResult(
                        key: path, keyId: key.wasmsigKeyID.map(Hex.encode), valid: false, reason: reason,
                        partsVerified: nil, skippedEntries: nil))
            }
        }
        let valid = results.contains { $0.valid }
        let reason = valid ? nil : results.compactMap(\.reason).first
        if json {
            printJSON(Verdict(module: input, valid: valid, reason: reason, keys: results))
        } else {
            for r in results {
                if r.valid {
                    print(
                        "\(input): signature is valid (key \(r.key), key id \(r.keyId ?? "-"), \(r.partsVerified ?? 0) part(s))"
                    )
                } else if results.count > 1 {
                    print("\(input): not signed by key \(r.key): \(r.reason ?? "")")
                }
            }
        }
        if !valid {
            throw CLIError(
                exitCode: ExitStatus.invalid, message: "\(input): signature verification failed: \(reason ?? "")")
        }
    }

    func verifyWithBundle(stateDir: String) throws {
        guard publicKeys.isEmpty, split == nil else {
            throw CLIError.usage("--state-dir verifies against the bundle's publishers: -K and -s do not apply")
        }
        let store = try BundleFiles.openStore(stateDir: stateDir, sealKey: sealKey, pinned: [], threshold: 1)
        guard let trust = store.active else {
            throw CLIError.invalid(
                "no trust bundle is installed in \(stateDir): install one with wscctl bundle install")
        }
        let request = try requestPolicy()
        if let problem = BundleVerifier.requestProblem(request, bundle: trust.bundle) {
            throw CLIError.usage(problem)
        }
        let moduleBytes = try FileIO.read(input, what: "module", limit: ModuleFiles.limits.maximumModuleSize)
        let detached = try signatureFile.map { try ModuleFiles.loadSignature($0) }
        let sigstoreBundle = try keyless.bundle.map { try FileIO.read($0, what: "Sigstore bundle", limit: 1 << 20) }
        let verdict = BundleVerifier.verify(
            moduleBytes: moduleBytes, detachedSignature: detached, sigstoreBundle: sigstoreBundle, trust: trust,
            request: request, time: store.trustedTime())
        if json {
            print(
                String(
                    decoding: JSONWriter.encode(.object(verdict.json(request: request, module: input)), pretty: true),
                    as: UTF8.self))
        } else {
            for warning in verdict.warnings { writeStderr("wscctl: warning: \(warning)\n") }
            if verdict.valid {
                print(
                    "\(input): valid, signed by \(verdict.signers.joined(separator: ", ")) under trust bundle version \(verdict.bundleVersion ?? 0) (rule \(verdict.rule ?? "default"))"
                )
            }
        }
        if !verdict.valid {
            throw CLIError.invalid(
                "\(input): refused under trust bundle version \(verdict.bundleVersion ?? 0) [\(verdict.code?.rawValue ?? "-")]: \(verdict.reason ?? "")"
            )
        }
    }

    /// The narrowing this command asks for; `--require` without names counts any authorities the rule accepts.
    func requestPolicy() throws -> RequestPolicy {
        var request = RequestPolicy(authorities: Set(publisher), require: require, moduleName: moduleName)
        request.requireTlog = keyless.requireTlog
        // --keyless asks for Sigstore evidence only; --bundle adds a detached bundle beside the module's own.
        if keyless.keyless { request.evidence = .keyless }
        return request
    }

    func verifyWithDaemon() throws {
        guard publicKeys.isEmpty, split == nil, stateDir == nil else {
            throw CLIError.usage("--daemon verifies against wscd's trust bundle: -K, -s and --state-dir do not apply")
        }
        // The request's fields and body layout are WSCProtocol's, shared with wscd.
        let request = VerifyRequest(
            evidence: keyless.keyless ? .keyless : .any, authorities: publisher, require: require,
            moduleName: moduleName, requireTlog: keyless.requireTlog)
        var module: [UInt8] = []
        var passFD: Int32?
        if fd {
            passFD = try FileIO.openRegular(input, what: "module")
        } else {
            module = try FileIO.read(input, what: "module", limit: ModuleFiles.limits.maximumModuleSize)
        }
        defer { if let passFD { close(passFD) } }
        let signature = try signatureFile.map { try ModuleFiles.loadSignature($0) }
        let sigstoreBundle = try keyless.bundle.map {
            try FileIO.read($0, what: "Sigstore bundle", limit: VerifyRequest.maximumSigstoreBundleLength)
        }
        let client = try socket.connect()
        var verdict: VerdictAnswer
        do {
            verdict = try client.verify(
                request, module: module, signature: signature, sigstoreBundle: sigstoreBundle, passing: passFD)
        } catch {
            throw daemonError(error)
        }
        verdict.module = input
        if json {
            print(String(decoding: JSONWriter.encode(.object(verdict.json), pretty: true), as: UTF8.self))
        }
        let version = verdict.bundleVersion.map(String.init) ?? "?"
        if !json, verdict.valid {
            print(
                "\(input): valid, signed by \(verdict.signers.joined(separator: ", ")) under trust bundle version \(version) (wscd, rule \(verdict.rule ?? "default"))"
            )
        }
        if !verdict.valid {
            throw CLIError.invalid(
                "\(input): refused by wscd under trust bundle version \(version) [\(verdict.code ?? "-")]: \(verdict.reason ?? "")"
            )
        }
    }
}
