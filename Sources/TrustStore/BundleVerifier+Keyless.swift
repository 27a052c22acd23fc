import KeylessWasm
import Sigstore
import WSCCrypto
import WasmSignatures

extension BundleVerifier {
    /// Which signatures a verification may accept.
    public enum Evidence: String, Sendable, CaseIterable {
        /// wasmsig signatures by the bundle's publishers, or a keyless signature by one of its identities.
        case any
        /// Only wasmsig signatures by the bundle's publishers.
        case wasmsig
        /// Only keyless (Sigstore) signatures by the bundle's identities, embedded or detached.
        case keyless
    }

    /// Verifies a module (its file bytes) with whatever evidence `evidence` allows: wasmsig publishers under
    /// `policy`, and keyless signatures by the bundle's identities under its Sigstore trust root. A keyless
    /// bundle may be embedded (a `sigstore.bundle` section, last) or given detached. `streamed`: part hashes a
    /// ``ModulePartsStream`` computed over `moduleBytes` while they arrived (used only where they apply).
    public static func verify(
        moduleBytes: [UInt8], detachedSignature: [UInt8]? = nil, sigstoreBundle: [UInt8]? = nil,
        trust: SealedTrustBundle, policy: PublisherPolicy, evidence: Evidence, time: TrustedTime,
        streamed: StreamedParts? = nil
    ) -> TrustVerdict {
        let module: WasmModule
        do {
            module = try WasmModule(bytes: moduleBytes)
        } catch let error as WasmSignatureError {
            return TrustVerdict(
                valid: false, signers: [], bundleVersion: trust.version, reason: error.reason, warnings: [])
        } catch {
            return TrustVerdict(
                valid: false, signers: [], bundleVersion: trust.version, reason: "\(error)", warnings: [])
        }
        let keylessSection = (try? KeylessWasm.keylessSection(of: module)) ?? nil
        let hasKeyless = sigstoreBundle != nil || keylessSection != nil
        var wasmsigVerdict: TrustVerdict?
        if evidence != .keyless {
            // wasmsig hashes do not cover an embedded keyless section (it is added after wasmsig signing).
            var target = module
            var streamed = streamed
            if keylessSection != nil, let stripped = try? KeylessWasm.detach(from: module).module,
                let parsed = try? WasmModule(bytes: stripped)
            {
                target = parsed
                streamed = nil  // computed over the module with its keyless section
            }
            let verdict = verify(
                module: target, detachedSignature: detachedSignature, trust: trust, policy: policy, time: time,
                streamed: streamed)
            if verdict.valid || evidence == .wasmsig || !hasKeyless { return verdict }
            wasmsigVerdict = verdict
        }
        let keyless = verifyKeyless(moduleBytes: moduleBytes, sigstoreBundle: sigstoreBundle, trust: trust, time: time)
        if keyless.valid || wasmsigVerdict == nil { return keyless }
        return TrustVerdict(
            valid: false, signers: [], bundleVersion: trust.version,
            reason: "wasmsig: \(wasmsigVerdict?.reason ?? "-"); keyless: \(keyless.reason ?? "-")",
            warnings: (wasmsigVerdict?.warnings ?? []) + keyless.warnings, contentDigest: wasmsigVerdict?.contentDigest)
    }

    /// Verifies a keyless signature against the bundle's Sigstore trust root and identities.
    static func verifyKeyless(
        moduleBytes: [UInt8], sigstoreBundle: [UInt8]?, trust: SealedTrustBundle, time: TrustedTime
    )
        -> TrustVerdict
    {
        let bundle = trust.bundle
        func refuse(_ reason: String, _ warnings: [String] = []) -> TrustVerdict {
            TrustVerdict(valid: false, signers: [], bundleVersion: trust.version, reason: reason, warnings: warnings)
        }
        let validity = bundle.validity(at: time.now)
        guard validity.isUsable else {
            return refuse("the trust bundle (version \(trust.version)) is \(validity.summary)")
        }
        guard let verifier = trust.keylessVerifier else {
            return refuse(
                "trust bundle version \(trust.version) has no Sigstore trust root: keyless signatures cannot be accepted"
            )
        }
        guard !bundle.identities.isEmpty else {
            return refuse("trust bundle version \(trust.version) accepts no keyless identities")
        }
        let source: KeylessBundleSource = sigstoreBundle.map { .detached($0) } ?? .embedded
        var mismatches = 0
        for identity in bundle.identities {
            let signer: VerificationPolicy.Signer =
                identity.subject.map { .identity(subject: $0, issuer: identity.issuer) }
                ?? .identityPattern(subjectPattern: identity.subjectPattern ?? "", issuer: identity.issuer)
            do {
                let verdict = try verifier.verify(
                    module: moduleBytes, bundle: source, policy: VerificationPolicy(signer: signer))
                if let leaf = verdict.sigstore.leafCertificateSHA256,
                    bundle.revocations.certificateSHA256.contains(Hex.encode(leaf))
                {
                    return refuse(
                        "the signing certificate \(Hex.encode(leaf)) is revoked by trust bundle version \(trust.version)"
                    )
                }
                let who = KeylessSigner(
                    identity: verdict.identity ?? "", issuer: verdict.issuer ?? "", logIndex: verdict.logIndex,
                    integratedTime: verdict.integratedTime, form: verdict.form.rawValue)
                var warnings: [String] = []
                if case .inGracePeriod = validity {
                    warnings.append("trust bundle version \(trust.version) is \(validity.summary)")
                }
                return TrustVerdict(
                    valid: true, signers: ["\(who.identity) (\(who.issuer))"], bundleVersion: trust.version,
                    reason: nil,
                    warnings: warnings, contentDigest: verdict.artifactDigest, keyless: who)
            } catch let error as KeylessError {
                // Only an identity mismatch depends on the identity tried; anything else fails for all of them.
                if error.sigstoreError?.code == .identityMismatch {
                    mismatches += 1
                    continue
                }
                return refuse("keyless check \(error.failedCheck) failed: \(error.reason)")
            } catch {
                return refuse("keyless verification failed: \(error)")
            }
        }
        return refuse(
            "the keyless signer is none of the \(mismatches) identities trust bundle version \(trust.version) accepts")
    }
}
