import ArgumentParser
import TUF

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `wscctl tuf init|refresh|download`: the TUF client, with the tuf-conformance command-line interface.
///
/// One command with a positional verb rather than ArgumentParser subcommands, so that the options may come
/// before the verb, as tuf-conformance sends them.
struct TUFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tuf",
        abstract: "Keep trusted TUF metadata up to date and download targets (TUF 1.0 client).",
        discussion: """
            Commands (options may come before or after the command word):
              init ROOT.json   check ROOT.json (obtained out of band) is self-signed; copy it into --metadata-dir
              refresh          update root, timestamp, snapshot and targets (TUF spec 5.1 to 5.6)
              download         refresh, then download each --target-name into --target-dir (length and hashes \
            checked)

            Exit status: 0 success; 1 any failure, a bad option included (with a message on standard error); 2 is \
            not used.
            """
    )

    /// Everything after `tuf`, parsed in `run()` so that even a bad option exits with status 1.
    @Argument(parsing: .captureForPassthrough, help: "init ROOT.json | refresh | download, and the options below.")
    var arguments: [String] = []

    func run() throws {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(Self.helpMessage() + "\n\n" + TUFArguments.helpMessage())
            return
        }
        let parsed: TUFArguments
        do {
            parsed = try TUFArguments.parse(arguments)
        } catch {
            throw CLIError.invalid("tuf: \(TUFArguments.message(for: error))")
        }
        try parsed.run()
    }
}

/// The `tuf` command line: a command word, its argument, and the options in any position.
struct TUFArguments: ParsableArguments {
    @OptionGroup var options: TUFOptions

    @Argument(help: "init ROOT.json | refresh | download")
    var words: [String] = []

    func run() throws {
        try tufRun {
            switch words.first {
            case "init":
                guard words.count == 2 else { throw CLIError.invalid("tuf: usage: wscctl tuf init ROOT.json") }
                try initialize(root: words[1])
            case "refresh":
                guard words.count == 1 else { throw CLIError.invalid("tuf: refresh takes no argument") }
                try options.client().refresh(now: options.now())
            case "download":
                guard words.count == 1 else { throw CLIError.invalid("tuf: download takes no argument") }
                try download()
            default:
                throw CLIError.invalid("tuf: expected init, refresh or download (see wscctl tuf --help)")
            }
        }
    }

    func initialize(root: String) throws {
        let directory = try options.require(options.metadataDir, "metadata-dir")
        let bytes = try FileIO.read(root, what: "trusted root", limit: 512 * 1024)
        try TUFClient.initialize(metadataDirectory: directory, trustedRoot: bytes)
    }

    func download() throws {
        let client = try options.client()
        let base = try options.require(options.targetBaseUrl, "target-base-url")
        let directory = try options.require(options.targetDir, "target-dir")
        guard !options.targetName.isEmpty else { throw CLIError.invalid("tuf: --target-name is required") }
        let now = try options.now()
        try client.refresh(now: now)
        for name in options.targetName {
            try client.downloadTarget(name: name, targetBaseURL: base, directory: directory, now: now)
        }
    }
}

/// Options every `tuf` subcommand accepts, in any position.
struct TUFOptions: ParsableArguments {
    @Option(help: "Directory of trusted metadata (root.json, timestamp.json, ...).")
    var metadataDir: String?

    @Option(help: "Repository metadata URL (http, https, file) or absolute directory path.")
    var metadataUrl: String?

    @Option(help: "Repository targets URL (http, https, file) or absolute directory path.")
    var targetBaseUrl: String?

    @Option(help: "Target path to download (repeatable; processed in order).")
    var targetName: [String] = []

    @Option(help: "Directory where downloaded targets are stored.")
    var targetDir: String?

    @Option(
        help: """
            The update time (RFC 3339, e.g. 2025-02-09T12:02:08Z) instead of the system clock: for tests and \
            air-gapped nodes with a known time. Also read from $WSC_TUF_TIME.
            """)
    var time: String?

    @Option(help: "HTTP(S) proxy for libcurl, e.g. http://proxy:3128.")
    var proxy: String?

    @Option(help: "libcurl CURLOPT_PINNEDPUBLICKEY: a public key file or sha256//BASE64 pins.")
    var pinnedPublicKey: String?

    func require(_ value: String?, _ name: String) throws -> String {
        guard let value, !value.isEmpty else { throw CLIError.invalid("tuf: --\(name) is required") }
        return value
    }

    func now() throws -> Int64 {
        var text = time
        if text == nil, let env = getenv("WSC_TUF_TIME") { text = String(cString: env) }
        guard let text else { return TUFTime.now() }
        guard let seconds = TUFTime.parse(text) else {
            throw CLIError.invalid("tuf: --time \(text) is not an RFC 3339 time such as 2025-02-09T12:02:08Z")
        }
        return seconds
    }

    func client() throws -> TUFClient {
        let directory = try require(metadataDir, "metadata-dir")
        let url = try require(metadataUrl, "metadata-url")
        let fetcher: any Fetcher
        if url.hasPrefix("/") {
            fetcher = FileFetcher()
        } else {
            fetcher = CurlFetcher(pinnedPublicKey: pinnedPublicKey, proxy: proxy)
        }
        return try TUFClient(metadataDirectory: directory, metadataBaseURL: url, fetcher: fetcher)
    }
}

/// Runs `body`, turning any failure into exit status 1 with the reason on stderr.
func tufRun(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as TUFError {
        throw CLIError.invalid("tuf: \(error.reason) [\(error.code)]")
    } catch let error as CLIError {
        throw CLIError.invalid(error.message)
    } catch {
        throw CLIError.invalid("tuf: \(error)")
    }
}
