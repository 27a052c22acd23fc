import WSCCrypto
import WSCJSON
import WasmSignatures

/// The answer to "was this module signed by someone this node trusts, under the trust it holds now?".
public struct TrustVerdict: Sendable, Hashable {
    /// Whether the module is accepted.
    public let valid: Bool
    /// The publishers whose valid signatures count, by name.
    public let signers: [String]
    /// The version of the trust bundle the answer was given under.
    public let bundleVersion: UInt64?
    /// Why the module was refused (empty when valid).
    public let reason: String?
    /// Things the operator should know even when valid (grace period, skipped entries, revoked keys seen).
    public let warnings: [String]
    /// SHA-256 of the module's content: every section after the signature section, in order (what a wasmsig
    /// signature covers when the module has no delimiters). Identifies a module whatever signatures it carries.
    public let contentDigest: [UInt8]?
    /// For a keyless signature: who signed, per the certificate and the transparency log.
    public let keyless: KeylessSigner?

    /// Creates a verdict.
    public init(
        valid: Bool, signers: [String], bundleVersion: UInt64?, reason: String?, warnings: [String],
        contentDigest: [UInt8]? = nil, keyless: KeylessSigner? = nil
    ) {
        self.valid = valid
        self.signers = signers
        self.bundleVersion = bundleVersion
        self.reason = reason
        self.warnings = warnings
        self.contentDigest = contentDigest
        self.keyless = keyless
    }
}

/// The signer of a verified keyless (Sigstore) signature.
public struct KeylessSigner: Sendable, Hashable {
    /// The certificate identity (subject alternative name).
    public let identity: String
    /// The OIDC issuer from the certificate.
    public let issuer: String
    /// The transparency log index, if the bundle had a log entry.
    public let logIndex: Int64?
    /// The log's integration time (Unix seconds), when proven.
    public let integratedTime: Int64?
    /// `embedded` (the module's `sigstore.bundle` section) or `detached`.
    public let form: String
}

/// Verifies wasmsig modules against a sealed trust bundle and a publisher policy. Pure: bytes, trust, policy
/// and a time in; a verdict out. wasmsig signatures carry no time evidence, so publisher windows are checked at
/// the trusted time.
public enum BundleVerifier {
    /// Verifies `module` (with an optional detached signature). `streamed`: part hashes computed over these same
    /// bytes while they arrived (used only if they match the module's layout).
    public static func verify(
        module: WasmModule, detachedSignature: [UInt8]? = nil, trust: SealedTrustBundle, policy: PublisherPolicy,
        time: TrustedTime, streamed: StreamedParts? = nil
    ) -> TrustVerdict {
        let bundle = trust.bundle
        var warnings: [String] = []
        var digest: [UInt8]?
        func refuse(_ reason: String) -> TrustVerdict {
            // The content digest comes from the verification's own hashing when it got that far.
            let parts = streamed.flatMap { ModuleParts(module: module, streamed: $0) } ?? ModuleParts(module: module)
            let content = digest ?? parts.parts.last?.rollingHash
            return TrustVerdict(
                valid: false, signers: [], bundleVersion: trust.version, reason: reason, warnings: warnings,
                contentDigest: content)
        }
        if !time.clockReliable {
            warnings.append(
                "the system clock (\(RFC3339.format(time.systemClock))) is below the trusted time floor; using \(RFC3339.format(time.floor))"
            )
        }
        let validity = bundle.validity(at: time.now)
        guard validity.isUsable else {
            return refuse("the trust bundle (version \(trust.version)) is \(validity.summary)")
        }
        if case .inGracePeriod = validity {
            warnings.append("trust bundle version \(trust.version) is \(validity.summary)")
        }

        let known = Set(bundle.publishers.map(\.name))
        let unknown = policy.names.subtracting(known)
        guard unknown.isEmpty else {
            return refuse(
                "the policy names publisher(s) \(unknown.sorted().joined(separator: ", ")) that trust bundle version \(trust.version) does not define"
            )
        }
        guard policy.required >= 1, policy.required <= max(1, policy.names.isEmpty ? known.count : policy.names.count)
        else {
            return refuse("the policy requires \(policy.required) signers, more than it names")
        }

        let verifier: WasmVerifier
        do {
            verifier = try WasmVerifier(module: module, detachedSignature: detachedSignature, streamed: streamed)
            digest = verifier.parts.parts.last?.rollingHash
        } catch let error as WasmSignatureError {
            return refuse(error.reason)
        } catch {
            return refuse("\(error)")
        }

        var signers: [String] = []
        var notes: [String] = []
        for publisher in bundle.publishers where policy.names.isEmpty || policy.names.contains(publisher.name) {
            let revoked =
                bundle.revocations.keyIDs.contains(publisher.keyID)
                || bundle.revocations.keyIDs.contains(publisher.spkiSHA256)
            if let notBefore = publisher.notBefore, time.now < notBefore {
                notes.append("publisher \(publisher.name) is not valid before \(RFC3339.format(notBefore))")
                continue
            }
            if let notAfter = publisher.notAfter, time.now > notAfter {
                notes.append("publisher \(publisher.name) is not valid after \(RFC3339.format(notAfter))")
                continue
            }
            guard (try? verifier.verify(key: publisher.publicKey)) != nil else { continue }
            if revoked {
                notes.append(
                    "the module is signed by publisher \(publisher.name) whose key \(publisher.keyID) is revoked")
                continue
            }
            signers.append(publisher.name)
        }
        warnings += notes
        guard signers.count >= policy.required else {
            let got =
                signers.isEmpty ? "no accepted signature" : "signatures by \(signers.joined(separator: ", ")) only"
            let detail = notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
            return refuse("policy \"\(policy.summary)\" not met: \(got)\(detail)")
        }
        return TrustVerdict(
            valid: true, signers: signers, bundleVersion: trust.version, reason: nil, warnings: warnings,
            contentDigest: digest)
    }
}
