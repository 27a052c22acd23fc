import WSCCrypto

/// Signs modules in the wasmsig format, byte-compatible with wasmsign2's `sign` (which keeps earlier
/// signatures: signing a signed module adds a signature).
public enum WasmSigner {
    /// The result of signing.
    public struct Output: Sendable {
        /// The module to write out: with the updated signature section first (embedded), or unchanged (detached).
        public let module: [UInt8]
        /// The signature data (what a detached signature file holds).
        public let signatureData: [UInt8]
    }

    /// Signs `module` with an Ed25519 `key`.
    ///
    /// - Parameters:
    ///   - keyID: a key identifier to record with the signature (see `PublicKey.wasmsigKeyID`), or `nil`.
    ///   - detached: return the module unchanged and the signature data separately.
    ///   - previousSignature: for detached signing, an existing detached signature to add to.
    /// - Throws: ``WasmSignatureError`` if the key is not Ed25519, the existing signature data is unusable,
    ///   or this key already made the same signature.
    public static func sign(
        module: WasmModule, key: PrivateKey, keyID: [UInt8]? = nil, detached: Bool = false,
        previousSignature: [UInt8]? = nil, limits: ParseLimits = .default
    ) throws -> Output {
        guard key.type == .ed25519 else {
            throw WasmSignatureError(.keyError, "wasmsig signatures use Ed25519 keys; this key is \(key.type)")
        }
        if let keyID, keyID.isEmpty || keyID.count > limits.maximumKeyIDLength {
            throw WasmSignatureError(.invalidArgument, "a key id must be 1 to \(limits.maximumKeyIDLength) bytes")
        }
        let embedded = try module.signatureSection()
        var data = SignatureData()
        if let previousSignature {
            guard embedded == nil else {
                throw WasmSignatureError(
                    .ambiguousSignature,
                    "the module embeds a signature and a detached one was given too; detach it first")
            }
            data = try SignatureData(parsing: previousSignature, limits: limits)
        } else if let embedded {
            if detached {
                throw WasmSignatureError(
                    .signatureAlreadyAttached,
                    "the module already embeds a signature; sign it embedded (without -S), or detach the signature first"
                )
            }
            data = try SignatureData(parsing: module.data(of: embedded), limits: limits)
        }

        let hashes = ModuleParts(module: module).hashes
        let message = SignatureData.message(for: hashes)
        let signature: [UInt8]
        do {
            signature = try key.sign(message)
        } catch let error as CryptoError where error.code == .tokenUnavailable || error.code == .tokenLoginFailed {
            throw error  // the token went away: the caller decides (wscd opens it again)
        } catch {
            throw WasmSignatureError(.keyError, "signing failed: \(error)")
        }
        let entry = SignatureForHashes(keyID: keyID, signature: signature)

        if let index = data.records.firstIndex(where: { $0.hashes == hashes }) {
            let duplicate = data.records[index].signatures.contains {
                if case .signature(let s) = $0 { return s.keyID == keyID && s.signature == signature }
                return false
            }
            if duplicate {
                throw WasmSignatureError(
                    .duplicateSignature, "this key has already signed this module (same key id, same content)")
            }
            guard data.records[index].signatures.count < limits.maximumSignaturesPerRecord else {
                throw WasmSignatureError(
                    .limitExceeded, "the module already carries \(limits.maximumSignaturesPerRecord) signatures")
            }
            data.records[index].signatures.append(.signature(entry))
        } else {
            guard data.records.count < limits.maximumSignedHashesRecords else {
                throw WasmSignatureError(
                    .limitExceeded,
                    "the module already carries \(limits.maximumSignedHashesRecords) signed-hash records")
            }
            data.records.append(SignedHashes(hashes: hashes, signatures: [.signature(entry)]))
        }
        let serialized = data.serialized()
        if detached { return Output(module: module.bytes, signatureData: serialized) }
        return Output(module: ModuleEditor.replacingSignature(in: module, with: serialized), signatureData: serialized)
    }
}
