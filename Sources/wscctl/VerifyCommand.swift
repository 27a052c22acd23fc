import ArgumentParser
import WSCCrypto
import WasmSignatures

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a module's signature with one or more public keys.",
        discussion: """
            With several -K, the module is valid if any key verifies it, and each key's result is reported \
            (a verification matrix). With -s, only the parts holding standard sections and custom sections whose \
            name matches REGEX must be signed.

            \(ExitStatus.helpText)
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
        guard !publicKeys.isEmpty else { throw CLIError.usage("give at least one public key with -K FILE") }
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
                        key: path, keyId: key.wasmsigKeyID.map(hexString), valid: true, reason: nil,
                        partsVerified: verdict.partCount, skippedEntries: verdict.notes.isEmpty ? nil : verdict.notes))
            } catch {
                let reason = (error as? WasmSignatureError)?.reason ?? "\(error)"
                results.append(
                    KeyResult(
                        key: path, keyId: key.wasmsigKeyID.map(hexString), valid: false, reason: reason,
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
}
