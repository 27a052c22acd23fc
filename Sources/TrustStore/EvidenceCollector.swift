import KeylessWasm
import Sigstore
import WSCCrypto
import WSCJSON
import WasmSignatures

/// One piece of evidence after its single evaluation: for each signature in it, the authorities that signature
/// can stand for (normally one), and what failed.
struct EvidenceFinding: Sendable {
    let form: EvidenceForm
    /// One entry per valid signature; each signature counts for at most one authority.
    var signatures: [[SatisfiedAuthority]] = []
    var problems: [EvidenceProblem] = []
    var warnings: [String] = []
    /// For keyless evidence that proved an identity: who signed (for the verdict's `keyless` field).
    var keyless: KeylessSigner? = nil

    mutating func problem(_ code: VerdictCode, _ check: String, _ reason: String) {
        problems.append(EvidenceProblem(code: code, check: check, reason: reason))
    }
}

/// Evaluates each piece of evidence a module carries exactly once against the bundle's authorities: the wasmsig
/// signatures (embedded or detached; hashed once) and each Sigstore bundle (embedded section, detached file;
/// verified once, its signer then looked up). Pure: bytes, trust and a time in, findings out.
struct EvidenceCollector {
    let trust: SealedTrustBundle
    let time: TrustedTime

    var bundle: TrustBundle { trust.bundle }

    /// The wasmsig signatures: every publisher whose Ed25519 key signed exactly this content.
    func wasmsig(embedded: WasmVerifier.EmbeddedSignature, detached: [UInt8]?, partHashes: [[UInt8]])
        -> EvidenceFinding?
    {
        var finding = EvidenceFinding(form: detached == nil ? .wasmsigEmbedded : .wasmsigDetached)
        let verifier: WasmVerifier
        do {
            verifier = try WasmVerifier(embedded: embedded, detachedSignature: detached, partHashes: partHashes)
        } catch let error as WasmSignatureError {
            if error.code == .noSignatures { return nil }
            finding.problem(.malformedEvidence, "wasmsig.parse", "the wasmsig signature data: \(error.reason)")
            return finding
        } catch {
            finding.problem(.malformedEvidence, "wasmsig.parse", "the wasmsig signature data: \(error)")
            return finding
        }
        var matchedKeyIDs = Set<[UInt8]>()
        for publisher in wasmsigCandidates(verifier, &finding) {
            switch verifier.check(key: publisher.publicKey) {
            case .notSigned:
                continue
            case .signedOtherContent:
                publisher.publicKey.wasmsigKeyID.map { _ = matchedKeyIDs.insert($0) }
                finding.problem(
                    .contentModified, "wasmsig.content",
                    "publisher \(publisher.name) (key \(publisher.keyID)) signed other content: the module was modified, truncated or re-split after signing"
                )
            case .verified(let result):
                publisher.publicKey.wasmsigKeyID.map { _ = matchedKeyIDs.insert($0) }
                finding.warnings += result.notes
                guard admit(publisher, &finding, check: "wasmsig") else { continue }
                finding.signatures.append([
                    SatisfiedAuthority(
                        name: publisher.name, kind: .publisher, signer: publisher.keyID, form: finding.form,
                        logIndex: nil, integratedTime: nil, timestamped: false, signingKey: publisher.spkiSHA256)
                ])
            }
        }
        if finding.signatures.isEmpty, finding.problems.isEmpty {
            let unknown = Set(verifier.signatureKeyIDs).subtracting(matchedKeyIDs).map(Hex.encode).sorted()
            finding.problem(
                .unknownSigner, "wasmsig.signer",
                unknown.isEmpty
                    ? "no publisher of trust bundle version \(trust.version) made any of the module's wasmsig signatures"
                    : "the module is signed by key id\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")), which no publisher of trust bundle version \(trust.version) holds"
            )
        }
        return finding
    }

    /// The publishers to try: those a signature names by key id (a map lookup), and, for signatures without a
    /// key id, other Ed25519 publishers while the work stays bounded (signatures × publishers ≤
    /// ``BundleLimits/wasmsigTrials``), whatever the module or the bundle hold.
    func wasmsigCandidates(_ verifier: WasmVerifier, _ finding: inout EvidenceFinding) -> [TrustBundle.Publisher] {
        let labelled = Set(verifier.signatureKeyIDs.map(Hex.encode))
        var named: [TrustBundle.Publisher] = []
        var others: [TrustBundle.Publisher] = []
        for publisher in bundle.publishers where publisher.publicKey.type == .ed25519 {
            if labelled.contains(publisher.keyID) { named.append(publisher) } else { others.append(publisher) }
        }
        let unlabelled = verifier.unlabelledSignatureCount
        guard unlabelled > 0 else { return named }
        let affordable = max(1, BundleLimits.wasmsigTrials / unlabelled)
        if others.count > affordable {
            finding.warnings.append(
                "the module carries \(unlabelled) wasmsig signature(s) without a key id: only \(affordable) of \(others.count) publishers were tried (sign with key ids to be matched directly)"
            )
        }
        return named + others.prefix(affordable)
    }

    /// Whether `publisher` may count now: not revoked, inside its window. Records why not.
    func admit(_ publisher: TrustBundle.Publisher, _ finding: inout EvidenceFinding, check: String) -> Bool {
        if bundle.revocations.keyIDs.contains(publisher.keyID)
            || bundle.revocations.keyIDs.contains(publisher.spkiSHA256)
        {
            finding.problem(
                .keyRevoked, "\(check).revocation",
                "the module is signed by publisher \(publisher.name) whose key \(publisher.keyID) is revoked by trust bundle version \(trust.version)"
            )
            return false
        }
        if let notBefore = publisher.notBefore, time.now < notBefore {
            finding.problem(
                .keyNotValidNow, "\(check).publisherWindow",
                "publisher \(publisher.name) is not valid before \(RFC3339.format(notBefore))")
            return false
        }
        if let notAfter = publisher.notAfter, time.now > notAfter {
            finding.problem(
                .keyNotValidNow, "\(check).publisherWindow",
                "publisher \(publisher.name) is not valid after \(RFC3339.format(notAfter))")
            return false
        }
        return true
    }

    /// A Sigstore bundle (`bundleBytes`) over `digest`'s artifact: key-signed (a publisher), keyless (an
    /// identity) or private-CA-signed (a certificate authority). Ed25519 signs the artifact's bytes, not a
    /// digest, so the artifact travels whole.
    /// `digest` is `nil` only if the digests were not computed for Sigstore evidence (a wasmsig-only request).
    func sigstore(bundleBytes: [UInt8], digest input: ArtifactInput?, form: EvidenceForm, moduleLength: Int)
        -> EvidenceFinding
    {
        var finding = EvidenceFinding(form: form)
        guard let digest = input else {
            finding.problem(
                .evidenceInvalid, "sigstore.digest", "the module's digest for Sigstore evidence was not computed")
            return finding
        }
        let parsed: ParsedSigstoreBundle
        do {
            parsed = try ParsedSigstoreBundle(json: bundleBytes)
        } catch let error as SigstoreError {
            finding.problem(.malformedEvidence, "sigstore.parse", "the Sigstore bundle: \(error.reason)")
            return finding
        } catch {
            finding.problem(.malformedEvidence, "sigstore.parse", "the Sigstore bundle: \(error)")
            return finding
        }
        switch parsed.signerMaterial {
        case .publicKey(let hint):
            keySigned(parsed, hint: hint, digest: digest, moduleLength: moduleLength, &finding)
        case .certificate:
            certificateSigned(parsed, digest: digest, &finding)
        }
        return finding
    }

    /// The publishers a key-signed bundle's hint names (Base64 or hex of the SPKI SHA-256, or a wasmsig key
    /// id); without a usable hint, the first few publishers (a hint is only a hint: the signature decides).
    func candidates(hint: String?) -> (publishers: [TrustBundle.Publisher], hinted: Bool) {
        if let hint, !hint.isEmpty {
            let named = bundle.publishers.filter {
                $0.sigstoreHint == hint || $0.spkiSHA256 == hint.lowercased() || $0.keyID == hint.lowercased()
            }
            if !named.isEmpty { return (named, true) }
        }
        return (Array(bundle.publishers.prefix(BundleLimits.unhintedKeyCandidates)), false)
    }

    func keySigned(
        _ parsed: ParsedSigstoreBundle, hint: String?, digest: ArtifactInput, moduleLength: Int,
        _ finding: inout EvidenceFinding
    ) {
        let (publishers, hinted) = candidates(hint: hint)
        let verifier = trust.sigstoreVerifier
        var lastError: SigstoreError? = nil
        for publisher in publishers {
            var policy = VerificationPolicy(signer: .managedKey(publisher.publicKey))
            policy.allowManagedKeyWithoutLog = true
            do {
                let verdict = try verifier.verify(parsed: parsed, artifact: digest, policy: policy)
                finding.warnings += verdict.notes
                guard admit(publisher, &finding, check: "sigstore") else { return }
                finding.signatures.append([
                    SatisfiedAuthority(
                        name: publisher.name, kind: .publisher, signer: publisher.keyID, form: finding.form,
                        logIndex: verdict.logIndex, integratedTime: verdict.integratedTime,
                        timestamped: verdict.verifiedTimestampCount > 0, signingKey: publisher.spkiSHA256,
                        verifiedTime: verdict.verifiedTimes.max())
                ])
                return
            } catch let error as SigstoreError {
                if publisher.publicKey.type == .ed25519, case .sha256Digest = digest, error.code == .unsupported {
                    finding.problem(
                        .evidenceInvalid, "sigstore.ed25519MessageTooLarge",
                        "the Sigstore bundle may be signed by publisher \(publisher.name), whose Ed25519 key signs the artifact's bytes rather than a digest; wscd keeps a module's bytes for that only up to \(ModuleDigests.keptBytesLimit) bytes when it is passed by descriptor, and this one is \(moduleLength) bytes: sign large modules with wasmsig or an ECDSA key"
                    )
                    return
                }
                lastError = error
                // A named key that does not verify: the content (or the bundle) is not what it signed.
                if hinted {
                    let modified = error.code == .signatureInvalid || error.code == .digestMismatch
                    finding.problem(
                        modified ? .contentModified : Self.code(for: error), "sigstore.\(error.code)",
                        "the Sigstore bundle names publisher \(publisher.name): \(error.reason)")
                    return
                }
            } catch {
                finding.problem(.evidenceInvalid, "sigstore.verify", "\(error)")
                return
            }
        }
        let detail = lastError.map { " (\($0.reason))" } ?? ""
        finding.problem(
            .unknownSigner, "sigstore.signer",
            "the Sigstore bundle is signed by a key\(hint.map { " with hint \($0)" } ?? "") that no publisher of trust bundle version \(trust.version) holds\(detail)"
        )
    }

    func certificateSigned(_ parsed: ParsedSigstoreBundle, digest: ArtifactInput, _ finding: inout EvidenceFinding) {
        // Which authority the certificate claims, by its issuer's name: a private CA whose certificates include
        // that name is tried first, then Fulcio. The checks that follow decide; the names only pick the order
        // (and keep a Fulcio certificate's log or SCT problem from being reported as a private CA's).
        let issuers = Set(parsed.certificateIssuers)
        let claimed = bundle.certificateAuthorities.filter { ca in
            ca.certificates.contains { issuers.contains($0.subject) }
        }
        var reasons: [String] = []
        for ca in claimed {
            switch privateCA(ca, parsed, digest: digest, &finding) {
            case .done: return
            case .notThisCA(let reason): reasons.append("\(ca.name): \(reason)")
            }
        }
        if let keyless = trust.keylessVerifier, !bundle.identities.isEmpty {
            fulcio(keyless, parsed, digest: digest, &finding)
            return
        }
        if !claimed.isEmpty || !bundle.certificateAuthorities.isEmpty {
            finding.problem(
                .chainInvalid, "sigstore.chain",
                "the signing certificate (issued by \(parsed.certificateIssuers.first ?? "?")) chains to no private CA of trust bundle version \(trust.version)"
                    + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")))
            return
        }
        finding.problem(
            .noTrustMaterial, "sigstore.trustRoot",
            trust.keylessVerifier == nil
                ? "the Sigstore bundle is certificate-signed, but trust bundle version \(trust.version) has no Sigstore trust root and no private CA"
                : "the Sigstore bundle is certificate-signed, but trust bundle version \(trust.version) accepts no keyless identity and no private CA"
        )
    }

    /// A keyless (Fulcio) certificate: verified once, then its identity looked up.
    func fulcio(
        _ keyless: KeylessVerifier, _ parsed: ParsedSigstoreBundle, digest: ArtifactInput,
        _ finding: inout EvidenceFinding
    ) {
        let verdict: SigstoreVerdict
        do {
            verdict = try keyless.sigstore.verify(
                parsed: parsed, artifact: digest, policy: VerificationPolicy(signer: .anyIdentity))
        } catch let error as SigstoreError {
            finding.problem(Self.code(for: error), "sigstore.\(error.code)", "keyless: \(error.reason)")
            return
        } catch {
            finding.problem(.evidenceInvalid, "sigstore.verify", "\(error)")
            return
        }
        guard notRevoked(verdict, &finding) else { return }
        let issuer = verdict.issuer ?? ""
        let names = bundle.identityIndex.names(issuer: issuer, subjects: verdict.subjectAlternativeNames)
        let who = "\(verdict.identity ?? "?") (\(issuer))"
        guard !names.isEmpty else {
            finding.problem(
                .identityMismatch, "sigstore.identity",
                "the keyless signer \(who) is none of the \(bundle.identities.count) identities trust bundle version \(trust.version) accepts"
            )
            return
        }
        finding.warnings += verdict.notes
        finding.keyless = KeylessSigner(
            identity: verdict.identity ?? "", issuer: issuer, logIndex: verdict.logIndex,
            integratedTime: verdict.integratedTime, form: finding.form == .sigstoreEmbedded ? "embedded" : "detached")
        finding.signatures.append(
            names.map {
                SatisfiedAuthority(
                    name: $0, kind: .identity, signer: who, form: finding.form, logIndex: verdict.logIndex,
                    integratedTime: verdict.integratedTime, timestamped: verdict.verifiedTimestampCount > 0,
                    signingKey: Hex.encode(verdict.signingKeySHA256), verifiedTime: verdict.verifiedTimes.max())
            })
    }

    enum CAOutcome {
        /// The certificate is this CA's: the finding holds the result (accepted or why not).
        case done
        /// It does not chain to this CA.
        case notThisCA(String)
    }

    /// A certificate from a private CA: chain (at the verified time, or the node's trusted time when the bundle
    /// proves none), EKU, patterns, revocation, signature.
    func privateCA(
        _ ca: TrustBundle.CertificateAuthority, _ parsed: ParsedSigstoreBundle, digest: ArtifactInput,
        _ finding: inout EvidenceFinding
    ) -> CAOutcome {
        var policy = VerificationPolicy(signer: .certificateAuthority(ca.authority))
        policy.allowManagedKeyWithoutLog = true
        policy.fallbackTime = time.now
        let verdict: SigstoreVerdict
        do {
            verdict = try trust.sigstoreVerifier.verify(parsed: parsed, artifact: digest, policy: policy)
        } catch let error as SigstoreError {
            if error.code == .certificateChainInvalid { return .notThisCA(error.reason) }
            let modified = error.code == .signatureInvalid || error.code == .digestMismatch
            finding.problem(
                modified ? .contentModified : Self.code(for: error), "sigstore.\(error.code)",
                "the certificate of private CA \(ca.name): \(error.reason)")
            return .done
        } catch {
            finding.problem(.evidenceInvalid, "sigstore.verify", "\(error)")
            return .done
        }
        guard notRevoked(verdict, &finding) else { return .done }
        let subject = verdict.certificateSubject ?? ""
        if let pattern = ca.compiledSubject, !pattern.matchesWhole(subject) {
            finding.problem(
                .identityMismatch, "sigstore.caSubject",
                "the certificate subject \"\(subject)\" does not match private CA \(ca.name)'s subjectPattern")
            return .done
        }
        if let pattern = ca.compiledSAN, !verdict.subjectAlternativeNames.contains(where: pattern.matchesWhole) {
            finding.problem(
                .identityMismatch, "sigstore.caSAN",
                "no name of the certificate (\(verdict.subjectAlternativeNames.joined(separator: ", "))) matches private CA \(ca.name)'s sanPattern"
            )
            return .done
        }
        if verdict.verifiedTimes.isEmpty {
            finding.warnings.append(
                "the certificate of private CA \(ca.name) was checked at the node's trusted time (\(RFC3339.format(time.now))): the bundle proves no signing time"
            )
        }
        finding.warnings += verdict.notes
        finding.signatures.append([
            SatisfiedAuthority(
                name: ca.name, kind: .certificateAuthority, signer: subject, form: finding.form,
                logIndex: verdict.logIndex, integratedTime: verdict.integratedTime,
                timestamped: verdict.verifiedTimestampCount > 0, signingKey: Hex.encode(verdict.signingKeySHA256),
                verifiedTime: verdict.verifiedTimes.max())
        ])
        return .done
    }

    /// Whether a certificate-signed verdict may count: neither its certificate (by the SHA-256 of its DER, in
    /// any encoding its key holder could make without the CA: other lengths, an ECDSA signature's s as n − s)
    /// nor its signing key (by the SHA-256 of the SubjectPublicKeyInfo, as `keyIds` names publisher keys) is
    /// revoked.
    func notRevoked(_ verdict: SigstoreVerdict, _ finding: inout EvidenceFinding) -> Bool {
        // Every encoding of the certificate its key holder could make counts as the certificate (computed only
        // when the bundle revokes certificates at all).
        let revoked = bundle.revocations.certificateSHA256
        if let leaf = verdict.leafCertificateSHA256, !revoked.isEmpty,
            let match =
                (verdict.leafCertificate?.equivalentEncodingSHA256(
                    issuerCurveOrder: verdict.leafIssuer?.ecCurveOrder) ?? [leaf]).first(where: {
                    revoked.contains(Hex.encode($0))
                })
        {
            let form = match == leaf ? "" : " (in another encoding of the same signed certificate)"
            finding.problem(
                .certificateRevoked, "sigstore.revocation",
                "the signing certificate \(Hex.encode(match))\(form) is revoked by trust bundle version \(trust.version)"
            )
            return false
        }
        let key = Hex.encode(verdict.signingKeySHA256)
        if verdict.leafCertificateSHA256 != nil, !verdict.signingKeySHA256.isEmpty,
            bundle.revocations.keyIDs.contains(key)
        {
            finding.problem(
                .keyRevoked, "sigstore.revocation",
                "the signing certificate's key (SubjectPublicKeyInfo SHA-256 \(key)) is revoked by trust bundle version \(trust.version)"
            )
            return false
        }
        return true
    }

    static func code(for error: SigstoreError) -> VerdictCode {
        switch error.code {
        case .certificateChainInvalid: .chainInvalid
        case .identityMismatch: .identityMismatch
        case .malformedBundle: .malformedEvidence
        case .signatureInvalid, .digestMismatch: .contentModified
        case .untrustedLog, .noVerifiedTime: .evidenceInvalid
        default: .evidenceInvalid
        }
    }
}
