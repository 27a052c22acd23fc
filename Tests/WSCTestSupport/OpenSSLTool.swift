import Foundation

/// The `openssl` command line, to make keys, certificates and signatures independently of wsc's own signer and
/// parser. Files live in a fresh temporary directory, removed by ``cleanUp()``.
public struct OpenSSLTool: Sendable {
    public let directory: String

    public init() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("wsc-openssl-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { directory + "/" + name }

    /// Runs `openssl args`; throws with its stderr when it fails.
    @discardableResult
    public func run(_ args: [String], stdin: [UInt8]? = nil) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try input.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(
                message: "openssl \(args.joined(separator: " ")): \(String(decoding: error, as: UTF8.self))")
        }
        return Array(output)
    }

    public struct ToolError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
    }

    public func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    public func text(_ name: String) throws -> String { String(decoding: try read(name), as: UTF8.self) }

    /// A P-256 key pair: `name.key` (PKCS#8 PEM) and `name.pub` (SPKI PEM).
    public func p256(_ name: String) throws {
        try run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(name).key"])
        try run(["pkey", "-in", "\(name).key", "-pubout", "-out", "\(name).pub"])
    }

    /// Base64 of the SHA-256 of the key's DER SubjectPublicKeyInfo: the hint Sigstore clients write.
    public func hint(_ name: String) throws -> String {
        try run(["pkey", "-pubin", "-in", "\(name).pub", "-outform", "DER", "-out", "\(name).spki.der"])
        let digest = try run(["dgst", "-sha256", "-binary", "\(name).spki.der"])
        return Data(digest).base64EncodedString()
    }

    /// ECDSA-SHA256 (DER) signature by `key` over `file`.
    public func sign(file: String, key: String) throws -> [UInt8] {
        try run(["dgst", "-sha256", "-sign", "\(key).key", "-out", "\(file).sig", file])
        return try read("\(file).sig")
    }

    /// A self-signed CA (`name.key`, `name.pem`).
    public func certificateAuthority(_ name: String, subject: String) throws {
        try p256(name)
        try run([
            "req", "-x509", "-new", "-key", "\(name).key", "-subj", subject, "-days", "3650", "-out", "\(name).pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    /// A leaf (`name.key`, `name.pem`) issued by `ca`, with the given extension lines.
    public func leaf(_ name: String, ca: String, subject: String, days: Int, extensions: [String]) throws {
        try p256(name)
        try run(["req", "-new", "-key", "\(name).key", "-subj", subject, "-out", "\(name).csr"])
        try write("\(name).ext", Array(extensions.joined(separator: "\n").utf8) + [0x0A])
        try run([
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
            "-days", String(days), "-extfile", "\(name).ext", "-out", "\(name).pem",
        ])
    }

    /// The DER of a PEM certificate.
    public func der(certificate name: String) throws -> [UInt8] {
        try run(["x509", "-in", "\(name).pem", "-outform", "DER"])
    }

    public func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }
}
