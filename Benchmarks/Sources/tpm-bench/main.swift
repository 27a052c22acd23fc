// Rotate cost with and without the TPM anti-rollback counter: TrustStore.install of a new sealed bundle version
// into a sealed state directory (what wscd does on `wscctl rotate`), in process, N times each, against swtpm.
//
// usage: tpm-bench TCTI ROUNDS
// Prints `key value` lines: none_median_ms, none_p90_ms, tpm_median_ms, tpm_p90_ms, tpm_read_ms, tpm_increment_ms.
import Foundation
import TrustStore
import WSCCrypto
import WSCTPM

let arguments = CommandLine.arguments
guard arguments.count == 3, let rounds = Int(arguments[2]), rounds > 0 else {
    FileHandle.standardError.write(Data("usage: tpm-bench TCTI ROUNDS\n".utf8))
    exit(2)
}
let tcti = arguments[1]

let root = try PrivateKey.generate(.ed25519)
let now = TrustedTime.current(floor: 0).systemClock
let publishers: [TrustBundleBuilder.Publisher] = try (0..<8).map { _ in
    .init(name: "publisher-\(UUID().uuidString.prefix(8))", publicKey: try PrivateKey.generate(.ed25519).publicKey)
}
func envelope(_ version: UInt64) throws -> [UInt8] {
    var b = TrustBundleBuilder(
        version: version, issuedAt: now - 60, notBefore: now - 60, expires: now + 86400 * 30,
        bundleKeys: [root.publicKey])
    b.publishers = publishers
    var e = try b.envelope()
    try e.sign(with: root)
    return e.serialized()
}
let envelopes = try (1...UInt64(rounds + 1)).map(envelope)

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Installs v1, then times the install of v2 ... v(rounds+1).
func rotations(counter: TPMCounter?) throws -> [Double] {
    let path = NSTemporaryDirectory() + "tpm-bench-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: path) }
    var key = (0..<32).map { _ in UInt8.random(in: 0...255) }
    let directory = try StateDirectory(path: path, sealKey: SecretBytes(consuming: &key), counter: counter)
    try directory.lock(owner: "tpm-bench")
    let store = try TrustStore(directory: directory, pinned: try KeyThreshold(keys: [try BundleKey(root.publicKey)], threshold: 1))
    try store.install(envelopes[0])
    return try envelopes.dropFirst().map { e in try milliseconds { try store.install(e) } }
}

let counter = TPMCounter(tcti: tcti, index: TPMCounter.defaultIndex)
if try counter.status().defined == false { try counter.define(replacing: false) }
// Warm up both paths once (page cache, the TSS libraries' dlopen).
_ = try rotations(counter: nil).count
let none = try rotations(counter: nil)
let tpm = try rotations(counter: counter)
let reads = try (0..<rounds).map { _ in try milliseconds { _ = try counter.read() } }
let increments = try (0..<rounds).map { _ in try milliseconds { _ = try counter.increment() } }
func show(_ key: String, _ value: Double) { print(key, String(format: "%.2f", value)) }
show("none_median_ms", percentile(none, 0.5))
show("none_p90_ms", percentile(none, 0.9))
show("tpm_median_ms", percentile(tpm, 0.5))
show("tpm_p90_ms", percentile(tpm, 0.9))
show("tpm_read_ms", percentile(reads, 0.5))
show("tpm_increment_ms", percentile(increments, 0.5))
print("rounds", rounds)
