// wscd-bench: measures a real wscd process over its socket. Prints `key value` lines for Benchmarks/daemon.sh.
//   wscd-bench WSCD WSCCTL WORKDIR
import Foundation
import TrustStore
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol
import WasmSignatures

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func out(_ key: String, _ value: Any) { print("\(key) \(value)") }

let args = CommandLine.arguments
guard args.count == 4 else {
    FileHandle.standardError.write(Data("usage: wscd-bench WSCD WSCCTL WORKDIR\n".utf8))
    exit(2)
}
let wscd = args[1]
let wscctl = args[2]
let dir = args[3]
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
chmod(dir, 0o700)

// Keys, modules, a bundle.
let root = try PrivateKey.generate(.ed25519)
let publisher = try PrivateKey.generate(.ed25519)
try Data(root.publicKey.pem.utf8).write(to: URL(fileURLWithPath: dir + "/root.pub"))
try Data(publisher.publicKey.pem.utf8).write(to: URL(fileURLWithPath: dir + "/publisher.pub"))

func module(size: Int, seed: UInt64) throws -> [UInt8] {
    var state = seed
    var payload = [UInt8](repeating: 0, count: size)
    for i in 0..<size {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        payload[i] = UInt8(truncatingIfNeeded: state >> 56)
    }
    let name = Array("bench".utf8)
    var body = [UInt8(name.count)] + name + payload
    var sizeBytes: [UInt8] = []
    var v = body.count
    repeat {
        var b = UInt8(v & 0x7F)
        v >>= 7
        if v != 0 { b |= 0x80 }
        sizeBytes.append(b)
    } while v != 0
    body = [0x00] + sizeBytes + body
    let unsigned = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00] + body
    return try WasmSigner.sign(module: WasmModule(bytes: unsigned), key: publisher).module
}

let m1 = try module(size: 1 << 20, seed: 1)
let m64 = try module(size: 64 << 10, seed: 2)
try Data(m1).write(to: URL(fileURLWithPath: dir + "/m1.wasm"))

func bundle(version: UInt64, publishers: Int) throws -> [UInt8] {
    let t = TrustedTime.current(floor: 0).systemClock
    var b = TrustBundleBuilder(
        version: version, issuedAt: t - 60, notBefore: t - 60, expires: t + 86400 * 30, bundleKeys: [root.publicKey])
    var list: [TrustBundleBuilder.Publisher] = [.init(name: "publisher", publicKey: publisher.publicKey)]
    for i in 1..<publishers {
        list.append(.init(name: "filler-\(i)", publicKey: try PrivateKey.generate(.ed25519).publicKey))
    }
    b.publishers = list
    var e = try b.envelope()
    try e.sign(with: root)
    return e.serialized()
}

func config(socket: String, state: String, bundlePath: String) -> String {
    """
    [server]
    socket = "\(socket)"
    max_frame_bytes = 67108864
    [state]
    directory = "\(state)"
    [trust]
    pinned_keys = ["\(dir)/root.pub"]
    initial_bundle = "\(bundlePath)"
    [log]
    level = "warning"
    format = "text"
    """
}

func startDaemon(configPath: String, environment: [String: String] = [:]) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: wscd)
    p.arguments = ["--config", configPath]
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    try p.run()
    return p
}

func waitReady(_ socket: String) throws {
    for _ in 0..<500 {
        if let c = try? WSCClient(socketPath: socket), (try? c.call(.hello)) != nil { return }
        usleep(10_000)
    }
    throw NSError(domain: "wscd did not start", code: 1)
}

// 1. Round trips on one connection.
try Data(try bundle(version: 1, publishers: 1)).write(to: URL(fileURLWithPath: dir + "/small.json"))
try config(socket: dir + "/a.sock", state: dir + "/state-a", bundlePath: dir + "/small.json").write(
    toFile: dir + "/a.toml", atomically: true, encoding: .utf8)
let daemon = try startDaemon(configPath: dir + "/a.toml")
try waitReady(dir + "/a.sock")
let client = try WSCClient(socketPath: dir + "/a.sock")

func cpuSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return 0 }
    let fields = stat.split(separator: ")").last!.split(separator: " ")
    return (Double(fields[11])! + Double(fields[12])!) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func roundTrips(seconds: Double, _ body: () throws -> Void) rethrows -> [Double] {
    for _ in 0..<20 { try body() }
    var samples: [Double] = []
    let end = now() + seconds
    while now() < end {
        let t0 = now()
        try body()
        samples.append(now() - t0)
    }
    return samples
}

let cpuBeforeInline = cpuSeconds(daemon.processIdentifier)
let inline = try roundTrips(seconds: 3) {
    let r = try client.call(.verify, body: m1).result
    precondition(r["valid"] == .bool(true))
}
out("rt_inline_1mib_us", String(format: "%.1f", median(inline) * 1e6))
let cpuBeforeFD = cpuSeconds(daemon.processIdentifier)
out(
    "rt_inline_daemon_cpu_us", String(format: "%.0f", (cpuBeforeFD - cpuBeforeInline) / Double(inline.count + 20) * 1e6)
)
let viaFD = try roundTrips(seconds: 3) {
    let fd = open(dir + "/m1.wasm", O_RDONLY)
    defer { close(fd) }
    let r = try client.call(.verify, [("fd", .bool(true))], passing: fd).result
    precondition(r["valid"] == .bool(true))
}
out("rt_fd_1mib_us", String(format: "%.1f", median(viaFD) * 1e6))
out(
    "rt_fd_daemon_cpu_us",
    String(format: "%.0f", (cpuSeconds(daemon.processIdentifier) - cpuBeforeFD) / Double(viaFD.count + 20) * 1e6))
// The daemon's own view: time from taking the request to the verdict (p50 of its recent verifies).
if case .object(let latency) = (try client.call(.status).result["verifyLatencyMicroseconds"] ?? .null),
    case .integer(let p50) = latency["p50"] ?? .null
{
    out("server_verify_p50_us", p50)
}

// 2. Throughput: 16 clients, 64 KiB modules, 3 s.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add(_ n: Int) { lock.withLock { value += n } }
    var total: Int { lock.withLock { value } }
}
let counter = Counter()
let cpu0 = cpuSeconds(daemon.processIdentifier)
let t0 = now()
DispatchQueue.concurrentPerform(iterations: 16) { _ in
    guard let c = try? WSCClient(socketPath: dir + "/a.sock") else { return }
    var n = 0
    let end = t0 + 3
    while now() < end {
        guard let r = try? c.call(.verify, body: m64).result, r["valid"] == .bool(true) else { break }
        n += 1
    }
    counter.add(n)
}
let elapsed = now() - t0
out("throughput_16_clients_64kib_per_s", String(format: "%.0f", Double(counter.total) / elapsed))
out("throughput_daemon_cpu_cores", String(format: "%.2f", (cpuSeconds(daemon.processIdentifier) - cpu0) / elapsed))

// 2b. The same with pipelining: each client keeps 4 requests in flight (the protocol answers by request id), so
// a wake-up of the daemon finds several frames to handle.
let pipelinedCounter = Counter()
let cpu1 = cpuSeconds(daemon.processIdentifier)
let t1 = now()
DispatchQueue.concurrentPerform(iterations: 16) { _ in
    guard let c = try? WSCClient(socketPath: dir + "/a.sock") else { return }
    var n = 0
    let end = t1 + 3
    var outstanding = 0
    while outstanding < 4, (try? c.send(.verify, body: m64)) != nil { outstanding += 1 }
    while outstanding > 0 {
        guard let answer = try? c.receive(), Messages.id(of: answer.header) != nil else { break }
        outstanding -= 1
        if case .object(let result) = answer.header["result"] ?? .null, result["valid"] == .bool(true) { n += 1 }
        if now() < end, (try? c.send(.verify, body: m64)) != nil { outstanding += 1 }
    }
    pipelinedCounter.add(n)
}
let elapsed1 = now() - t1
out("throughput_16_clients_pipelined_per_s", String(format: "%.0f", Double(pipelinedCounter.total) / elapsed1))
out(
    "throughput_pipelined_daemon_cpu_cores",
    String(format: "%.2f", (cpuSeconds(daemon.processIdentifier) - cpu1) / elapsed1))

// 3. Idle resident memory.
sleep(1)
if let status = try? String(contentsOfFile: "/proc/\(daemon.processIdentifier)/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
{
    out("rss_after_load_kib", line.split(separator: " ").dropFirst().first ?? "?")
}
// 3b. Fairness (after the memory figure, which it would distort): small verifies from one client while two other
// clients verify a 1 GiB module each by descriptor.
func sparseModule(at path: String, size: Int, key: PrivateKey) throws -> [UInt8] {
    let name = Array("big".utf8)
    let payload = size - 8 - 1 - 5  // a 5-byte LEB128 size
    var header: [UInt8] = [0x00]
    var v = payload
    for i in 0..<5 {
        header.append(UInt8(v & 0x7F) | (i < 4 ? 0x80 : 0))
        v >>= 7
    }
    header += [UInt8(name.count)] + name
    let hasher = StreamingHasher(.sha256)
    hasher.update(header)
    let zeros = [UInt8](repeating: 0, count: 1 << 20)
    var left = payload - 1 - name.count
    while left > 0 {
        let n = min(left, zeros.count)
        zeros.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        left -= n
    }
    let hash = hasher.finalize()
    let signature = try key.sign(SignatureData.message(for: [hash]))
    let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
    precondition(fd >= 0, "create \(path)")
    let start = WasmModule.coreModulePreamble + header
    precondition(write(fd, start, start.count) == start.count && ftruncate(fd, off_t(size)) == 0)
    close(fd)
    return SignatureData(records: [
        SignedHashes(hashes: [hash], signatures: [.signature(SignatureForHashes(keyID: nil, signature: signature))])
    ]).serialized()
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    let sorted = xs.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

let bigPath = dir + "/big.wasm"
let bigSignature = try sparseModule(at: bigPath, size: 1 << 30, key: publisher)
let smallClient = try WSCClient(socketPath: dir + "/a.sock")
let quiet = try roundTrips(seconds: 2) {
    let r = try smallClient.call(.verify, body: m64).result
    precondition(r["valid"] == .bool(true))
}
out("fair_small_alone_median_us", String(format: "%.0f", median(quiet) * 1e6))
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    private var count = 0
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
    func add() { lock.withLock { count += 1 } }
    var total: Int { lock.withLock { count } }
    private var samples: [Double] = []
    func record(_ x: Double) { lock.withLock { samples.append(x) } }
    var recorded: [Double] { lock.withLock { samples } }
}
let stopLarge = Flag()
let largeDone = Flag()
let largeGroup = DispatchGroup()
for _ in 0..<2 {
    DispatchQueue.global().async(group: largeGroup) {
        guard let c = try? WSCClient(socketPath: dir + "/a.sock", timeoutSeconds: 120) else { return }
        while !stopLarge.isSet {
            let fd = open(bigPath, O_RDONLY)
            let r = try? c.call(
                .verify, [("fd", .bool(true)), ("signatureLength", .integer(Int64(bigSignature.count)))],
                body: bigSignature, passing: fd
            ).result
            close(fd)
            precondition(r?["valid"] == .bool(true), "1 GiB verify: \(String(describing: r))")
            largeDone.add()
        }
    }
}
usleep(200_000)  // both large verifies are reading
var contended: [Double] = []
let fairEnd = now() + 8
while now() < fairEnd {
    let t = now()
    let r = try smallClient.call(.verify, body: m64).result
    precondition(r["valid"] == .bool(true))
    contended.append(now() - t)
}
stopLarge.set()
largeGroup.wait()
out("fair_small_median_us", String(format: "%.0f", median(contended) * 1e6))
out("fair_small_worst_us", String(format: "%.0f", contended.max()! * 1e6))
out("fair_small_samples", contended.count)
out("fair_large_verifies", largeDone.total)
unlink(bigPath)

// 3c. Verify latency while a ~10 MB bundle is rotated in: p99 of small verifies idle, then during rotates.
func bigBundle(version: UInt64) throws -> [UInt8] {
    let t = TrustedTime.current(floor: 0).systemClock
    var b = TrustBundleBuilder(
        version: version, issuedAt: t - 60, notBefore: t - 60, expires: t + 86400 * 30, bundleKeys: [root.publicKey])
    // The size is in revocations, not publishers: an unlabelled wasmsig signature is tried against publishers, so
    // thousands of them would make every verify after the rotate slower, which is not what this measures.
    b.publishers = [.init(name: "publisher", publicKey: publisher.publicKey)]
    b.revokedCertificateSHA256 = (0..<75_000).map { Hex.encode(Digest.sha256(Array("cert \($0)".utf8))) }
    b.revokedKeyIDs = (0..<35_000).map { Hex.encode(Digest.sha256(Array("key \($0)".utf8))) }
    var e = try b.envelope()
    try e.sign(with: root)
    return e.serialized()
}
let rotateBundles = try (2...6).map { try bigBundle(version: UInt64($0)) }
out("rotate_bundle_bytes", rotateBundles[0].count)
let idleRotate = try roundTrips(seconds: 3) {
    let r = try smallClient.call(.verify, body: m64).result
    precondition(r["valid"] == .bool(true))
}
var duringRotate: [Double] = []
let rotateSeconds = Flag()
for bundle in rotateBundles {
    let rotating = Flag()
    let started = Flag()
    let rotateGroup = DispatchGroup()
    DispatchQueue.global().async(group: rotateGroup) {
        guard let c = try? WSCClient(socketPath: dir + "/a.sock", timeoutSeconds: 120) else { return }
        let t = now()
        started.set()
        let r = try? c.call(.rotate, [("target", .string("bundle"))], body: bundle).result
        precondition(r?["version"] != nil, "rotate: \(String(describing: r))")
        rotateSeconds.record(now() - t)
        rotating.set()
    }
    while !started.isSet { usleep(100) }
    while !rotating.isSet {
        let t = now()
        let r = try smallClient.call(.verify, body: m64).result
        precondition(r["valid"] == .bool(true))
        duringRotate.append(now() - t)
    }
    rotateGroup.wait()
}
out("rotate_idle_p99_us", String(format: "%.0f", percentile(idleRotate, 0.99) * 1e6))
out("rotate_during_p99_us", String(format: "%.0f", percentile(duringRotate, 0.99) * 1e6))
out("rotate_during_median_us", String(format: "%.0f", median(duringRotate) * 1e6))
out("rotate_during_samples", duringRotate.count)
out("rotate_during_worst_us", String(format: "%.0f", duringRotate.max()! * 1e6))
out("rotate_during_over_100ms", duringRotate.filter { $0 > 0.1 }.count)
out("rotate_idle_worst_us", String(format: "%.0f", idleRotate.max()! * 1e6))
out("rotate_ms", String(format: "%.0f", median(rotateSeconds.recorded) * 1000))

daemon.terminate()
daemon.waitUntilExit()
// For profiling the request path: stop before the start-up measurements.
if ProcessInfo.processInfo.environment["WSCD_BENCH_QUICK"] != nil { exit(0) }

// 4. Ready time with a ~1 MiB bundle, from exec to READY=1 on NOTIFY_SOCKET.
let big = try bundle(version: 1, publishers: 4000)
out("big_bundle_bytes", big.count)
try Data(big).write(to: URL(fileURLWithPath: dir + "/big.json"))
try config(socket: dir + "/b.sock", state: dir + "/state-b", bundlePath: dir + "/big.json").write(
    toFile: dir + "/b.toml", atomically: true, encoding: .utf8)
let first = try startDaemon(configPath: dir + "/b.toml")  // installs the bundle (not timed)
try waitReady(dir + "/b.sock")
first.terminate()
first.waitUntilExit()

let notifyPath = dir + "/notify.sock"
unlink(notifyPath)
let nfd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
var addr = sockaddr_un()
addr.sun_family = sa_family_t(AF_UNIX)
withUnsafeMutableBytes(of: &addr.sun_path) { raw in
    let bytes = Array(notifyPath.utf8)
    for (i, b) in bytes.enumerated() { raw[i] = b }
}
let bound = withUnsafePointer(to: &addr) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(nfd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
}
precondition(bound == 0, "bind notify socket")
var readyTimes: [Double] = []
var rssIdle: [Int] = []
for _ in 0..<5 {
    let start = now()
    let p = try startDaemon(configPath: dir + "/b.toml", environment: ["NOTIFY_SOCKET": notifyPath])
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = recv(nfd, &buffer, buffer.count, 0)
        if n > 0, String(decoding: buffer[0..<n], as: UTF8.self).contains("READY=1") { break }
    }
    readyTimes.append(now() - start)
    usleep(300_000)
    if let status = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
    {
        rssIdle.append(kib)
    }
    p.terminate()
    p.waitUntilExit()
}
out("ready_1mib_bundle_ms", String(format: "%.1f", median(readyTimes) * 1000))
out("rss_idle_1mib_bundle_kib", rssIdle.sorted()[rssIdle.count / 2])
