import Foundation

// Real tokens for the tests: a SoftHSM2 token in a temporary directory and a software TPM (swtpm) on a loopback
// port, provisioned with the same tools an operator uses (softhsm2-util, pkcs11-tool, tpm2-tools). A missing tool
// is a failure, not a skip: `make deps` installs them.

/// An error from a token tool, with its output.
package struct TokenToolError: Error, CustomStringConvertible {
    package let description: String
}

package enum TokenTools {
    /// Runs `tool` (found on PATH) with `environment` added; returns its standard output, throws on failure.
    @discardableResult
    package static func run(
        _ tool: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    )
        throws -> String
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TokenToolError(
                description: "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus) "
                    + "(run `make deps` if it is missing): \(String(decoding: stderr, as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    package static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = "/tmp/\(prefix)-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return path
    }
}

/// A SoftHSM2 token labelled `wsc` (user PIN 1234) in its own directory, with an Ed25519 key (label `ed`, id 01)
/// and an ECDSA P-256 key (label `p256`, id 02) made by pkcs11-tool.
package final class SoftHSMToken: Sendable {
    package static let module = "/usr/lib/softhsm/libsofthsm2.so"
    package static let pin = "1234"
    package let directory: String
    package var configuration: String { directory + "/softhsm2.conf" }
    package var environment: [String: String] { ["SOFTHSM2_CONF": configuration] }
    /// A file holding the PIN (mode 0600).
    package var pinFile: String { directory + "/pin" }

    package init() throws {
        directory = try TokenTools.temporaryDirectory("wsc-softhsm")
        try FileManager.default.createDirectory(atPath: directory + "/tokens", withIntermediateDirectories: true)
        try Data("directories.tokendir = \(directory)/tokens\nobjectstore.backend = file\n".utf8)
            .write(to: URL(fileURLWithPath: configuration))
        try Data("\(Self.pin)\n".utf8).write(to: URL(fileURLWithPath: pinFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pinFile)
        try TokenTools.run(
            "softhsm2-util", ["--init-token", "--free", "--label", "wsc", "--pin", Self.pin, "--so-pin", "5678"],
            environment: environment)
        try keypair("EC:edwards25519", label: "ed", id: "01")
        try keypair("EC:prime256v1", label: "p256", id: "02")
    }

    package func keypair(_ type: String, label: String, id: String) throws {
        try TokenTools.run(
            "pkcs11-tool",
            [
                "--module", Self.module, "--login", "--pin", Self.pin, "--keypairgen", "--key-type", type, "--label",
                label,
                "--id", id,
            ], environment: environment)
    }

    /// The public key as pkcs11-tool exports it, written to `path` (PEM for Ed25519, DER SPKI for P-256).
    package func exportPublicKey(id: String, to path: String) throws {
        try TokenTools.run(
            "pkcs11-tool", ["--module", Self.module, "--read-object", "--type", "pubkey", "--id", id, "-o", path],
            environment: environment)
    }

    /// A `pkcs11:` URI for `object` with the PIN from the PIN file.
    package func uri(object: String, pinFile: String? = nil) -> String {
        "pkcs11:token=wsc;object=\(object)?module-path=\(Self.module)&pin-source=file:\(pinFile ?? self.pinFile)"
    }

    package func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// A software TPM 2.0 on a loopback port with a persistent ECDSA P-256 signing key at 0x81000001 made by
/// tpm2-tools; its public key (PEM) is `publicKeyPath`.
package final class SoftwareTPM: @unchecked Sendable {
    package static let handle = "0x81000001"
    package let directory: String
    package let port: Int
    private let process: Process
    package var tcti: String { "swtpm:port=\(port)" }
    package var publicKeyPath: String { directory + "/tpm-key.pub.pem" }

    package init() throws {
        directory = try TokenTools.temporaryDirectory("wsc-swtpm")
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        // A port pair below the ephemeral range; another one when swtpm cannot bind it (it exits).
        var chosen: Int?
        var process = Process()
        for _ in 0..<8 where chosen == nil {
            let port = Int.random(in: 10000...32000) & ~1
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "swtpm", "socket", "--tpm2", "--server", "type=tcp,port=\(port),bindaddr=127.0.0.1", "--ctrl",
                "type=tcp,port=\(port + 1),bindaddr=127.0.0.1", "--tpmstate", "dir=\(directory)/state", "--flags",
                "not-need-init,startup-clear",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Ready when the TPM answers; bounded by attempts, not by time.
            for _ in 0..<400 where chosen == nil && process.isRunning {
                if (try? TokenTools.run(
                    "tpm2_getcap", ["properties-fixed"], environment: ["TPM2TOOLS_TCTI": "swtpm:port=\(port)"])) != nil
                {
                    chosen = port
                } else {
                    usleep(25_000)
                }
            }
            if chosen == nil, process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        self.process = process
        guard let chosen else { throw TokenToolError(description: "swtpm did not start (make deps installs it)") }
        port = chosen
        let env = ["TPM2TOOLS_TCTI": tcti]
        let d = directory
        // swtpm has no resource manager: flush transient objects between steps (it has three slots).
        for step in [
            ["tpm2_createprimary", "-Q", "-C", "o", "-g", "sha256", "-G", "ecc256", "-c", "\(d)/primary.ctx"],
            ["tpm2_flushcontext", "-t"],
            [
                "tpm2_create", "-Q", "-C", "\(d)/primary.ctx", "-G", "ecc256:ecdsa-sha256", "-a",
                "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign", "-u", "\(d)/key.pub", "-r",
                "\(d)/key.priv",
            ],
            ["tpm2_flushcontext", "-t"],
            [
                "tpm2_load", "-Q", "-C", "\(d)/primary.ctx", "-u", "\(d)/key.pub", "-r", "\(d)/key.priv", "-c",
                "\(d)/key.ctx",
            ],
            ["tpm2_flushcontext", "-t"],
            ["tpm2_evictcontrol", "-Q", "-C", "o", "-c", "\(d)/key.ctx", Self.handle],
            ["tpm2_flushcontext", "-t"],
            ["tpm2_readpublic", "-Q", "-c", Self.handle, "-f", "pem", "-o", publicKeyPath],
        ] {
            do {
                try TokenTools.run(step[0], Array(step.dropFirst()), environment: env)
            } catch {
                stop()
                throw error
            }
        }
    }

    /// Stops the TPM (the test's own process, by its pid). SIGKILL: swtpm waits for its clients on SIGTERM, and a
    /// TPM that vanishes is what the tests want.
    package func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
