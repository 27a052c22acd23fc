import Testing
import WSCCrypto

@testable import WasmSignatures

@Suite struct SignVerifyTests {
    let alice: PrivateKey
    let bob: PrivateKey
    let carol: PrivateKey

    init() throws {
        alice = try Fixtures.key(seedByte: 1)
        bob = try Fixtures.key(seedByte: 2)
        carol = try Fixtures.key(seedByte: 3)
    }

    func sign(_ bytes: [UInt8], _ key: PrivateKey, keyID: [UInt8]? = nil) throws -> [UInt8] {
        try WasmSigner.sign(module: WasmModule(bytes: bytes), key: key, keyID: keyID).module
    }

    func verify(_ bytes: [UInt8], _ key: PrivateKey, detached: [UInt8]? = nil) throws -> WasmsigVerdict {
        try WasmVerifier(module: WasmModule(bytes: bytes), detachedSignature: detached).verify(key: key.publicKey)
    }

    @Test func embeddedRoundTrip() throws {
        let signed = try sign(Fixtures.module(), alice)
        #expect(try verify(signed, alice).partCount == 1)
        #expect(throws: WasmSignatureError(.verificationFailed, "")) { try verify(signed, bob) }
    }

    @Test func unsignedModuleHasNoSignatures() throws {
        #expect(throws: WasmSignatureError(.noSignatures, "")) { try verify(Fixtures.module(), alice) }
    }

    @Test(arguments: [8, 9, 15, 20, 30])
    func everyFlippedByteFails(offset: Int) throws {
        let signed = try sign(Fixtures.module(), alice)
        let signatureEnd = try WasmModule(bytes: signed).sections[0].range.upperBound
        var tampered = signed
        tampered[signatureEnd + offset % (signed.count - signatureEnd)] ^= 0x01
        #expect(throws: (any Error).self) { try verify(tampered, alice) }
    }

    @Test func detachedRoundTripAndAmbiguity() throws {
        let module = try WasmModule(bytes: Fixtures.module())
        let out = try WasmSigner.sign(module: module, key: alice, detached: true)
        #expect(out.module == Fixtures.module())
        _ = try verify(Fixtures.module(), alice, detached: out.signatureData)
        // A detached signature for a module that embeds one is refused.
        let embedded = try sign(Fixtures.module(), alice)
        #expect(throws: WasmSignatureError(.ambiguousSignature, "")) {
            try verify(embedded, alice, detached: out.signatureData)
        }
        // Detached signing of an embedded-signed module is refused too.
        #expect(throws: WasmSignatureError(.signatureAlreadyAttached, "")) {
            try WasmSigner.sign(module: WasmModule(bytes: embedded), key: bob, detached: true)
        }
    }

    @Test func detachedSignaturesAccumulate() throws {
        let module = try WasmModule(bytes: Fixtures.module())
        let first = try WasmSigner.sign(module: module, key: alice, detached: true)
        let second = try WasmSigner.sign(
            module: module, key: bob, detached: true, previousSignature: first.signatureData)
        _ = try verify(Fixtures.module(), alice, detached: second.signatureData)
        _ = try verify(Fixtures.module(), bob, detached: second.signatureData)
    }

    @Test func multiSignatureKeepsEarlierSignatures() throws {
        let once = try sign(Fixtures.module(), alice)
        let twice = try sign(once, bob, keyID: bob.publicKey.wasmsigKeyID)
        _ = try verify(twice, alice)
        #expect(try verify(twice, bob).keyID == bob.publicKey.wasmsigKeyID)
        #expect(throws: WasmSignatureError(.verificationFailed, "")) { try verify(twice, carol) }
        let data = try SignatureData(
            parsing: try WasmModule(bytes: twice).data(of: try WasmModule(bytes: twice).sections[0]))
        #expect(data.records.count == 1)
        #expect(data.records[0].signatures.count == 2)
        // The same key signing the same content again is a duplicate (Ed25519 is deterministic).
        #expect(throws: WasmSignatureError(.duplicateSignature, "")) { try sign(twice, alice) }
    }

    @Test func keyIDOfAnotherKeyIsNotTried() throws {
        let signed = try sign(Fixtures.module(), alice, keyID: bob.publicKey.wasmsigKeyID)
        #expect(throws: WasmSignatureError(.verificationFailed, "")) { try verify(signed, alice) }
    }

    @Test func matrixOfKeysAndPredicates() throws {
        let signed = try sign(try sign(Fixtures.module(), alice), carol)
        let verifier = try WasmVerifier(module: WasmModule(bytes: signed))
        let keys = [alice.publicKey, bob.publicKey, carol.publicKey]
        #expect(verifier.verifyingKeys(keys) == [0, 2])
        let matrix = verifier.matrix(keys: keys, predicates: [{ _ in true }, { !$0.isCustom }])
        #expect(matrix[0] == [true, false, true])
        // One part mixing standard and custom sections cannot be verified by a predicate that splits them.
        #expect(matrix[1] == [false, false, false])
    }

    @Test func nonEd25519KeysAreRefused() throws {
        let p256 = try PrivateKey.generate(.ecdsaP256)
        #expect(throws: WasmSignatureError(.keyError, "")) { try sign(Fixtures.module(), p256) }
        let signed = try sign(Fixtures.module(), alice)
        #expect(throws: WasmSignatureError(.verificationFailed, "")) {
            try WasmVerifier(module: WasmModule(bytes: signed)).verify(key: p256.publicKey)
        }
    }

    @Test func detachAndAttachRoundTrip() throws {
        let signed = try sign(Fixtures.module(), alice)
        let (bare, signature) = try ModuleEditor.detach(from: WasmModule(bytes: signed))
        #expect(bare == Fixtures.module())
        _ = try verify(bare, alice, detached: signature)
        let attached = try ModuleEditor.attach(signatureData: signature, to: WasmModule(bytes: bare))
        #expect(attached == signed)
        #expect(throws: WasmSignatureError(.signatureAlreadyAttached, "")) {
            try ModuleEditor.attach(signatureData: signature, to: WasmModule(bytes: signed))
        }
        #expect(throws: WasmSignatureError(.noSignatures, "")) {
            try ModuleEditor.detach(from: WasmModule(bytes: bare))
        }
        #expect(throws: WasmSignatureError(.malformedSignature, "")) {
            try ModuleEditor.attach(signatureData: [0x01, 0x01], to: WasmModule(bytes: bare))
        }
    }
}

@Suite struct PartialVerificationTests {
    let key: PrivateKey
    init() throws { key = try Fixtures.key(seedByte: 9) }

    /// type | custom "name" | custom "debug" | data — split so that "debug" is its own part.
    func splitSigned() throws -> [UInt8] {
        let base =
            Fixtures.preamble + Fixtures.typeSection + Fixtures.custom("name", [1, 2])
            + Fixtures.custom("debug", [3, 4])
            + Fixtures.section(11, [0x00])
        let split = ModuleEditor.split(try WasmModule(bytes: base)) { $0.customName != "debug" }
        return try WasmSigner.sign(module: WasmModule(bytes: split), key: key).module
    }

    func notDebug(_ s: Section) -> Bool { s.customName != "debug" }

    @Test func splitInsertsDelimitersWhereThePredicateFlips() throws {
        let module = try WasmModule(bytes: try splitSigned())
        let names = module.sections.map { $0.isDelimiter ? "|" : ($0.customName ?? "\($0.id)") }
        #expect(names == ["signature", "1", "name", "|", "debug", "|", "11", "|"])
        // Splitting again adds no delimiter.
        let again = try WasmModule(bytes: ModuleEditor.split(module, isSigned: notDebug))
        #expect(again.sections.count == module.sections.count)
        #expect(ModuleParts(module: module).parts.count == 3)
    }

    @Test func fullAndPartialVerifyOfAnUntouchedModule() throws {
        let signed = try splitSigned()
        let verifier = try WasmVerifier(module: WasmModule(bytes: signed))
        #expect(try verifier.verify(key: key.publicKey).partCount == 3)
        #expect(try verifier.verifyParts(key: key.publicKey, mustBeSigned: notDebug).partCount == 2)
    }

    @Test func truncationAtADelimiterFailsFullVerification() throws {
        let signed = try splitSigned()
        let module = try WasmModule(bytes: signed)
        let firstDelimiter = module.sections.first { $0.isDelimiter }!
        let truncated = Array(signed[..<firstDelimiter.range.upperBound])
        let verifier = try WasmVerifier(module: WasmModule(bytes: truncated))
        #expect(throws: WasmSignatureError(.verificationFailed, "")) { try verifier.verify(key: key.publicKey) }
    }

    @Test func sectionAppendedAfterTheLastDelimiterFailsPartialVerification() throws {
        let signed = try splitSigned() + Fixtures.section(11, [0x00])
        let verifier = try WasmVerifier(module: WasmModule(bytes: signed))
        #expect(throws: WasmSignatureError(.verificationFailed, "")) {
            try verifier.verifyParts(key: key.publicKey, mustBeSigned: notDebug)
        }
        #expect(throws: WasmSignatureError(.verificationFailed, "")) { try verifier.verify(key: key.publicKey) }
    }

    @Test func mixedPartIsRejected() throws {
        let signed = try splitSigned()
        let verifier = try WasmVerifier(module: WasmModule(bytes: signed))
        #expect(throws: WasmSignatureError(.verificationFailed, "")) {
            try verifier.verifyParts(key: key.publicKey) { $0.customName != "name" }
        }
    }

    @Test func patternThatSelectsNothingFails() throws {
        let verifier = try WasmVerifier(module: WasmModule(bytes: try splitSigned()))
        #expect(throws: WasmSignatureError(.verificationFailed, "")) {
            try verifier.verifyParts(key: key.publicKey) { _ in false }
        }
    }
}

@Suite struct TrailingPartTests {
    /// type | custom "name" | custom "debug" (last): the debug part may be stripped or changed and the rest
    /// still verifies partially; a full verification notices.
    @Test func strippingATrailingUnsignedPartKeepsPartialVerification() throws {
        let key = try Fixtures.key(seedByte: 11)
        let base =
            Fixtures.preamble + Fixtures.typeSection + Fixtures.custom("name", [1]) + Fixtures.custom("debug", [2])
        let split = ModuleEditor.split(try WasmModule(bytes: base)) { $0.customName != "debug" }
        let signed = try WasmSigner.sign(module: WasmModule(bytes: split), key: key).module
        var changed = signed
        changed[changed.count - 38 - 1] ^= 0xFF  // the debug data byte, just before the 38-byte delimiter
        let verifier = try WasmVerifier(module: WasmModule(bytes: changed))
        #expect(try verifier.verifyParts(key: key.publicKey) { $0.customName != "debug" }.partCount == 1)
        #expect(throws: WasmSignatureError(.verificationFailed, "")) { try verifier.verify(key: key.publicKey) }
    }
}
