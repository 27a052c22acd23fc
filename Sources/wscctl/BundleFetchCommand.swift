import ArgumentParser
import TUF
import TrustStore

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `wscctl bundle fetch`: a TUF download of a Sigstore trusted root and an unsigned bundle draft, in one step.
struct BundleFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a Sigstore trusted_root.json through TUF and write an unsigned trust bundle draft with it.",
        discussion: """
            Refreshes the repository from --tuf-root (root, timestamp, snapshot, targets: TUF 1.0), downloads the \
            --tuf-sigstore-root target (default trusted_root.json; length and hashes checked), checks it is a \
            usable Sigstore trusted root, and runs `wscctl bundle create` with it embedded. The options after -- \
            are passed to `bundle create` (-o, the version, --bundle-key, --identity, --policy, ...). Unless \
            --no-pin, the draft also pins the repository with the trusted root as its Sigstore root target, so an \
            online wscd keeps it fresh; identities and rules stay in the sealed bundle.

            Example:
              wscctl bundle fetch --tuf-url https://tuf-repo-cdn.sigstore.dev --tuf-root sigstore-root.json -- \\
                  -o draft.json --version 4 --bundle-key root.pub \\
                  --identity 'https://token.actions.githubusercontent.com=https://github.com/acme/app/...'

            \(ExitStatus.helpText)
            """)

    @OptionGroup var pin: TUFPinOptions

    @Option(help: "Where the repository's targets are (default: targets/ under --tuf-url).")
    var tufTargetsUrl: String?

    @Flag(help: "Embed the trusted root only; do not pin the TUF repository in the draft.")
    var noPin = false

    @Option(help: "The update time (RFC 3339) instead of the system clock, for a node with a known time.")
    var time: String?

    @Argument(parsing: .postTerminator, help: "After --: the options of `wscctl bundle create`.")
    var createArguments: [String] = []

    func run() throws {
        guard !createArguments.isEmpty else {
            throw CLIError.usage(
                "give the options of bundle create after --, e.g. -- -o draft.json --bundle-key root.pub ...")
        }
        if createArguments.contains("--trusted-root") {
            throw CLIError.usage("bundle fetch writes the trusted root itself: leave out --trusted-root")
        }
        var options = pin
        if options.tufSigstoreRoot == nil { options.tufSigstoreRoot = "trusted_root.json" }
        guard let settings = try options.settings(), let target = settings.sigstoreRootTarget,
            let rootPath = options.tufRoot
        else {
            throw CLIError.usage("bundle fetch needs --tuf-url and --tuf-root")
        }
        let now: Int64
        if let time {
            guard let t = TUFTime.parse(time) else {
                throw CLIError.usage("--time needs an RFC 3339 time such as 2026-11-21T00:00:00Z, got \(time)")
            }
            now = t
        } else {
            now = TUFTime.now()
        }

        var template = Array("/tmp/wscctl-fetch-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CLIError.usage("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        let work = String(cString: made)
        defer { removeTree(work) }
        let metadata = work + "/metadata"
        let targets = work + "/targets"
        let downloaded: String
        do {
            try TUFClient.initialize(
                metadataDirectory: metadata,
                trustedRoot: try FileIO.read(rootPath, what: "TUF root", limit: TUFPinOptions.maximumRootSize))
            let url = settings.repositoryURL
            let fetcher: any Fetcher = url.hasPrefix("file://") ? FileFetcher() : CurlFetcher()
            let client = try TUFClient(metadataDirectory: metadata, metadataBaseURL: url, fetcher: fetcher)
            try client.refresh(now: now)
            downloaded = try client.downloadTarget(
                name: target, targetBaseURL: tufTargetsUrl ?? (url.hasSuffix("/") ? url : url + "/") + "targets/",
                directory: targets, now: now)
        } catch let error as TUFError {
            throw CLIError.invalid("TUF: \(error.reason) [\(error.code)]")
        }
        do {
            _ = try TrustStore.parseSigstoreRoot(
                try FileIO.read(downloaded, what: "TUF target", limit: 8 << 20), target: target)
        } catch let error as TrustStoreError {
            throw CLIError.invalid(error.reason)
        }

        var arguments = createArguments + ["--trusted-root", downloaded]
        if !noPin {
            arguments += ["--tuf-url", settings.repositoryURL, "--tuf-root", rootPath, "--tuf-sigstore-root", target]
            for name in options.tufTarget { arguments += ["--tuf-target", name] }
        }
        let create: BundleCreateCommand
        do {
            create = try BundleCreateCommand.parse(arguments)
        } catch {
            throw CLIError.usage("bundle create: \(BundleCreateCommand.message(for: error))")
        }
        print("verified TUF target \(target) from \(settings.repositoryURL)")
        try create.run()
    }

    private func removeTree(_ path: String) {
        for sub in ["metadata", "targets"] {
            let dir = path + "/" + sub
            if let handle = opendir(dir) {
                while let entry = readdir(handle) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    if name != "." && name != ".." { unlink(dir + "/" + name) }
                }
                closedir(handle)
            }
            rmdir(dir)
        }
        rmdir(path)
    }
}
