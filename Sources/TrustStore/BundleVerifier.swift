import KeylessWasm
import Sigstore
import WSCCrypto
import WSCJSON
import WasmSignatures

/// Verifies modules against a sealed trust bundle, its rules and a request that may only narrow them. Pure:
/// bytes, trust, policy and a time in; a verdict out.
///
/// One pass: the module is parsed once, its wasmsig parts hashed once, each Sigstore bundle (embedded section,
/// detached file) verified once and its signer looked up among the bundle's authorities. The rule for the
/// module's name then counts distinct authorities across every kind of evidence.
public enum BundleVerifier {
    /// Verifies a module (its file bytes) with every piece of evidence it carries or is given: wasmsig
    /// signatures (embedded, or `detachedSignature`), an embedded `sigstore.bundle` section, and
    /// `sigstoreBundle` (a detached bundle over the file's bytes). `streamed`: part hashes a
    /// ``ModulePartsStream`` computed over `moduleBytes` while they arrived (used only where they apply).
    public static func verify(
        moduleBytes: [UInt8], detachedSignature: [UInt8]? = nil, sigstoreBundle: [UInt8]? = nil,
        trust: SealedTrustBundle, request: RequestPolicy = .bundleRule, time: TrustedTime,
        streamed: StreamedParts? = nil
    ) -> TrustVerdict {
        verify(
            digests: { ModuleDigests(moduleBytes: moduleBytes, evidence: request.evidence, streamed: streamed) },
            detachedSignature: detachedSignature, sigstoreBundle: sigstoreBundle, trust: trust, request: request,
            time: time)
    }

    /// Verifies a module from its ``ModuleDigests`` (made in memory or by a ``ModuleDigester`` over a file, for
    /// `request.evidence`), as ``verify(moduleBytes:detachedSignature:sigstoreBundle:trust:request:time:streamed:)``
    /// does from its bytes: the same digests give the same verdict.
    public static func verify(
        digests: ModuleDigests, detachedSignature: [UInt8]? = nil, sigstoreBundle: [UInt8]? = nil,
        trust: SealedTrustBundle, request: RequestPolicy = .bundleRule, time: TrustedTime
    ) -> TrustVerdict {
        verify(
            digests: { digests }, detachedSignature: detachedSignature, sigstoreBundle: sigstoreBundle, trust: trust,
            request: request, time: time)
    }

    static func verify(
        digests makeDigests: () -> ModuleDigests, detachedSignature: [UInt8]?, sigstoreBundle: [UInt8]?,
        trust: SealedTrustBundle, request: RequestPolicy, time: TrustedTime
    ) -> TrustVerdict {
        let bundle = trust.bundle
        var warnings: [String] = []
        let rule = bundle.policy.rule(forModule: request.moduleName)
        func refuse(_ code: VerdictCode, _ check: String, _ reason: String, digest: [UInt8]? = nil) -> TrustVerdict {
            var verdict = TrustVerdict(
                valid: false, signers: [], bundleVersion: trust.version, reason: reason, warnings: warnings,
                contentDigest: digest)
            verdict.code = code
            verdict.failedCheck = check
            verdict.rule = rule.name
            return verdict
        }
        if let problem = requestProblem(request, rule: rule, bundle: bundle) {
            return refuse(.requestInvalid, "request", problem)
        }
        if let clock = time.evidenceWarning { warnings.append(clock) }
        let validity = bundle.validity(at: time.now)
        guard validity.isUsable else {
            return refuse(
                .bundleExpired, "bundle.validity", "the trust bundle (version \(trust.version)) is \(validity.summary)")
        }
        if case .inGracePeriod = validity {
            warnings.append("trust bundle version \(trust.version) is \(validity.summary)")
        }

        let digests = makeDigests()
        if let error = digests.malformed {
            return refuse(.malformedModule, "module.parse", error.reason)
        }
        if let error = digests.keylessProblem {
            return refuse(.malformedEvidence, "sigstore.section", error.reason)
        }
        guard (digests.evidence == .keyless) == (request.evidence == .keyless) else {
            return refuse(
                .requestInvalid, "request",
                "the module's digests were computed for evidence \(digests.evidence.rawValue), not \(request.evidence.rawValue)"
            )
        }

        let collector = EvidenceCollector(trust: trust, time: time)
        var findings: [EvidenceFinding] = []
        if request.evidence != .keyless, let hashes = digests.wasmsigHashes {
            if let finding = collector.wasmsig(
                embedded: digests.embeddedSignature, detached: detachedSignature, partHashes: hashes)
            {
                findings.append(finding)
            }
        }
        if request.evidence != .wasmsig {
            if let bundleBytes = digests.keylessBundle {
                findings.append(
                    collector.sigstore(
                        bundleBytes: bundleBytes, digest: digests.embeddedArtifact, form: .sigstoreEmbedded,
                        moduleLength: digests.length))
            }
            if let sigstoreBundle {
                findings.append(
                    collector.sigstore(
                        bundleBytes: sigstoreBundle, digest: digests.fileArtifact, form: .sigstoreDetached,
                        moduleLength: digests.length))
            }
        }
        let contentDigest = digests.contentDigest
        for finding in findings { warnings += finding.warnings }

        let outcome = PolicyEvaluator.evaluate(findings, rule: rule, request: request)
        if outcome.valid {
            // Accepted on other evidence: what failed is still worth knowing (a stale or broken signature).
            for finding in findings {
                for problem in finding.problems {
                    warnings.append(
                        "\(finding.form.rawValue) evidence not counted [\(problem.code.rawValue)]: \(problem.reason)")
                }
            }
        }
        let keyless = findings.first { finding in
            finding.keyless != nil && outcome.counted.contains { $0.form == finding.form }
        }?.keyless
        var verdict = TrustVerdict(
            valid: outcome.valid, signers: outcome.counted.map(\.name), bundleVersion: trust.version,
            reason: outcome.reason, warnings: warnings, contentDigest: contentDigest, keyless: keyless)
        verdict.code = outcome.code
        verdict.failedCheck = outcome.check
        verdict.rule = rule.name
        verdict.authorities = outcome.counted
        // Verified log integration and RFC 3161 times of counted evidence: signed evidence of the time for the
        // caller to keep.
        verdict.evidenceTime = outcome.counted.compactMap {
            [$0.integratedTime, $0.verifiedTime].compactMap { $0 }.max()
        }
        .max()
        verdict.evidence = findings.map { finding in
            EvidenceReport(
                form: finding.form, proved: finding.signatures.compactMap { $0.first?.name },
                problems: finding.problems)
        }
        return verdict
    }

    /// Why `request` cannot be evaluated against `bundle` (names an unknown authority, asks for more signers
    /// than can exist), or nil.
    public static func requestProblem(_ request: RequestPolicy, bundle: TrustBundle) -> String? {
        requestProblem(request, rule: bundle.policy.rule(forModule: request.moduleName), bundle: bundle)
    }

    static func requestProblem(_ request: RequestPolicy, rule: TrustPolicy.Rule, bundle: TrustBundle) -> String? {
        let kinds = bundle.authorityKinds
        let unknown = request.authorities.filter { kinds[$0] == nil }
        if !unknown.isEmpty {
            return
                "the request names authorit\(unknown.count == 1 ? "y" : "ies") \(unknown.sorted().joined(separator: ", ")) that trust bundle version \(bundle.version) does not define"
        }
        let available =
            request.authorities.isEmpty ? (rule.authorities?.count ?? kinds.count) : request.authorities.count
        if let require = request.require, require < 1 || require > max(1, available) {
            return "the request requires \(require) signers, but names only \(available) authorities"
        }
        return nil
    }
}
