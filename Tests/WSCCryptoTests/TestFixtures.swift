import Foundation
import WSCCrypto

/// Reads the committed fixtures (see Fixtures/make_fixtures.py).
enum TestFixtures {
    static var directory: URL {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("the Fixtures resource directory is missing from the test bundle")
        }
        return url
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try data(name), as: UTF8.self)
    }

    static func certificate(_ name: String) throws -> Certificate {
        try Certificate(pem: text(name))
    }
}

extension Array where Element == UInt8 {
    /// Bytes from hexadecimal text; traps on malformed input (test data only).
    init(hex: String) {
        let digits = Array(hex.utf8)
        precondition(digits.count % 2 == 0, "odd-length hex")
        self = stride(from: 0, to: digits.count, by: 2).map { index in
            UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)!
        }
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// UTC instants used by the certificate tests.
enum TestTime {
    /// 2023-06-01T00:00:00Z: before every fixture's notBefore.
    static let before2024: Int64 = 1_685_577_600
    /// 2024-12-01T00:00:00Z: inside the 3-level chain, before leaf-2025.
    static let december2024: Int64 = 1_733_011_200
    /// 2025-06-01T00:00:00Z: inside every validity window.
    static let inside: Int64 = 1_748_736_000
    /// 2026-02-01T00:00:00Z: after leaf-2025, inside the rest.
    static let february2026: Int64 = 1_769_904_000
    /// 2031-01-01T00:00:00Z: after the leaves and intermediates expired.
    static let after2030: Int64 = 1_924_992_000
}
