import Foundation
import Testing
import WSCClient
import WSCCrypto
import WSCJSON
import WSCProtocol
import WSCTestSupport

/// wscd with its signing key on a token: a TPM-held P-256 key (swtpm) for Sigstore bundles, a SoftHSM2 Ed25519 key
/// for wasmsig signatures; and the token failures, during which wscd keeps serving verification.
@Suite struct HardwareKeyDaemonTests {
    static var wscctl: String { DaemonHarness.wscd.deletingLastPathComponent().appendingPathComponent("wscctl").path }

    static func publicKey(file path: String) throws -> PublicKey {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        if bytes.first == 0x30 { return try PublicKey(spkiDER: bytes) }
        return try PublicKey(pem: String(decoding: bytes, as: UTF8.self))
    }

    static func protocolError(_ body: () throws -> Void) -> ProtocolError? {
        do {
            try body()
            return nil
        } catch {
            return error as? ProtocolError
        }
    }

    /// wscd keeps verifying: a module signed by alice is valid.
    static func stillVerifies(_ d: DaemonHarness) throws {
        let result = try d.client().call(.verify, body: try d.signed(by: d.alice)).result
        #expect(result.valid)
        #expect(result.signers == ["alice"])
    }

    @Test func tpmKeySignsSigstoreBundlesVerifiedOfflineAndThroughTheSealedBundle() throws {
        let tpm = try SoftwareTPM()
        let tpmKey = try Self.publicKey(file: tpm.publicKeyPath)
        let d = try DaemonHarness(
            signing: "key = \"tpm2:handle=\(SoftwareTPM.handle)\"\ntpm2_tcti = \"\(tpm.tcti)\"",
            extraPublishers: [("tpm-signer", tpmKey)])
        defer { d.cleanUp() }
        let c = try d.client()
        let status = try c.call(.status).result
        #expect(status["signingKeySource"] == .string("tpm2"))
        #expect(status["signingKeyType"] == .string("ECDSA P-256"))
        #expect(status["signingKeyError"] == .null)
        #expect(status["signingPublicKey"] == .string(tpmKey.pem))

        let (result, bundle) = try c.call(.sign, [("format", .string("sigstore-bundle"))], body: DaemonHarness.unsigned)
        #expect(result["format"] == .string("sigstore-bundle"))
        // Offline, with the public key tpm2_readpublic wrote.
        try Data(DaemonHarness.unsigned).write(to: URL(fileURLWithPath: d.directory + "/m.wasm"))
        try Data(bundle).write(to: URL(fileURLWithPath: d.directory + "/m.sigstore.json"))
        try TokenTools.run(
            Self.wscctl, ["verify", "-i", "m.wasm", "--bundle", "m.sigstore.json", "--key", tpm.publicKeyPath],
            directory: d.directory)
        // Through the sealed trust bundle that names the TPM key as a publisher.
        let verdict = try c.call(
            .verify, [("sigstoreBundleLength", .integer(Int64(bundle.count)))], body: DaemonHarness.unsigned + bundle
        ).result
        #expect(verdict.valid)
        #expect(verdict.signers == ["tpm-signer"])

        // wasmsig needs Ed25519: the error says what to ask for instead.
        let wasmsig = Self.protocolError { _ = try c.call(.sign, body: DaemonHarness.unsigned) }
        #expect(wasmsig?.code == .badRequest)
        #expect(wasmsig?.message.contains("--sigstore-bundle") == true)
        // A token key is not rotated by wscd.
        let rotate = Self.protocolError { _ = try c.call(.rotate, [("target", .string("signingKey"))]) }
        #expect(rotate?.code == .signingUnavailable)

        // The TPM goes away: signing fails with a clear error; verification goes on.
        tpm.stop()
        let gone = Self.protocolError {
            _ = try c.call(.sign, [("format", .string("sigstore-bundle"))], body: DaemonHarness.unsigned)
        }
        #expect(gone?.code == .signingUnavailable)
        #expect(gone?.message.contains("[tokenUnavailable]") == true)
        try Self.stillVerifies(d)
        let after = try d.client().call(.status).result
        if case .string(let error) = after["signingKeyError"] ?? .null {
            #expect(error.contains("tokenUnavailable"))
        } else {
            Issue.record("status has no signingKeyError after the TPM went away: \(after)")
        }
    }

    @Test func tpmAbsentAtStartWscdServesVerify() throws {
        let d = try DaemonHarness(signing: "key = \"tpm2:handle=0x81000001\"\ntpm2_tcti = \"swtpm:port=9\"")
        defer { d.cleanUp() }
        try Self.stillVerifies(d)
        let error = Self.protocolError {
            _ = try d.client().call(.sign, [("format", .string("sigstore-bundle"))], body: DaemonHarness.unsigned)
        }
        #expect(error?.code == .signingUnavailable)
        #expect(error?.message.contains("[tokenUnavailable]") == true)
        #expect(error?.message.contains("TCTI") == true)
        let status = try d.client().call(.status).result
        #expect(status["signingKeySource"] == .string("tpm2"))
        #expect(status["signingKeyId"] == .null)
    }

    @Test func softHSMEd25519KeySignsWasmsigThroughWscd() throws {
        let token = try SoftHSMToken()
        defer { token.remove() }
        try token.exportPublicKey(id: "01", to: token.directory + "/ed.pub")
        let hsmKey = try Self.publicKey(file: token.directory + "/ed.pub")
        let d = try DaemonHarness(
            signing: "key = \"\(token.uri(object: "ed"))\"", extraPublishers: [("hsm", hsmKey)],
            environment: token.environment)
        defer { d.cleanUp() }
        let c = try d.client()
        #expect(try c.call(.status).result["signingKeySource"] == .string("pkcs11"))
        let (_, signed) = try c.call(.sign, body: DaemonHarness.unsigned)
        let verdict = try c.call(.verify, body: signed).result
        #expect(verdict.valid)
        #expect(verdict.signers == ["hsm"])
        #expect(!d.stderr.contains(SoftHSMToken.pin + "\n"))
    }

    @Test(arguments: ["wrongPIN", "missingObject", "absentToken"])
    func softHSMFailuresAreClearAndWscdKeepsVerifying(_ failure: String) throws {
        let token = try SoftHSMToken()
        defer { token.remove() }
        let wrongPIN = token.directory + "/wrong-pin"
        try Data("9876\n".utf8).write(to: URL(fileURLWithPath: wrongPIN))
        let (reference, code): (String, String) =
            switch failure {
            case "wrongPIN": (token.uri(object: "ed", pinFile: wrongPIN), "[tokenLoginFailed]")
            case "missingObject": (token.uri(object: "nope"), "[keyNotFound]")
            default:
                (
                    token.uri(object: "ed").replacingOccurrences(of: "token=wsc", with: "token=gone"),
                    "[tokenUnavailable]"
                )
            }
        let d = try DaemonHarness(signing: "key = \"\(reference)\"", environment: token.environment)
        defer { d.cleanUp() }
        try Self.stillVerifies(d)
        let error = Self.protocolError { _ = try d.client().call(.sign, body: DaemonHarness.unsigned) }
        #expect(error?.code == .signingUnavailable)
        #expect(error?.message.contains(code) == true, "\(String(describing: error))")
        #expect(error?.message.contains("9876") == false)
        try Self.stillVerifies(d)
        #expect(!d.stderr.contains("9876"))
    }

    @Test func configurationRefusesAPINValue() throws {
        let d = try DaemonHarness(
            signing: "key = \"pkcs11:object=ed?pin-value=1234&module-path=/usr/lib/softhsm/libsofthsm2.so\"",
            start: false)
        defer { d.cleanUp() }
        #expect(throws: HarnessError.self) { try d.start() }
        #expect(d.stderr.contains("pin-source"))
        #expect(!d.stderr.contains("1234"))
    }
}
