import Foundation
import Testing
import WSCTestSupport

@testable import WSCCrypto

/// Keys on real tokens: a SoftHSM2 token (PKCS#11) and a software TPM (swtpm), provisioned by their own tools.
/// In this process the PKCS#11 module is initialised once, so every test here uses the same SoftHSM2 token.
@Suite(.serialized) struct HardwareKeyTests {
    static let token: Result<SoftHSMToken, any Error> = Result {
        let token = try SoftHSMToken()
        setenv("SOFTHSM2_CONF", token.configuration, 1)
        return token
    }

    static func publicKey(file path: String) throws -> PublicKey {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        if bytes.first == 0x30 { return try PublicKey(spkiDER: bytes) }
        return try PublicKey(pem: String(decoding: bytes, as: UTF8.self))
    }

    @Test(arguments: [("ed", "01", KeyType.ed25519), ("p256", "02", KeyType.ecdsaP256)])
    func pkcs11KeySignsAndVerifiesWithTheExportedPublicKey(label: String, id: String, type: KeyType) throws {
        let token = try Self.token.get()
        let key = try PrivateKey.open(try KeyReference(parsing: token.uri(object: label)))
        #expect(key.type == type)
        #expect(key.location == .pkcs11)
        try token.exportPublicKey(id: id, to: token.directory + "/\(label).pub")
        let exported = try Self.publicKey(file: token.directory + "/\(label).pub")
        #expect(exported == key.publicKey)
        let message = Array("signed inside the token".utf8)
        let signature = try key.sign(message)
        let scheme = try #require(exported.defaultScheme)
        #expect(try exported.verify(signature: signature, message: message, scheme: scheme))
        #expect(!(try exported.verify(signature: signature, message: message + [0], scheme: scheme)))
        // The private key cannot be exported.
        #expect(throws: CryptoError(.notExportable, "")) { try key.pkcs8DER() }
    }

    @Test func pkcs11KeyByIDAndPINValue() throws {
        let token = try Self.token.get()
        let key = try PrivateKey.open(
            try KeyReference(
                parsing: "pkcs11:token=wsc;id=%02?module-path=\(SoftHSMToken.module)&pin-value=\(SoftHSMToken.pin)"))
        #expect(key.type == .ecdsaP256)
        let signature = try key.sign(Array("x".utf8), ecdsaEncoding: .p1363)
        #expect(signature.count == 64)
        _ = token
    }

    @Test func pkcs11MissingObjectTokenAndModule() throws {
        let token = try Self.token.get()
        let missing = #expect(throws: CryptoError(.keyNotFound, "")) {
            try PrivateKey.open(try KeyReference(parsing: token.uri(object: "nope")))
        }
        #expect(missing?.reason.contains("object=") == true)
        let noToken = #expect(throws: CryptoError(.tokenUnavailable, "")) {
            try PrivateKey.open(
                try KeyReference(
                    parsing: "pkcs11:token=absent;object=ed?module-path=\(SoftHSMToken.module)&pin-value=1234"))
        }
        #expect(noToken?.reason.contains("insert the token") == true)
        let noModule = #expect(throws: CryptoError(.tokenUnavailable, "")) {
            try PrivateKey.open(
                try KeyReference(parsing: "pkcs11:object=ed?module-path=/nonexistent/module.so&pin-value=1234"))
        }
        #expect(noModule?.reason.contains("module-path") == true)
    }

    @Test func keyReferenceParsing() throws {
        let file = try KeyReference(parsing: "/etc/wscd/key.pem")
        #expect(file.location == .file)
        var handle: UInt32?
        if case .tpm2(let h) = try KeyReference(parsing: "tpm2:handle=0x81000001") { handle = h }
        #expect(handle == 0x8100_0001)
        #expect(throws: CryptoError(.invalidKeyReference, "")) { try KeyReference(parsing: "tpm2:handle=0x80000001") }
        #expect(throws: CryptoError(.invalidKeyReference, "")) { try KeyReference(parsing: "tpm2:0x81000001") }
        #expect(throws: CryptoError(.invalidKeyReference, "")) { try KeyReference(parsing: "pkcs11:token=wsc") }
        #expect(throws: CryptoError(.invalidKeyReference, "")) { try KeyReference(parsing: "pkcs11:object=a;bogus=1") }
        #expect(throws: CryptoError(.invalidKeyReference, "")) { try KeyReference(parsing: "pkcs11:object=%zz") }
        let uri = try PKCS11URI(
            parsing: "pkcs11:token=my%20token;object=k;id=%01%ab?pin-value=secret&module-path=/m.so")
        #expect(uri.token == "my token")
        #expect(uri.id == [0x01, 0xab])
        #expect(uri.modulePath == "/m.so")
        #expect(!uri.description.contains("secret"))
        #expect(uri.description.contains("pin-value=***"))
    }

    @Test func tpmKeySignsAndVerifiesWithTheTPMsPublicKey() throws {
        let tpm = try SoftwareTPM()
        let key = try PrivateKey.open(
            try KeyReference(parsing: "tpm2:handle=\(SoftwareTPM.handle)"), settings: TokenSettings(tpm2TCTI: tpm.tcti))
        #expect(key.type == .ecdsaP256)
        #expect(key.location == .tpm2)
        let exported = try Self.publicKey(file: tpm.publicKeyPath)
        #expect(exported == key.publicKey)
        let message = Array("signed inside the TPM".utf8)
        for _ in 0..<3 {
            let signature = try key.sign(message)
            #expect(try exported.verify(signature: signature, message: message, scheme: .ecdsa(.sha256, .der)))
        }
        let missing = #expect(throws: CryptoError(.keyNotFound, "")) {
            try PrivateKey.open(
                try KeyReference(parsing: "tpm2:handle=0x81000002"), settings: TokenSettings(tpm2TCTI: tpm.tcti))
        }
        #expect(missing?.reason.contains("tpm2_evictcontrol") == true)
        // The TPM goes away: signing fails with a clear error, and opening again reports the TPM unreachable.
        tpm.stop()
        let gone = #expect(throws: CryptoError(.tokenUnavailable, "")) { try key.sign(message) }
        #expect(gone?.reason.contains("TPM") == true)
        let absent = #expect(throws: CryptoError(.tokenUnavailable, "")) {
            try PrivateKey.open(
                try KeyReference(parsing: "tpm2:handle=\(SoftwareTPM.handle)"),
                settings: TokenSettings(tpm2TCTI: tpm.tcti))
        }
        #expect(absent?.reason.contains("TCTI") == true)
    }
}

/// Secret bytes sit in pages of their own, excluded from core dumps (MADV_DONTDUMP, "dd" in smaps) and locked
/// ("lo") when RLIMIT_MEMLOCK allows it.
@Suite struct SecretBytesHygieneTests {
    /// The VmFlags of the mapping holding `address`, from /proc/self/smaps.
    static func flags(of address: UInt) throws -> [Substring] {
        // procfs files report size 0: read to the end.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        #expect(!smaps.isEmpty)
        var inside = false
        for line in smaps.split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
                let start = UInt(line[..<dash], radix: 16),
                let end = UInt(line[line.index(after: dash)..<space], radix: 16)
            {
                inside = start <= address && address < end
            } else if inside, line.hasPrefix("VmFlags:") {
                return line.dropFirst("VmFlags:".count).split(separator: " ")
            }
        }
        return []
    }

    @Test func secretBytesAreOutOfCoreDumpsAndLockedWhenAllowed() throws {
        var secret = [UInt8](repeating: 0x42, count: 100)
        let bytes = SecretBytes(consuming: &secret)
        #expect(secret == [UInt8](repeating: 0, count: 100))
        let address = bytes.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(address % UInt(SecretBytes.pageSize) == 0)
        #expect(bytes.withUnsafeBytes { Array($0) } == [UInt8](repeating: 0x42, count: 100))
        let flags = try Self.flags(of: address)
        #expect(flags.contains("dd"), "VmFlags \(flags)")
        // AddressSanitizer intercepts mlock and answers success without locking anything, so the lock itself
        // is checked only in builds without it (the debug run); the dump exclusion above is checked in both.
        let underAddressSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
        if !underAddressSanitizer {
            #expect(flags.contains("lo") == bytes.lockedInMemory, "VmFlags \(flags)")
        }
    }
}
