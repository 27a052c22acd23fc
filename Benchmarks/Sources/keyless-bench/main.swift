// keyless-bench: in-process Sigstore bundle verification (parse + full offline verify), median per verify.
//
// Usage: keyless-bench --root trusted_root.json --bundle bundle.sigstore.json --artifact FILE
//                      --identity SAN --issuer URL [--series 7] [--seconds 1] [--embedded-module FILE]
//                      [--iterations N]
// Prints one record per line for awk: `keyless <case> median_us=<x> min_us=<x> max_us=<x> series=<n> iters=<n>`,
// the median over series of each series' mean time per verify. With --embedded-module, also the whole
// verification through a sealed trust bundle (BundleVerifier: one Sigstore check, then an identity lookup) with 1
// and with 256 accepted identities (the matching one last): the cost must not grow with their number. The trusted root is loaded once (as a
// daemon would: the CA chains are checked then), so the figure is the per-request cost. With --iterations N, runs
// exactly N verifies after the first and prints nothing (for instruction counts under valgrind --tool=callgrind).
import Foundation
import KeylessWasm
import Sigstore
import TrustStore
import WSCCrypto
import WSCJSON

struct Options {
    var root = ""
    var bundle = ""
    var artifact = ""
    var identity = ""
    var issuer = ""
    var embeddedModule: String?
    var series = 7
    var seconds = 1.0
    /// Profiling mode: exactly this many verifies of the bundle, no timing (for `valgrind --tool=callgrind`).
    var iterations: Int?
}

func parse() -> Options {
    var options = Options()
    var it = CommandLine.arguments.dropFirst().makeIterator()
    while let arg = it.next() {
        let value = it.next() ?? ""
        switch arg {
        case "--root": options.root = value
        case "--bundle": options.bundle = value
        case "--artifact": options.artifact = value
        case "--identity": options.identity = value
        case "--issuer": options.issuer = value
        case "--embedded-module": options.embeddedModule = value
        case "--series": options.series = Int(value) ?? options.series
        case "--seconds": options.seconds = Double(value) ?? options.seconds
        case "--iterations": options.iterations = Int(value)
        default:
            FileHandle.standardError.write(Data("keyless-bench: unknown option \(arg)\n".utf8))
            exit(2)
        }
    }
    return options
}

func read(_ path: String) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("keyless-bench: cannot read \(path)\n".utf8))
        exit(2)
    }
    return Array(data)
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs `body` for `seconds` per series; returns each series' mean seconds per call.
func measure(_ options: Options, _ body: () throws -> Void) rethrows -> (means: [Double], iterations: Int) {
    let warmupEnd = now() + 0.3
    while now() < warmupEnd { try body() }
    var means: [Double] = []
    var total = 0
    for _ in 0..<options.series {
        var count = 0
        let start = now()
        var elapsed = 0.0
        repeat {
            try body()
            count += 1
            elapsed = now() - start
        } while elapsed < options.seconds
        means.append(elapsed / Double(count))
        total += count
    }
    return (means.sorted(), total)
}

func report(_ name: String, _ result: (means: [Double], iterations: Int)) {
    let means = result.means
    let median =
        means.count % 2 == 1 ? means[means.count / 2] : (means[means.count / 2 - 1] + means[means.count / 2]) / 2
    print(
        "keyless \(name) median_us=\(String(format: "%.1f", median * 1e6)) min_us=\(String(format: "%.1f", means.first! * 1e6)) max_us=\(String(format: "%.1f", means.last! * 1e6)) series=\(means.count) iters=\(result.iterations)"
    )
}

/// A trust bundle sealed with a throwaway key, holding `identities` accepted identities (the real one last).
func sealedBundle(root: [UInt8], identities: Int, options: Options) throws -> SealedTrustBundle {
    let key = try PrivateKey.generate(.ed25519)
    let now = TrustedTime.current(floor: 0).systemClock
    var builder = TrustBundleBuilder(
        version: 1, issuedAt: now - 60, notBefore: now - 60, expires: now + 86400, bundleKeys: [key.publicKey])
    builder.sigstoreTrustedRoot = try JSONParser.parse(root)
    builder.identities =
        (0..<(identities - 1)).map {
            TrustBundle.Identity(
                name: "workflow-\($0)", issuer: options.issuer, subject: options.identity + "-\($0)", subjectPattern: nil)
        } + [TrustBundle.Identity(name: "release", issuer: options.issuer, subject: options.identity, subjectPattern: nil)]
    var envelope = try builder.envelope()
    try envelope.sign(with: key)
    return try SealCheck.check(
        envelope.serialized(),
        context: .init(
            authorizing: try KeyThreshold(keys: [BundleKey(key.publicKey)], threshold: 1), counter: 0,
            activeDigest: nil, time: TrustedTime.current(floor: 0)))
}

let options = parse()
do {
    let root = try TrustedRoot(json: read(options.root))
    let verifier = SigstoreVerifier(trustedRoot: root)
    let bundle = read(options.bundle)
    let artifact = read(options.artifact)
    let policy = VerificationPolicy.identity(options.identity, issuer: options.issuer)
    _ = try verifier.verify(bundle: bundle, artifact: .bytes(artifact), policy: policy)
    if let iterations = options.iterations {
        for _ in 0..<iterations { _ = try verifier.verify(bundle: bundle, artifact: .bytes(artifact), policy: policy) }
        exit(0)
    }
    report(
        "bundle-verify",
        try measure(options) { _ = try verifier.verify(bundle: bundle, artifact: .bytes(artifact), policy: policy) })
    if let path = options.embeddedModule {
        let module = read(path)
        let keyless = KeylessVerifier(trustedRoot: root)
        _ = try keyless.verify(module: module, bundle: .embedded, policy: policy)
        report(
            "embedded-module-verify",
            try measure(options) { _ = try keyless.verify(module: module, bundle: .embedded, policy: policy) })
        for count in [1, 256] {
            let trust = try sealedBundle(root: read(options.root), identities: count, options: options)
            let time = TrustedTime.current(floor: 0)
            let first = BundleVerifier.verify(moduleBytes: module, trust: trust, time: time)
            guard first.valid else {
                FileHandle.standardError.write(Data("keyless-bench: \(count) identities: \(first.reason ?? "")\n".utf8))
                exit(1)
            }
            report(
                "trust-bundle-identities-\(count)",
                measure(options) { _ = BundleVerifier.verify(moduleBytes: module, trust: trust, time: time) })
        }
    }
} catch {
    FileHandle.standardError.write(Data("keyless-bench: \(error)\n".utf8))
    exit(1)
}
