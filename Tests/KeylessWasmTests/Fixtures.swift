import Foundation
import KeylessWasm
import Sigstore
import Testing
import WasmSignatures

/// The committed private Sigstore instance and modules (see Fixtures/make_private_sigstore.py).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")
    /// The package root (for `.build/pyenv`).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let identity = "https://github.com/wsc-test/app/.github/workflows/release.yml@refs/heads/main"
    static let issuer = "https://token.actions.githubusercontent.com"
    static let policy = VerificationPolicy.identity(identity, issuer: issuer)

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func verifier() throws -> KeylessVerifier {
        KeylessVerifier(trustedRoot: try TrustedRoot(json: bytes("trusted_root.json")))
    }
}

/// Byte-level edits of a module for tamper tests.
enum Edit: String, CaseIterable, CustomStringConvertible {
    case flipCodeByte
    case flipCustomSectionData
    case appendSectionAtEnd
    case insertSectionBeforeKeyless
    case removeCustomSection
    case removeCodeSection
    case reorderSections

    var description: String { rawValue }

    /// Applies the edit; the keyless section (if any) stays in place.
    func apply(to bytes: [UInt8]) throws -> [UInt8] {
        let module = try WasmModule(bytes: bytes)
        let keyless = module.sections.firstIndex { $0.customName == KeylessWasm.sectionName }
        let extra: [UInt8] = [0, 6, 5] + Array("extra".utf8)
        switch self {
        case .flipCodeByte:
            let code = try #require(module.sections.first { $0.id == 10 })
            var out = bytes
            out[code.range.upperBound - 2] ^= 0x01
            return out
        case .flipCustomSectionData:
            var out = bytes
            let note = try #require(module.sections.first { $0.customName == "wsc.note" })
            out[note.dataStart] ^= 0x20
            return out
        case .appendSectionAtEnd:
            return bytes + extra
        case .insertSectionBeforeKeyless:
            let at = keyless.map { module.sections[$0].range.lowerBound } ?? bytes.count
            return Array(bytes[..<at]) + extra + Array(bytes[at...])
        case .removeCustomSection:
            let producers = try #require(module.sections.first { $0.customName == "producers" })
            return Array(bytes[..<producers.range.lowerBound]) + Array(bytes[producers.range.upperBound...])
        case .removeCodeSection:
            let code = try #require(module.sections.first { $0.id == 10 })
            return Array(bytes[..<code.range.lowerBound]) + Array(bytes[code.range.upperBound...])
        case .reorderSections:
            let a = module.sections[0].range
            let b = module.sections[1].range
            return Array(bytes[..<a.lowerBound]) + Array(bytes[b]) + Array(bytes[a]) + Array(bytes[b.upperBound...])
        }
    }
}
