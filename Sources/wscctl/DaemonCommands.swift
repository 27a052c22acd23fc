import ArgumentParser
import WSCClient
import WSCJSON
import WSCProtocol

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct SocketOptions: ParsableArguments {
    @Option(help: "wscd's socket (default: $WSCD_SOCKET or /run/wscd/wscd.sock).")
    var socket: String?

    var path: String {
        if let socket { return socket }
        if let env = getenv("WSCD_SOCKET") { return String(cString: env) }
        return WSCClient.defaultSocketPath
    }

    func connect() throws -> WSCClient {
        do {
            return try WSCClient(socketPath: path)
        } catch let error as ProtocolError {
            throw CLIError.usage(error.message)
        }
    }
}

/// Maps a daemon error to the documented exit codes: refusals of trust or signatures are 1, the rest 2.
func daemonError(_ error: Error) -> CLIError {
    guard let error = error as? ProtocolError else { return (error as? CLIError) ?? .usage("\(error)") }
    switch error.code {
    case .rotateRefused, .noTrust: return .invalid("wscd: \(error.message)")
    default: return .usage("wscd: \(error.message) [\(error.code)]")
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what wscd holds: trust bundle, counter, keys, clock, traffic.",
        discussion: ExitStatus.text("the status was printed", nil, usage: ExitStatus.daemonUsage))

    @OptionGroup var socket: SocketOptions

    @Flag(help: "Print the status as JSON.")
    var json = false

    func run() throws {
        let client = try socket.connect()
        let result: JSONObject
        do {
            result = try client.call(.status).result
        } catch {
            throw daemonError(error)
        }
        if json {
            print(String(decoding: JSONWriter.encode(.object(result), pretty: true), as: UTF8.self))
            return
        }
        func text(_ v: JSONValue?) -> String {
            switch v ?? .null {
            case .string(let s): return s
            case .integer(let i): return String(i)
            case .bool(let b): return b ? "yes" : "no"
            case .null: return "-"
            case .array(let a): return a.isEmpty ? "none" : a.map { text($0) }.joined(separator: ", ")
            case .object(let o): return o.members.map { "\($0.key) \(text($0.value))" }.joined(separator: ", ")
            case .number(let n): return n
            }
        }
        print("wscd            \(text(result["server"])), up \(text(result["uptimeSeconds"])) s")
        if case .object(let bundle) = result["bundle"] ?? .null {
            print(
                "trust bundle    version \(text(bundle["version"])), \(text(bundle["validity"])) (expires \(text(bundle["expires"])))"
            )
            print("publishers      \(text(bundle["publishers"]))")
            print("sigstore root   \(text(bundle["sigstoreRoot"]))")
        } else {
            print("trust bundle    none installed (wscctl rotate --bundle FILE)")
        }
        print(
            "counter         \(text(result["counter"])) (state \(result["stateSealed"] == .bool(true) ? "sealed" : "NOT sealed"))"
        )
        // Without a hardware counter, a recent first boot on a node long in service means its state was deleted.
        print("first boot      \(text(result["firstBootAt"]))")
        if case .object(let tpm) = result["rollbackCounter"] ?? .null {
            print(
                "tpm counter     \(text(tpm["name"])): state at \(text(tpm["stateValue"])), TPM at \(text(tpm["tpmValue"])): \(text(tpm["state"]))"
            )
        } else {
            print("tpm counter     none (rollback_counter = \"none\")")
        }
        print("signing key     \(text(result["signingKeyId"])); retired: \(text(result["retiredKeyIds"]))")
        print("signing key in  \(text(result["signingKeySource"])) (\(text(result["signingKeyType"])))")
        if case .string(let error) = result["signingKeyError"] ?? .null { print("signing key err \(error)") }
        print(
            "time            trusted \(text(result["trustedTime"])), floor \(text(result["timeFloor"])), clock \(result["clockReliable"] == .bool(true) ? "reliable" : "UNRELIABLE")"
        )
        let synchronized: String
        switch result["clockSynchronized"] ?? .null {
        case .bool(true): synchronized = "synchronized"
        case .bool(false): synchronized = "NOT synchronized"
        default: synchronized = "synchronization unknown"
        }
        let source = result["timeSource"] == .string("evidence") ? "EVIDENCE (signed times, not the clock)" : "clock"
        print("time source     \(source); clock \(synchronized)")
        print("connections     \(text(result["connections"]))")
        print("requests        \(text(result["requests"]))")
        print("verdicts        \(text(result["verdicts"]))")
        print("errors          \(text(result["errors"]))")
        print("verify latency  \(text(result["verifyLatencyMicroseconds"])) (µs)")
        print("last refresh    \(text(result["lastRefresh"]))")
    }
}

struct RotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Install a new trust bundle in wscd, or rotate its signing key.",
        discussion: ExitStatus.text(
            "wscd installed the bundle or rotated its signing key",
            "wscd refused the bundle (seal check: signatures, rollback, validity)", usage: ExitStatus.daemonUsage))

    @OptionGroup var socket: SocketOptions

    @Option(help: "A signed trust bundle envelope to install.")
    var bundle: String?

    @Flag(help: "Replace wscd's signing key (the old public key stays listed as retired).")
    var signingKey = false

    @Flag(
        help: """
            Allow the new bundle to drop the TUF pin of the active one (this ends automatic trust refresh); \
            without it such a rotate is refused.
            """)
    var dropTuf = false

    func run() throws {
        guard (bundle != nil) != signingKey else {
            throw CLIError.usage("give exactly one of --bundle FILE or --signing-key")
        }
        guard !dropTuf || bundle != nil else { throw CLIError.usage("--drop-tuf goes with --bundle FILE") }
        let client = try socket.connect()
        do {
            if let bundle {
                let bytes = try FileIO.read(bundle, what: "trust bundle", limit: 12 << 20)
                var fields: [(String, JSONValue)] = [("target", .string("bundle"))]
                if dropTuf { fields.append(("dropTuf", .bool(true))) }
                let result = try client.call(.rotate, fields, body: bytes).result
                var version = "?"
                if case .integer(let v) = result["version"] ?? .null { version = String(v) }
                var validity = ""
                if case .string(let text) = result["validity"] ?? .null { validity = text }
                print("installed trust bundle version \(version): \(validity)")
            } else {
                let result = try client.call(.rotate, [("target", .string("signingKey"))]).result
                if case .string(let id) = result["keyId"] ?? .null { print("new signing key id \(id)") }
            }
        } catch {
            throw daemonError(error)
        }
    }
}

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Ask wscd to re-read its configuration.",
        discussion: ExitStatus.text(
            "wscd reloaded its configuration (notes name keys that need a restart)", nil,
            usage: ExitStatus.daemonUsage + ", or the new configuration is invalid (the running one stays)"))

    @OptionGroup var socket: SocketOptions

    func run() throws {
        do {
            let result = try socket.connect().call(.reload).result
            print("configuration reloaded")
            if case .array(let notes) = result["notes"] ?? .null {
                for case .string(let note) in notes { print("note: \(note)") }
            }
        } catch {
            throw daemonError(error)
        }
    }
}

struct RefreshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Ask wscd to refresh its trust over TUF now, and wait for the result.",
        discussion: ExitStatus.text(
            "the refresh finished and succeeded", "the refresh failed or did not finish within --wait seconds",
            usage: ExitStatus.daemonUsage + ", or TUF is not enabled"))

    @OptionGroup var socket: SocketOptions

    @Option(help: "Seconds to wait for the refresh to finish.")
    var wait: Int = 120

    func run() throws {
        let client = try socket.connect()
        do {
            func report() throws -> JSONObject? {
                if case .object(let r) = try client.call(.status).result["lastRefresh"] ?? .null { return r }
                return nil
            }
            let before = try report()?["lastAttempt"]
            let started = try client.call(.refresh).result
            if started["alreadyRunning"] == .bool(true) { print("a refresh is already running; waiting for it") }
            var waited = 0
            while waited < wait * 10 {
                usleep(100_000)
                waited += 1
                guard let r = try report(), r["running"] != .bool(true), r["lastAttempt"] != before else { continue }
                if case .string(let error) = r["lastError"] ?? .null {
                    throw CLIError.invalid("refresh failed: \(error)")
                }
                var result = ""
                if case .string(let text) = r["lastResult"] ?? .null { result = text }
                print("refresh succeeded: \(result)")
                return
            }
            throw CLIError.invalid("the refresh did not finish within \(wait) s; see wscctl status")
        } catch let error as CLIError {
            throw error
        } catch {
            throw daemonError(error)
        }
    }
}
