import ArgumentParser
import TUF
import TrustStore
import WSCJSON

/// The `tuf` pin of a trust bundle, by flags: where wscd refreshes trust, the root metadata it starts from, and
/// which targets it fetches (`bundle create`, `bundle fetch`).
struct TUFPinOptions: ParsableArguments {
    @Option(help: "TUF repository metadata URL (https, http or file) to pin for automatic refresh.")
    var tufUrl: String?

    @Option(help: "The repository's root.json (obtained out of band), pinned in the bundle; checked to be self-signed.")
    var tufRoot: String?

    @Option(help: "A TUF target wscd fetches on each refresh (repeatable), e.g. wsc-trust-bundle.json.")
    var tufTarget: [String] = []

    @Option(
        help: """
            The TUF target that is a Sigstore trusted_root.json, applied as the bundle's Sigstore trust root when \
            a refresh verifies it (added to the targets). Identities and rules stay in the sealed bundle.
            """)
    var tufSigstoreRoot: String?

    /// The largest root metadata accepted (the TUF client's own limit).
    static let maximumRootSize = 512 * 1024

    /// The pin, or `nil` when no `--tuf-*` option is given.
    func settings() throws -> TrustBundle.TUFSettings? {
        guard tufUrl != nil || tufRoot != nil || !tufTarget.isEmpty || tufSigstoreRoot != nil else { return nil }
        guard let tufUrl, let tufRoot else {
            throw CLIError.usage(
                "a TUF pin needs --tuf-url and --tuf-root together (and at least one --tuf-target or --tuf-sigstore-root)"
            )
        }
        guard ["https://", "http://", "file://"].contains(where: { tufUrl.hasPrefix($0) }), tufUrl.count > 8 else {
            throw CLIError.usage("--tuf-url must be an https://, http:// or file:// URL, got \(tufUrl)")
        }
        var targets: [String] = []
        for name in tufTarget + (tufSigstoreRoot.map { [$0] } ?? []) where !targets.contains(name) {
            guard !name.isEmpty else { throw CLIError.usage("--tuf-target needs a target name") }
            targets.append(name)
        }
        guard !targets.isEmpty else {
            throw CLIError.usage("a TUF pin needs at least one --tuf-target (or --tuf-sigstore-root): what to fetch")
        }
        let bytes = try FileIO.read(tufRoot, what: "TUF root", limit: Self.maximumRootSize)
        do {
            try TUFClient.checkTrustedRoot(bytes)
        } catch let error as TUFError {
            throw CLIError.usage("\(tufRoot) is not a usable TUF root: \(error.reason) [\(error.code)]")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch let error as JSONError {
            throw CLIError.usage("\(tufRoot): \(error.reason)")
        }
        return TrustBundle.TUFSettings(
            repositoryURL: tufUrl, root: root, targets: targets, sigstoreRootTarget: tufSigstoreRoot)
    }
}
