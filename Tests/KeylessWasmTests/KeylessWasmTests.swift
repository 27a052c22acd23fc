import Foundation
import KeylessWasm
import Sigstore
import Testing
import WSCCrypto
import WasmSignatures

@Suite("Keyless wasm signatures")
struct KeylessWasmTests {
    @Test("a detached bundle verifies over the module file")
    func detachedVerifies() throws {
        let verdict = try Fixtures.verifier().verify(
            module: try Fixtures.bytes("module.wasm"),
            bundle: .detached(try Fixtures.bytes("module.wasm.sigstore.json")),
            policy: Fixtures.policy)
        #expect(verdict.form == .detached)
        #expect(verdict.identity == Fixtures.identity)
        #expect(verdict.issuer == Fixtures.issuer)
        #expect(verdict.logIndex == 9)
        #expect(verdict.integratedTime == 1_736_942_460)
        #expect(verdict.artifactDigest == Digest.sha256(try Fixtures.bytes("module.wasm")))
    }

    @Test("an embedded bundle verifies over the module without its section")
    func embeddedVerifies() throws {
        let verdict = try Fixtures.verifier().verify(
            module: try Fixtures.bytes("module.keyless.wasm"), bundle: .embedded, policy: Fixtures.policy)
        #expect(verdict.form == .embedded)
        #expect(verdict.identity == Fixtures.identity)
        #expect(verdict.logIndex == 9)
        #expect(verdict.artifactDigest == Digest.sha256(try Fixtures.bytes("module.wasm")))
    }

    @Test("an identity pattern matches")
    func identityPattern() throws {
        let policy = VerificationPolicy(
            signer: .identityPattern(subjectPattern: #"https://github\.com/wsc-test/.*"#, issuer: Fixtures.issuer))
        let verdict = try Fixtures.verifier().verify(
            module: try Fixtures.bytes("module.keyless.wasm"), bundle: .embedded, policy: policy)
        #expect(verdict.identity == Fixtures.identity)
    }

    @Test("attach appends the section last, byte for byte as the generator does; detach undoes it")
    func attachDetach() throws {
        let module = try WasmModule(bytes: try Fixtures.bytes("module.wasm"))
        let bundle = try Fixtures.bytes("module.wasm.sigstore.json")
        let attached = try KeylessWasm.attach(bundle: bundle, to: module)
        #expect(attached == (try Fixtures.bytes("module.keyless.wasm")))
        let parsed = try WasmModule(bytes: attached)
        #expect(parsed.sections.last?.customName == KeylessWasm.sectionName)
        #expect(try KeylessWasm.signedDigest(of: parsed) == Digest.sha256(module.bytes))
        let (plain, extracted) = try KeylessWasm.detach(from: parsed)
        #expect(plain == module.bytes)
        #expect(extracted == bundle)
    }

    @Test("attach refuses a second bundle and a non-bundle; detach needs a section")
    func attachDetachErrors() throws {
        let keyless = try WasmModule(bytes: try Fixtures.bytes("module.keyless.wasm"))
        let bundle = try Fixtures.bytes("module.wasm.sigstore.json")
        #expect(throws: KeylessError(.bundleAlreadyAttached, "")) {
            try KeylessWasm.attach(bundle: bundle, to: keyless)
        }
        let plain = try WasmModule(bytes: try Fixtures.bytes("module.wasm"))
        #expect(throws: KeylessError.self) { try KeylessWasm.attach(bundle: Array("{}".utf8), to: plain) }
        do {
            _ = try KeylessWasm.attach(bundle: Array("not json".utf8), to: plain)
            Issue.record("a non-bundle was attached")
        } catch let error as KeylessError {
            #expect(error.code == .malformedBundle)
        }
        #expect(throws: KeylessError(.noEmbeddedBundle, "")) { try KeylessWasm.detach(from: plain) }
        #expect(throws: KeylessError(.noEmbeddedBundle, "")) {
            try Fixtures.verifier().verify(module: plain.bytes, bundle: .embedded, policy: Fixtures.policy)
        }
    }

    @Test("two keyless sections are rejected, wherever the second one is")
    func twoSections() throws {
        let keyless = try Fixtures.bytes("module.keyless.wasm")
        let module = try WasmModule(bytes: keyless)
        let section = try #require(module.sections.last)
        let copy = Array(keyless[section.range])
        let twiceAtEnd = keyless + copy
        let twiceFront = Array(keyless[..<8]) + copy + Array(keyless[8...])
        for bytes in [twiceAtEnd, twiceFront] {
            #expect(throws: KeylessError(.duplicateBundle, "")) {
                try Fixtures.verifier().verify(module: bytes, bundle: .embedded, policy: Fixtures.policy)
            }
            #expect(throws: KeylessError(.duplicateBundle, "")) {
                try KeylessWasm.detach(from: try WasmModule(bytes: bytes))
            }
        }
    }

    @Test("the embedded bundle fails on a modified module", arguments: Edit.allCases)
    func embeddedTamper(edit: Edit) throws {
        let edited = try edit.apply(to: try Fixtures.bytes("module.keyless.wasm"))
        do {
            _ = try Fixtures.verifier().verify(module: edited, bundle: .embedded, policy: Fixtures.policy)
            Issue.record("a module changed by \(edit) verified")
        } catch let error as KeylessError {
            #expect(error.code == .verificationFailed || error.code == .malformedModule)
            if error.code == .verificationFailed {
                #expect(error.sigstoreError?.code == .digestMismatch)
            }
        }
    }

    @Test("the detached bundle fails on a modified module", arguments: Edit.allCases)
    func detachedTamper(edit: Edit) throws {
        let edited = try edit.apply(to: try Fixtures.bytes("module.wasm"))
        let bundle = try Fixtures.bytes("module.wasm.sigstore.json")
        #expect(throws: KeylessError(.verificationFailed, "", sigstoreError: SigstoreError(.digestMismatch, ""))) {
            try Fixtures.verifier().verify(module: edited, bundle: .detached(bundle), policy: Fixtures.policy)
        }
    }

    @Test("the bundle moved onto another module fails")
    func bundleOnOtherModule() throws {
        // The bundle for the wasmsig-signed module, embedded into the plain one.
        let other = try Fixtures.bytes("module-wasmsig.wasm.sigstore.json")
        let moved = try KeylessWasm.attach(bundle: other, to: try WasmModule(bytes: try Fixtures.bytes("module.wasm")))
        #expect(throws: KeylessError(.verificationFailed, "", sigstoreError: SigstoreError(.digestMismatch, ""))) {
            try Fixtures.verifier().verify(module: moved, bundle: .embedded, policy: Fixtures.policy)
        }
    }

    static let wrongPolicies: [(String, VerificationPolicy)] = [
        (
            "other identity",
            .identity(
                "https://github.com/wsc-test/app/.github/workflows/evil.yml@refs/heads/main", issuer: Fixtures.issuer)
        ),
        ("identity prefix", .identity("https://github.com/wsc-test/app", issuer: Fixtures.issuer)),
        ("other issuer", .identity(Fixtures.identity, issuer: "https://accounts.google.com")),
        ("issuer with a trailing slash", .identity(Fixtures.identity, issuer: Fixtures.issuer + "/")),
        (
            "pattern for another repository",
            VerificationPolicy(
                signer: .identityPattern(subjectPattern: "https://github.com/other/.*", issuer: Fixtures.issuer))
        ),
    ]

    @Test("a wrong identity or issuer fails", arguments: wrongPolicies)
    func wrongIdentity(name: String, policy: VerificationPolicy) throws {
        for (module, source) in [
            (try Fixtures.bytes("module.keyless.wasm"), KeylessBundleSource.embedded),
            (try Fixtures.bytes("module.wasm"), .detached(try Fixtures.bytes("module.wasm.sigstore.json"))),
        ] {
            #expect(
                throws: KeylessError(.verificationFailed, "", sigstoreError: SigstoreError(.identityMismatch, "")),
                "\(name)"
            ) {
                try Fixtures.verifier().verify(module: module, bundle: source, policy: policy)
            }
        }
    }

    @Test("a managed-key policy does not accept a certificate bundle")
    func managedKeyPolicy() throws {
        let key = try PrivateKey.generate(.ecdsaP256).publicKey
        #expect(throws: KeylessError(.verificationFailed, "", sigstoreError: SigstoreError(.keyMismatch, ""))) {
            try Fixtures.verifier().verify(
                module: try Fixtures.bytes("module.keyless.wasm"), bundle: .embedded, policy: .managedKey(key))
        }
    }

    @Test("another trusted root rejects the private instance's bundle")
    func wrongRoot() throws {
        let prod = URL(fileURLWithPath: "/work/shared/vectors/sigstore-prod/trusted_root.json")
        guard let json = try? Data(contentsOf: prod) else { return }
        let verifier = KeylessVerifier(trustedRoot: try TrustedRoot(json: Array(json)))
        #expect(throws: KeylessError.self) {
            try verifier.verify(
                module: try Fixtures.bytes("module.keyless.wasm"), bundle: .embedded, policy: Fixtures.policy)
        }
    }
}

@Suite("Keyless and wasmsig together")
struct KeylessWasmsigTests {
    @Test("wasmsig first, keyless last: both verify")
    func wasmsigThenKeyless() throws {
        let signed = try WasmModule(bytes: try Fixtures.bytes("module-wasmsig.wasm"))
        let both = try KeylessWasm.attach(bundle: try Fixtures.bytes("module-wasmsig.wasm.sigstore.json"), to: signed)
        let parsed = try WasmModule(bytes: both)
        #expect(parsed.sections.first?.isSignatureSection == true)
        #expect(parsed.sections.last?.customName == KeylessWasm.sectionName)

        let verdict = try Fixtures.verifier().verify(module: both, bundle: .embedded, policy: Fixtures.policy)
        #expect(verdict.logIndex == 11)

        // wasmsig hashes exclude the keyless section: verify over the module without it.
        let key = try PublicKey(wasmsignRaw: try Fixtures.bytes("wasmsig.pub"))
        let withoutKeyless = try WasmModule(bytes: try KeylessWasm.detach(from: parsed).module)
        _ = try WasmVerifier(module: withoutKeyless).verify(key: key)
        // Over the whole module the keyless section is an unsigned addition.
        #expect(throws: WasmSignatureError.self) { try WasmVerifier(module: parsed).verify(key: key) }
    }

    @Test("keyless covers the wasmsig section: replacing the wasmsig signature breaks keyless")
    func keylessCoversWasmsig() throws {
        let signed = try WasmModule(bytes: try Fixtures.bytes("module-wasmsig.wasm"))
        let both = try WasmModule(
            bytes: try KeylessWasm.attach(bundle: try Fixtures.bytes("module-wasmsig.wasm.sigstore.json"), to: signed))
        let (plainWithWasmsig, bundle) = try KeylessWasm.detach(from: both)
        let stripped = try ModuleEditor.detach(from: try WasmModule(bytes: plainWithWasmsig)).module
        let moved = try KeylessWasm.attach(bundle: bundle, to: try WasmModule(bytes: stripped))
        #expect(throws: KeylessError(.verificationFailed, "", sigstoreError: SigstoreError(.digestMismatch, ""))) {
            try Fixtures.verifier().verify(module: moved, bundle: .embedded, policy: Fixtures.policy)
        }
        // Adding another wasmsig signature after keyless signing breaks keyless too.
        let extraKey = try PrivateKey.generate(.ed25519)
        let resigned = try WasmSigner.sign(module: both, key: extraKey).module
        #expect(throws: KeylessError(.verificationFailed, "", sigstoreError: SigstoreError(.digestMismatch, ""))) {
            try Fixtures.verifier().verify(module: resigned, bundle: .embedded, policy: Fixtures.policy)
        }
    }

    @Test("keyless first, wasmsig after (unsupported order): wasmsig verifies, keyless fails")
    func keylessThenWasmsig() throws {
        let keyless = try WasmModule(bytes: try Fixtures.bytes("module.keyless.wasm"))
        let key = try PrivateKey.generate(.ed25519)
        let signed = try WasmSigner.sign(module: keyless, key: key).module
        _ = try WasmVerifier(module: try WasmModule(bytes: signed)).verify(key: key.publicKey)
        #expect(throws: KeylessError(.verificationFailed, "", sigstoreError: SigstoreError(.digestMismatch, ""))) {
            try Fixtures.verifier().verify(module: signed, bundle: .embedded, policy: Fixtures.policy)
        }
    }
}
