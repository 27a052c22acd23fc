/// A failure with the exit code the documentation promises: 1 when a signature is invalid or missing,
/// 2 for bad usage or unreadable input.
struct CLIError: Error, CustomStringConvertible {
    let exitCode: Int32
    let message: String

    static func invalid(_ message: String) -> CLIError { CLIError(exitCode: 1, message: message) }
    static func usage(_ message: String) -> CLIError { CLIError(exitCode: 2, message: message) }

    var description: String { message }
}

enum ExitStatus {
    static let valid: Int32 = 0
    static let invalid: Int32 = 1
    static let usage: Int32 = 2

    /// The root command's summary; each command's --help says what 0, 1 and 2 mean for it (``text(_:_:)``).
    static let helpText = """
        Exit status: 0 success; 1 a refusal (a signature or trust bundle that does not verify, a request wscd \
        refused on its merits); 2 bad usage or unreadable input (missing file, malformed module or key, wrong \
        permissions, wscd unreachable). Each command's --help says what they mean for it.
        """

    /// One command's exit-status text: what 0 and 1 mean for it (`nil`: 1 is not used), 2 always bad usage or
    /// unreadable input.
    static func text(_ success: String, _ refusal: String?, usage: String = "bad usage or unreadable input") -> String {
        let one = refusal.map { "1 \($0)" } ?? "1 is not used"
        return "Exit status: 0 \(success); \(one); 2 \(usage)."
    }

    static let daemonUsage = "bad usage, wscd unreachable, or wscd refused the request as malformed or not authorized"
}
