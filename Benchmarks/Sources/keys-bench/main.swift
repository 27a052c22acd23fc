// Signing time per operation with a key in a file, on a SoftHSM2 token (PKCS#11) and in a software TPM (swtpm),
// through WSCCrypto as wscctl and wscd use it: the key is opened once, then `sign` runs N times.
// Usage: keys-bench NAME REFERENCE ITERATIONS   (REFERENCE: a PEM file, a pkcs11: URI or tpm2:handle=0x81…)
// Prints: NAME TYPE OPEN_MS SIGN_US_MEDIAN SIGN_US_P90 OPS_PER_SECOND
import Foundation
import WSCCrypto

let arguments = CommandLine.arguments
guard arguments.count == 4, let iterations = Int(arguments[3]), iterations > 0 else {
    FileHandle.standardError.write(Data("usage: keys-bench NAME REFERENCE ITERATIONS\n".utf8))
    exit(2)
}
let name = arguments[1]
let reference = arguments[2]

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

do {
    let openStart = now()
    let key: PrivateKey
    if KeyReference.isTokenReference(reference) {
        key = try PrivateKey.open(try KeyReference(parsing: reference))
    } else {
        key = try PrivateKey(pem: try String(contentsOfFile: reference, encoding: .utf8))
    }
    let openNanoseconds = now() - openStart
    // A wasmsig-sized message (the hashes of a module's parts) for Ed25519; an artifact digest's size for P-256.
    let message = [UInt8](repeating: 0x5a, count: 256)
    _ = try key.sign(message)  // warm-up
    var samples: [UInt64] = []
    samples.reserveCapacity(iterations)
    let total = now()
    for _ in 0..<iterations {
        let start = now()
        _ = try key.sign(message)
        samples.append(now() - start)
    }
    let elapsed = Double(now() - total) / 1e9
    samples.sort()
    let median = Double(samples[samples.count / 2]) / 1000
    let p90 = Double(samples[samples.count * 9 / 10]) / 1000
    let type = key.type == .ed25519 ? "ed25519" : "p256"
    print(
        name, type, String(format: "%.1f", Double(openNanoseconds) / 1e6), String(format: "%.1f", median),
        String(format: "%.1f", p90), String(format: "%.0f", Double(iterations) / elapsed))
} catch {
    FileHandle.standardError.write(Data("keys-bench \(name): \(error)\n".utf8))
    exit(1)
}
