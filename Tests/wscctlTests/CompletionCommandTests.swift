import Foundation
import Testing

/// `wscctl completion SHELL` (what make install and the Debian package install; scripts/test-package.sh loads
/// each script into its shell).
@Suite struct CompletionCommandTests {
    @Test(arguments: [("bash", "-F _wscctl wscctl"), ("zsh", "#compdef wscctl"), ("fish", "complete -c 'wscctl'")])
    func printsTheScriptOfEachShell(_ shell: String, _ marker: String) throws {
        let result = try WSCCtlRunner().run(["completion", shell])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(marker))
        // Every command is offered, including the newest.
        for command in ["verify", "bundle", "rotate", "completion", "tpm-init"] {
            #expect(result.stdout.contains(command), "\(shell): \(command) missing")
        }
    }

    @Test(arguments: ["tcsh", "", "BASH", "powershell"])
    func anUnknownShellIsBadUsage(_ shell: String) throws {
        let result = try WSCCtlRunner().run(["completion", shell])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown shell \"\(shell)\""), "\(result.stderr)")
        #expect(result.stderr.contains("bash, zsh and fish"))
        #expect(result.stdout.isEmpty)
    }
}
