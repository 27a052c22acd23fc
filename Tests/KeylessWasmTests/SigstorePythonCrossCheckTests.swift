import Foundation
import KeylessWasm
import Testing
import WasmSignatures

/// Runs sigstore-python (`sigstore verify identity --offline`) on the fixtures, with the private trusted
/// root as a client trust config. Needs `.build/pyenv`, made by `scripts/python-deps.sh`.
@Suite("sigstore-python cross-check")
struct SigstorePythonCrossCheckTests {
    static let sigstore = Fixtures.packageRoot.appendingPathComponent(".build/pyenv/bin/sigstore")

    /// Exit status and output of `sigstore verify identity --offline` for `artifact` and `bundle`.
    static func verify(artifact: URL, bundle: URL, identity: String = Fixtures.identity) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = sigstore
        process.arguments = [
            "--trust-config", Fixtures.directory.appendingPathComponent("trust_config.json").path,
            "verify", "identity", "--offline", "--bundle", bundle.path,
            "--cert-identity", identity, "--cert-oidc-issuer", Fixtures.issuer, artifact.path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func available() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: sigstore.path) else {
            Issue.record(
                "sigstore-python is not installed at \(sigstore.path): run scripts/python-deps.sh (needs PyPI once)")
            return false
        }
        return true
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keyless-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("sigstore-python accepts the detached bundles", arguments: ["module.wasm", "module-wasmsig.wasm"])
    func detached(module: String) throws {
        guard Self.available() else { return }
        let (status, output) = try Self.verify(
            artifact: Fixtures.directory.appendingPathComponent(module),
            bundle: Fixtures.directory.appendingPathComponent(module + ".sigstore.json"))
        #expect(status == 0, "sigstore-python: \(output)")
    }

    @Test("sigstore-python accepts the embedded bundle over the module without its section")
    func embedded() throws {
        guard Self.available() else { return }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (module, bundle) = try KeylessWasm.detach(
            from: try WasmModule(bytes: try Fixtures.bytes("module.keyless.wasm")))
        let artifact = directory.appendingPathComponent("artifact.wasm")
        let bundleURL = directory.appendingPathComponent("bundle.json")
        try Data(module).write(to: artifact)
        try Data(bundle).write(to: bundleURL)
        let (status, output) = try Self.verify(artifact: artifact, bundle: bundleURL)
        #expect(status == 0, "sigstore-python: \(output)")
    }

    @Test("sigstore-python rejects a modified module and a wrong identity")
    func rejects() throws {
        guard Self.available() else { return }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let edited = try Edit.flipCodeByte.apply(to: try Fixtures.bytes("module.wasm"))
        let artifact = directory.appendingPathComponent("edited.wasm")
        try Data(edited).write(to: artifact)
        let bundle = Fixtures.directory.appendingPathComponent("module.wasm.sigstore.json")
        let (status, _) = try Self.verify(artifact: artifact, bundle: bundle)
        #expect(status != 0)
        let (wrongStatus, _) = try Self.verify(
            artifact: Fixtures.directory.appendingPathComponent("module.wasm"), bundle: bundle,
            identity: "https://github.com/wsc-test/app/.github/workflows/evil.yml@refs/heads/main")
        #expect(wrongStatus != 0)
    }
}
