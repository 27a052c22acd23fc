import Foundation

/// The `openssl` command line, to make keys, certificates and signatures independently of wsc's own signer.
struct OpenSSLTool {
    let directory: String

    init() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("wsc-openssl-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Runs `openssl args`; throws with its stderr when it fails.
    @discardableResult
    func run(_ args: [String], stdin: [UInt8]? = nil) throws -> [UInt8] {
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

    struct ToolError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
    }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    func text(_ name: String) throws -> String { String(decoding: try read(name), as: UTF8.self) }

    /// A P-256 key pair: `name.key` (PKCS#8 PEM) and `name.pub` (SPKI PEM).
    func p256(_ name: String) throws {
        try run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(name).key"])
        try run(["pkey", "-in", "\(name).key", "-pubout", "-out", "\(name).pub"])
    }

    /// Base64 of the SHA-256 of the key's DER SubjectPublicKeyInfo: the hint Sigstore clients write.
    func hint(_ name: String) throws -> String {
        try run(["pkey", "-pubin", "-in", "\(name).pub", "-outform", "DER", "-out", "\(name).spki.der"])
        let digest = try run(["dgst", "-sha256", "-binary", "\(name).spki.der"])
        return Data(digest).base64EncodedString()
    }

    /// ECDSA-SHA256 (DER) signature by `key` over `file`.
    func sign(file: String, key: String) throws -> [UInt8] {
        try run(["dgst", "-sha256", "-sign", "\(key).key", "-out", "\(file).sig", file])
        return try read("\(file).sig")
    }

    /// A self-signed CA (`name.key`, `name.pem`).
    func certificateAuthority(_ name: String, subject: String) throws {
        try p256(name)
        try run([
            "req", "-x509", "-new", "-key", "\(name).key", "-subj", subject, "-days", "3650", "-out", "\(name).pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    /// A leaf (`name.key`, `name.pem`) issued by `ca`, with the given extension lines.
    func leaf(_ name: String, ca: String, subject: String, days: Int, extensions: [String]) throws {
        try p256(name)
        try run(["req", "-new", "-key", "\(name).key", "-subj", subject, "-out", "\(name).csr"])
        try write("\(name).ext", Array(extensions.joined(separator: "\n").utf8) + [0x0A])
        try run([
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
            "-days", String(days), "-extfile", "\(name).ext", "-out", "\(name).pem",
        ])
    }

    /// The DER of a PEM certificate.
    func der(certificate name: String) throws -> [UInt8] {
        try run(["x509", "-in", "\(name).pem", "-outform", "DER"])
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }
}

/// Sigstore bundles (v0.3, no transparency log entry) assembled by hand from an OpenSSL signature: an
/// independent producer, so the tests do not only check wsc against itself.
enum HandBuiltBundle {
    static func messageSignature(digest: [UInt8], signature: [UInt8], material: String) -> [UInt8] {
        let json = """
            {"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
             "verificationMaterial":{\(material),"tlogEntries":[]},
             "messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"\(Data(digest).base64EncodedString())"},
                                 "signature":"\(Data(signature).base64EncodedString())"}}
            """
        return Array(json.utf8)
    }

    static func keySigned(digest: [UInt8], signature: [UInt8], hint: String?) -> [UInt8] {
        messageSignature(
            digest: digest, signature: signature,
            material: hint.map { #""publicKey":{"hint":"\#($0)"}"# } ?? #""publicKey":{}"#)
    }

    static func certificateSigned(digest: [UInt8], signature: [UInt8], leafDER: [UInt8]) -> [UInt8] {
        messageSignature(
            digest: digest, signature: signature,
            material: #""certificate":{"rawBytes":"\#(Data(leafDER).base64EncodedString())"}"#)
    }
}
