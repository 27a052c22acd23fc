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

    static let helpText = """
        Exit status: 0 the signature is valid (or the command succeeded); 1 a signature is invalid or missing;
        2 bad usage or unreadable input (missing file, malformed module or key, wrong permissions).
        """
}
