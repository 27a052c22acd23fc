import Sigstore
import WSCCrypto
import WasmSignatures

/// Where the Sigstore bundle for a module comes from.
public enum KeylessBundleSource: Sendable {
    /// A detached bundle file's bytes, over the module file's exact bytes.
    case detached([UInt8])
    /// The module's embedded `sigstore.bundle` section, over every other byte of the module.
    case embedded
}

/// What a successful keyless verification found.
public struct KeylessVerdict: Sendable, Hashable {
    /// Which form was verified.
    public enum Form: String, Sendable {
        /// A detached bundle file.
        case detached
        /// The embedded `sigstore.bundle` section.
        case embedded
    }

    /// Which form was verified.
    public let form: Form
    /// The SHA-256 of the signed artifact (the file, or the module without its keyless section).
    public let artifactDigest: [UInt8]
    /// The Sigstore verdict: identity, issuer, log index, integrated time.
    public let sigstore: SigstoreVerdict

    /// The certificate identity (SAN) that matched, `nil` for a managed key.
    public var identity: String? { sigstore.identity }
    /// The OIDC issuer, `nil` for a managed key.
    public var issuer: String? { sigstore.issuer }
    /// The transparency log index of the entry.
    public var logIndex: Int64? { sigstore.logIndex }
    /// The log's integrated time (Unix seconds), if the entry has one.
    public var integratedTime: Int64? { sigstore.integratedTime }
}

/// Verifies keyless signatures on modules against one Sigstore trusted root, offline.
public struct KeylessVerifier: Sendable {
    /// The Sigstore verifier in use.
    public let sigstore: SigstoreVerifier

    /// Creates a verifier for `trustedRoot`.
    public init(trustedRoot: TrustedRoot) {
        sigstore = SigstoreVerifier(trustedRoot: trustedRoot)
    }

    /// Verifies `module` (a module file's bytes) with the bundle from `source` under `policy`.
    ///
    /// Detached: the bundle must verify over the exact bytes; the module is not parsed. Embedded: the module
    /// must parse, hold exactly one `sigstore.bundle` section, and the bundle in it must verify over every
    /// other byte.
    /// - Throws: ``KeylessError``; for a failed Sigstore check, `.verificationFailed` with the check's
    ///   ``SigstoreError``.
    public func verify(module: [UInt8], bundle source: KeylessBundleSource, policy: VerificationPolicy) throws
        -> KeylessVerdict
    {
        let bundle: [UInt8]
        let digest: [UInt8]
        let form: KeylessVerdict.Form
        // An Ed25519 message signature is over the signed bytes themselves, not a digest of them.
        var signedBytes: [UInt8]? = nil
        switch source {
        case .detached(let bytes):
            bundle = bytes
            digest = Digest.sha256(module)
            form = .detached
            if Self.needsBytes(policy) { signedBytes = module }
        case .embedded:
            let parsed: WasmModule
            do {
                parsed = try WasmModule(bytes: module)
            } catch let error as WasmSignatureError {
                throw KeylessError(.malformedModule, error.reason)
            }
            guard let section = try KeylessWasm.keylessSection(of: parsed) else {
                throw KeylessError(
                    .noEmbeddedBundle, "the module has no \"\(KeylessWasm.sectionName)\" section to verify")
            }
            bundle = Array(parsed.data(of: section))
            digest = try KeylessWasm.signedDigest(of: parsed)
            form = .embedded
            if Self.needsBytes(policy) {
                signedBytes = Array(module[..<section.range.lowerBound] + module[section.range.upperBound...])
            }
        }
        do {
            let artifact: ArtifactInput = signedBytes.map { .bytes($0) } ?? .sha256Digest(digest)
            let verdict = try sigstore.verify(bundle: bundle, artifact: artifact, policy: policy)
            return KeylessVerdict(form: form, artifactDigest: digest, sigstore: verdict)
        } catch let error as SigstoreError {
            throw KeylessError(.verificationFailed, error.reason, sigstoreError: error)
        }
    }

    /// Whether the policy's key signs messages directly (Ed25519), so the verifier needs the bytes, not a digest.
    static func needsBytes(_ policy: VerificationPolicy) -> Bool {
        if case .managedKey(let key) = policy.signer { return key.type == .ed25519 }
        return false
    }
}
