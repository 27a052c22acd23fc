import Foundation
import KeylessWasm
import Sigstore
import Testing
import WSCCrypto
import WSCJSON
import WSCTestSupport

/// A bundle whose signing certificate is in a BER form OpenSSL reads (an indefinite or five-byte length): it once
/// crashed the verifier (a recursion between reading the deferred key and its SubjectPublicKeyInfo), before any
/// trust check, so any peer could send it. It must be refused, with a reason.
@Suite struct BERSigningCertificateTests {
    @Test(arguments: BEREncodings.Form.allCases)
    func berSigningCertificateIsRefusedNotACrash(_ form: BEREncodings.Form) throws {
        let original = try Fixtures.bytes("module.wasm.sigstore.json")
        guard case .object(let bundle) = try JSONParser.parse(original),
            case .object(let material) = bundle["verificationMaterial"] ?? .null,
            case .object(let certificate) = material["certificate"] ?? .null,
            case .string(let raw) = certificate["rawBytes"] ?? .null, let der = Base64.decode(raw)
        else {
            Issue.record("the fixture bundle has no v0.3 certificate")
            return
        }
        let ber = try #require(BEREncodings.certificate(der, validityIn: form))
        let text = String(decoding: original, as: UTF8.self)
        #expect(text.contains(raw))
        let mutated = Array(text.replacingOccurrences(of: raw, with: Base64.encode(ber)).utf8)
        // The log entry names the certificate as it was logged, so the re-encoded one no longer matches it.
        let error = #expect(throws: KeylessError.self) {
            try Fixtures.verifier().verify(
                module: try Fixtures.bytes("module.wasm"), bundle: .detached(mutated),
                policy: Fixtures.policy)
        }
        #expect("\(String(describing: error))".contains("logEntryMismatch"), "\(String(describing: error))")
    }
}
