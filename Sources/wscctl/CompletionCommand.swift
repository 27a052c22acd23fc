import ArgumentParser

/// `wscctl completion SHELL`: the completion script for bash, zsh or fish on stdout, the same one `make install`
/// and the Debian package install.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            make install and the Debian package install them where each shell looks: bash \
            (share/bash-completion/completions/wscctl), zsh (share/zsh/vendor-completions/_wscctl), fish \
            (share/fish/vendor_completions.d/wscctl.fish). To try one without installing: \
            source <(wscctl completion bash).

            \(ExitStatus.text("the script was printed", nil, usage: "a shell other than bash, zsh or fish"))
            """)

    @Argument(help: "bash, zsh or fish.", completion: .list(["bash", "zsh", "fish"]))
    var shell: String

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell), CompletionShell.allCases.contains(kind) else {
            throw CLIError.usage(
                "completion: unknown shell \"\(shell)\"; wscctl has completion scripts for bash, zsh and fish "
                    + "(e.g. wscctl completion bash > /etc/bash_completion.d/wscctl)")
        }
        print(RootCommand.completionScript(for: kind), terminator: "")
    }
}
