import Foundation
import WSCCrypto
import WasmSignatures

enum Fixtures {
    static func bytes(hex: String) -> [UInt8] {
        let chars = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") })
        var out: [UInt8] = []
        var i = 0
        while i + 1 < chars.count {
            out.append(UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16)!)
            i += 2
        }
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func uleb(_ value: Int) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            out.append(b)
        } while v != 0
        return out
    }

    static func section(_ id: UInt8, _ payload: [UInt8]) -> [UInt8] { [id] + uleb(payload.count) + payload }

    static func custom(_ name: String, _ data: [UInt8]) -> [UInt8] {
        section(0, uleb(name.utf8.count) + Array(name.utf8) + data)
    }

    static let preamble: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
    static let typeSection: [UInt8] = [0x01, 0x04, 0x01, 0x60, 0x00, 0x00]

    /// A small module: a type section, a custom section and a data-like standard section.
    static func module(extraCustom: String = "producers") -> [UInt8] {
        preamble + typeSection + custom(extraCustom, Array("tool 1.0".utf8)) + section(11, [0x00])
    }

    static func key(seedByte: UInt8) throws -> PrivateKey {
        let seed = [UInt8](repeating: seedByte, count: 32)
        return try seed.withUnsafeBytes { try PrivateKey(ed25519Seed: $0) }
    }

    /// The repository root (this file is Tests/WasmSignaturesTests/TestSupport.swift).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var sharedDirectory: URL { repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared") }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wsc-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a process and returns its exit status.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
