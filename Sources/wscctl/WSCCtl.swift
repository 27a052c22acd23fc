import ArgumentParser

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@main
struct WSCCtl {
    static func main() {
        if let problem = RootCommand.renamedOption(Array(CommandLine.arguments.dropFirst())) {
            writeStderr("wscctl: \(problem)\n")
            exit(ExitStatus.usage)
        }
        do {
            var command = try RootCommand.parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            writeStderr("wscctl: \(error.message)\n")
            exit(error.exitCode)
        } catch {
            let code = RootCommand.exitCode(for: error)
            let message = RootCommand.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            writeStderr(message + "\n")
            // Argument errors are "bad usage": exit 2 as documented, not ArgumentParser's 64.
            exit(code == .validationFailure ? ExitStatus.usage : (code.rawValue == 0 ? 0 : ExitStatus.usage))
        }
    }
}

struct RootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wscctl",
        abstract: "Sign and verify WebAssembly modules (wasmsig format, compatible with wasmsign2).",
        discussion: """
            Key files may be wasmsign2 raw keys (33-byte public, 65-byte secret), PEM (PUBLIC KEY / PRIVATE KEY, \
            PKCS#8) or DER. Secret key files must not be readable by group or others (chmod 600).

            \(ExitStatus.helpText)
            """,
        version: BuildInfo.versionText,
        subcommands: [
            KeygenCommand.self, SignCommand.self, VerifyCommand.self, ShowCommand.self, SplitCommand.self,
            DetachCommand.self, AttachCommand.self, AttachBundleCommand.self, DetachBundleCommand.self,
            BundleCommand.self, KeyCommand.self, StatusCommand.self, RotateCommand.self,
            ReloadCommand.self, RefreshCommand.self, TUFCommand.self, StateCommand.self, CompletionCommand.self,
        ]
    )
}

extension RootCommand {
    /// An option spelled as it was before a rename, with what to write instead; nil when there is none. Checked
    /// before parsing: `bundle create --version N` would otherwise print wscctl's version and exit 0.
    static func renamedOption(_ arguments: [String]) -> String? {
        guard arguments.count >= 2, arguments[0] == "bundle", arguments[1] == "create" else { return nil }
        for argument in arguments.dropFirst(2) {
            if argument == "--" { return nil }
            if argument == "--version" || argument.hasPrefix("--version=") {
                return
                    "[renamedOption] bundle create: the bundle's version is given with --bundle-version N (--version is wscctl's own version flag); e.g. wscctl bundle create --bundle-version 2 ..."
            }
        }
        return nil
    }
}
