// wsc-bench: in-process timings of wasmsig verify and sign, a memory check, and a per-step breakdown.
//
//   wsc-bench bench [--series N] [--seconds S] [--sizes 1,10]   time verify and sign (MiB sizes)
//   wsc-bench breakdown [--seconds S] [--sizes 1,10]            time each step of verify/sign separately
//   wsc-bench write SIZE_MIB OUT.wasm OUT.pub.pem               write a signed module and its public key
//   wsc-bench memory FILE PUBKEY.pem                            read, verify, report RSS (run it as its own process)
//
// Output is one record per line: `kind case size key=value ...`, meant for awk.
// Modules are generated deterministically (SplitMix64 filler in one custom section, fixed Ed25519 seed).

import WSCCrypto
import WasmSignatures

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Clocks

func nowNS(_ clock: clockid_t) -> UInt64 {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func wallNS() -> UInt64 { nowNS(CLOCK_MONOTONIC) }
func cpuNS() -> UInt64 { nowNS(CLOCK_PROCESS_CPUTIME_ID) }

/// Peak resident set size of this process, KiB (Linux ru_maxrss unit).
func maxRSSKiB() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss)
}

/// Current resident set size, KiB, from /proc/self/statm (0 where unavailable).
func currentRSSKiB() -> Int {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var size = 0
    var resident = 0
    guard
        withUnsafeMutablePointer(
            to: &size,
            { s in
                withUnsafeMutablePointer(to: &resident) { r in
                    withVaList([s, r]) { vfscanf(f, "%ld %ld", $0) }
                }
            }) == 2
    else { return 0 }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
}

func fmt(_ x: Double, _ digits: Int = 1) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    _ = withVaList([x]) { vsnprintf(&buf, buf.count, "%.\(digits)f", $0) }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

// MARK: - Inputs

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func uleb(_ value: Int) -> [UInt8] {
    var n = UInt64(value)
    var out: [UInt8] = []
    repeat {
        var b = UInt8(n & 0x7F)
        n >>= 7
        if n != 0 { b |= 0x80 }
        out.append(b)
    } while n != 0
    return out
}

/// A valid core module of exactly `total` bytes: the preamble and one custom section `bench.payload`
/// holding pseudo-random bytes.
func makeModule(total: Int, seed: UInt64) -> [UInt8] {
    let name = Array("bench.payload".utf8)
    let preamble: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
    // total = 8 + 1 (id) + |uleb(size)| + size, size = |uleb(|name|)| + |name| + filler
    var size = total - 8 - 1 - 1
    while 8 + 1 + uleb(size).count + size > total { size -= 1 }
    precondition(8 + 1 + uleb(size).count + size == total, "cannot hit \(total) bytes exactly")
    let filler = size - uleb(name.count).count - name.count
    var out = preamble
    out.reserveCapacity(total)
    out.append(0)
    out += uleb(size)
    out += uleb(name.count)
    out += name
    let start = out.count
    out += [UInt8](repeating: 0, count: filler)
    var rng = SplitMix64(state: seed)
    out.withUnsafeMutableBytes { buf in
        var i = start
        while i + 8 <= buf.count {
            buf.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < buf.count {
            buf[i] = UInt8(truncatingIfNeeded: rng.next())
            i += 1
        }
    }
    return out
}

func benchKey() throws -> PrivateKey {
    let seed = [UInt8](repeating: 0x11, count: 32)
    return try seed.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
}

struct Case {
    let mib: Int
    let unsigned: [UInt8]
    let signed: [UInt8]
}

func makeCase(mib: Int, key: PrivateKey) throws -> Case {
    let unsigned = makeModule(total: mib << 20, seed: 0x5753_4342_454E_4348 &+ UInt64(mib))
    let signed = try WasmSigner.sign(module: WasmModule(bytes: unsigned), key: key).module
    // Sanity: the signed module verifies, and a tampered copy does not.
    _ = try WasmVerifier(module: WasmModule(bytes: signed)).verify(key: key.publicKey)
    var bad = signed
    bad[bad.count - 3] ^= 1
    if (try? WasmVerifier(module: WasmModule(bytes: bad)).verify(key: key.publicKey)) != nil {
        fatalError("a tampered module verified")
    }
    return Case(mib: mib, unsigned: unsigned, signed: signed)
}

// MARK: - Timing

/// Keeps results alive so the optimizer cannot drop the work.
nonisolated(unsafe) var sink = 0

struct Series {
    var samplesNS: [UInt64]
    var wallNS: UInt64
    var cpuNS: UInt64
    var medianUS: Double {
        let s = samplesNS.sorted()
        let n = s.count
        let m = n % 2 == 1 ? Double(s[n / 2]) : (Double(s[n / 2 - 1]) + Double(s[n / 2])) / 2
        return m / 1000
    }
    var minUS: Double { Double(samplesNS.min()!) / 1000 }
    var cpuWall: Double { Double(cpuNS) / Double(wallNS) }
}

/// Runs `body` repeatedly for at least `seconds` (and at least 5 times), timing each call.
func runSeries(seconds: Double, _ body: () throws -> Int) rethrows -> Series {
    var samples: [UInt64] = []
    samples.reserveCapacity(16384)
    let budget = UInt64(seconds * 1e9)
    let c0 = cpuNS()
    let w0 = wallNS()
    var t = w0
    repeat {
        let a = t
        sink &+= try body()
        t = wallNS()
        samples.append(t - a)
    } while t - w0 < budget || samples.count < 5
    let c1 = cpuNS()
    return Series(samplesNS: samples, wallNS: t - w0, cpuNS: c1 - c0)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

// MARK: - Modes

struct Options {
    var series = 5
    var seconds = 2.0
    var warmup = 0.3
    var sizes = [1, 10]
    var positional: [String] = []

    init(_ args: ArraySlice<String>) {
        var it = args.makeIterator()
        while let a = it.next() {
            switch a {
            case "--series": series = Int(it.next() ?? "") ?? series
            case "--seconds": seconds = Double(it.next() ?? "") ?? seconds
            case "--warmup": warmup = Double(it.next() ?? "") ?? warmup
            case "--sizes": sizes = (it.next() ?? "").split(separator: ",").compactMap { Int($0) }
            default: positional.append(a)
            }
        }
    }
}

func verifyOnce(_ bytes: [UInt8], _ key: PublicKey) throws -> Int {
    let module = try WasmModule(bytes: bytes)
    let verdict = try WasmVerifier(module: module).verify(key: key)
    return verdict.partCount
}

func signOnce(_ bytes: [UInt8], _ key: PrivateKey) throws -> Int {
    let module = try WasmModule(bytes: bytes)
    let out = try WasmSigner.sign(module: module, key: key)
    return out.module.count
}

func bench(_ o: Options) throws {
    let key = try benchKey()
    let pub = key.publicKey
    let cases = try o.sizes.map { try makeCase(mib: $0, key: key) }
    var ops: [(String, Case, () throws -> Int)] = []
    for c in cases {
        ops.append(("verify", c, { try verifyOnce(c.signed, pub) }))
        ops.append(("sign", c, { try signOnce(c.unsigned, key) }))
    }
    var results: [String: [Series]] = [:]
    var order: [String] = []
    for s in 1...max(o.series, 1) {
        // Interleave the cases within each series, so drift in machine load hits all of them alike.
        for (name, c, body) in ops {
            let label = "\(name) \(c.mib)MiB"
            _ = try runSeries(seconds: o.warmup, body)
            let series = try runSeries(seconds: o.seconds, body)
            if results[label] == nil { order.append(label) }
            results[label, default: []].append(series)
            print(
                "series \(label) n=\(s) bytes=\(c.mib << 20) iterations=\(series.samplesNS.count) median_us=\(fmt(series.medianUS)) min_us=\(fmt(series.minUS)) cpu_wall=\(fmt(series.cpuWall, 3))"
            )
            fflush(stdout)
        }
    }
    for label in order {
        let all = results[label]!
        let med = median(all.map(\.medianUS))
        let mn = all.map(\.minUS).min()!
        let cw = all.map(\.cpuWall).min()!
        print(
            "\(label) median_us=\(fmt(med)) min_us=\(fmt(mn)) cpu_wall_min=\(fmt(cw, 3)) series=\(all.count) iterations=\(all.map(\.samplesNS.count).reduce(0, +))"
        )
    }
}

/// Each step of verify and sign on its own, to see where the time goes.
func breakdown(_ o: Options) throws {
    let key = try benchKey()
    let pub = key.publicKey
    for mib in o.sizes {
        let c = try makeCase(mib: mib, key: key)
        let signedModule = try WasmModule(bytes: c.signed)
        let unsignedModule = try WasmModule(bytes: c.unsigned)
        let sigSection = try signedModule.signatureSection()!
        let sigBytes = Array(signedModule.data(of: sigSection))
        let parts = ModuleParts(module: signedModule)
        let message = SignatureData.message(for: parts.hashes)
        let signature = try key.sign(message)
        let detachedData = try WasmSigner.sign(module: unsignedModule, key: key, detached: true).signatureData
        let steps: [(String, () throws -> Int)] = [
            (
                "openssl_sha256_whole_module",
                {
                    c.signed.withUnsafeBytes { Digest.hash(.sha256, UnsafeRawBufferPointer(rebasing: $0[8...])) }.count
                }
            ),
            ("WasmModule.init", { try WasmModule(bytes: c.signed).sections.count }),
            (
                "signatureSection+SignatureData.parse",
                {
                    let s = try signedModule.signatureSection()!
                    return try SignatureData(parsing: signedModule.data(of: s)).records.count
                }
            ),
            ("SignatureData.parse(Array)", { try SignatureData(parsing: sigBytes).records.count }),
            ("ModuleParts.init(hash)", { ModuleParts(module: signedModule).parts.count }),
            ("WasmVerifier.init", { try WasmVerifier(module: signedModule).parts.parts.count }),
            (
                "PublicKey.verify(ed25519)",
                {
                    try pub.verify(signature: signature, message: message, scheme: .ed25519) ? 1 : 0
                }
            ),
            ("verify(full)", { try verifyOnce(c.signed, pub) }),
            ("PrivateKey.sign(ed25519)", { try key.sign(message).count }),
            (
                "array_copy(module)",
                { Array(c.signed[...]).count &+ Int(c.signed.withUnsafeBufferPointer { Array($0) }[7]) }
            ),
            (
                "WasmSigner.sign(detached)",
                {
                    try WasmSigner.sign(module: unsignedModule, key: key, detached: true).signatureData.count
                }
            ),
            ("ModuleEditor.attach", { try ModuleEditor.attach(signatureData: detachedData, to: unsignedModule).count }),
            ("WasmSigner.sign(parsed)", { try WasmSigner.sign(module: unsignedModule, key: key).module.count }),
            ("sign(full)", { try signOnce(c.unsigned, key) }),
        ]
        for (name, body) in steps {
            _ = try runSeries(seconds: o.warmup, body)
            let s = try runSeries(seconds: o.seconds, body)
            print(
                "step \(name) \(mib)MiB median_us=\(fmt(s.medianUS)) min_us=\(fmt(s.minUS)) cpu_wall=\(fmt(s.cpuWall, 3)) iterations=\(s.samplesNS.count)"
            )
            fflush(stdout)
        }
    }
}

func writeFiles(_ o: Options) throws {
    guard o.positional.count == 3, let mib = Int(o.positional[0]) else {
        fail("usage: wsc-bench write SIZE_MIB OUT.wasm OUT.pub.pem")
    }
    let key = try benchKey()
    let c = try makeCase(mib: mib, key: key)
    try writeFile(o.positional[1], c.signed)
    try writeFile(o.positional[2], Array(key.publicKey.pem.utf8))
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    guard let f = fopen(path, "wb") else { fail("cannot create \(path)") }
    defer { fclose(f) }
    let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    guard n == bytes.count else { fail("short write to \(path)") }
}

/// Reads a file the way wscctl does: one array of the file's size, filled by read(2).
func readFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { fail("cannot open \(path)") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { fail("cannot stat \(path)") }
    let size = Int(st.st_size)
    var out = [UInt8](repeating: 0, count: size)
    var done = 0
    while done < size {
        let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, size - done) }
        if n < 0, errno == EINTR { continue }
        guard n > 0 else { fail("cannot read \(path)") }
        done += n
    }
    return out
}

func memory(_ o: Options) throws {
    guard o.positional.count == 2 else { fail("usage: wsc-bench memory FILE PUBKEY.pem") }
    let keyText = String(decoding: readFile(o.positional[1]), as: UTF8.self)
    let pub = try PublicKey(pem: keyText)
    let baselineRSS = currentRSSKiB()
    let baselinePeak = maxRSSKiB()
    let bytes = readFile(o.positional[0])
    let afterReadRSS = currentRSSKiB()
    let afterReadPeak = maxRSSKiB()
    let verdict = try WasmVerifier(module: WasmModule(bytes: bytes)).verify(key: pub)
    let peak = maxRSSKiB()
    let fileKiB = bytes.count / 1024
    let increase = peak - baselinePeak
    print(
        "memory file_bytes=\(bytes.count) file_kib=\(fileKiB) baseline_rss_kib=\(baselineRSS) baseline_maxrss_kib=\(baselinePeak) after_read_rss_kib=\(afterReadRSS) after_read_maxrss_kib=\(afterReadPeak) peak_maxrss_kib=\(peak) increase_kib=\(increase) increase_x=\(fmt(Double(increase) / Double(max(fileKiB, 1)), 2)) verify_extra_kib=\(peak - afterReadPeak) parts=\(verdict.partCount)"
    )
}

func fail(_ message: String) -> Never {
    fputs("wsc-bench: \(message)\n", stderr)
    exit(2)
}

let args = CommandLine.arguments
let mode = args.count > 1 ? args[1] : "bench"
let options = Options(args.dropFirst(2))
do {
    switch mode {
    case "bench": try bench(options)
    case "breakdown": try breakdown(options)
    case "write": try writeFiles(options)
    case "memory": try memory(options)
    default: fail("unknown mode \(mode) (bench, breakdown, write, memory)")
    }
} catch {
    fail("\(error)")
}
