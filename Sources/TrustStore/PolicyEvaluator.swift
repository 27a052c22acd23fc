/// Applies a bundle rule, narrowed by a request, to the evidence findings. A pure function of (findings, rule,
/// request): no I/O, no crypto.
enum PolicyEvaluator {
    struct Outcome {
        let valid: Bool
        let counted: [SatisfiedAuthority]
        let code: VerdictCode?
        let check: String?
        let reason: String?
    }

    static func evaluate(_ findings: [EvidenceFinding], rule: TrustPolicy.Rule, request: RequestPolicy) -> Outcome {
        let requireTlog = rule.requireTlog || request.requireTlog
        let requireTimestamp = rule.requireTimestamp
        let threshold = max(rule.threshold, request.require ?? 1)
        func allowed(_ name: String) -> Bool {
            (rule.authorities?.contains(name) ?? true)
                && (request.authorities.isEmpty || request.authorities.contains(name))
        }
        var counted: [SatisfiedAuthority] = []
        var excluded: [SatisfiedAuthority] = []
        var lackingLog: [SatisfiedAuthority] = []
        var lackingTimestamp: [SatisfiedAuthority] = []
        for finding in findings {
            for signature in finding.signatures {
                // Each signature stands for at most one authority, and each authority counts once.
                for candidate in signature {
                    guard allowed(candidate.name) else {
                        excluded.append(candidate)
                        continue
                    }
                    guard !requireTlog || candidate.logIndex != nil else {
                        lackingLog.append(candidate)
                        continue
                    }
                    guard !requireTimestamp || candidate.timestamped else {
                        lackingTimestamp.append(candidate)
                        continue
                    }
                    // Distinct authorities, and distinct keys: one key holder is one signer, whatever names
                    // (a publisher, a private CA's leaf) its key appears under.
                    if counted.contains(where: { $0.name == candidate.name || $0.signingKey == candidate.signingKey }) {
                        continue
                    }
                    counted.append(candidate)
                    break
                }
            }
        }
        if counted.count >= threshold {
            return Outcome(valid: true, counted: counted, code: nil, check: nil, reason: nil)
        }
        let ruleText = rule.name == "default" ? "the default rule" : "rule \"\(rule.name)\""
        func names(_ list: [SatisfiedAuthority]) -> String {
            var seen: [String] = []
            for a in list where !seen.contains(a.name) { seen.append(a.name) }
            return seen.joined(separator: ", ")
        }
        if !counted.isEmpty {
            return Outcome(
                valid: false, counted: counted, code: .thresholdNotMet, check: "policy.threshold",
                reason:
                    "\(ruleText) needs \(threshold) distinct authorities (\(request.summary)); only \(names(counted)) signed"
            )
        }
        if !lackingLog.isEmpty {
            return Outcome(
                valid: false, counted: [], code: .tlogRequired, check: "policy.requireTlog",
                reason:
                    "signed by \(names(lackingLog)), but \(rule.requireTlog ? ruleText : "the request") requires a verified transparency log entry and the evidence has none"
            )
        }
        if !lackingTimestamp.isEmpty {
            return Outcome(
                valid: false, counted: [], code: .timestampRequired, check: "policy.requireTimestamp",
                reason:
                    "signed by \(names(lackingTimestamp)), but \(ruleText) requires a verified RFC 3161 timestamp and the evidence has none"
            )
        }
        if !excluded.isEmpty {
            let accepted = rule.authorities.map { $0.sorted().joined(separator: ", ") } ?? "any authority"
            let asked =
                request.authorities.isEmpty
                ? "" : "; the request accepts \(request.authorities.sorted().joined(separator: ", "))"
            return Outcome(
                valid: false, counted: [], code: .authorityNotAllowed, check: "policy.authorities",
                reason:
                    "signed by \(names(excluded)) only, which is not accepted here (\(ruleText) accepts \(accepted)\(asked))"
            )
        }
        let problems = findings.flatMap(\.problems)
        if let worst = problems.min(by: { priority($0.code) < priority($1.code) }) {
            return Outcome(valid: false, counted: [], code: worst.code, check: worst.check, reason: worst.reason)
        }
        return Outcome(
            valid: false, counted: [], code: .noSignature, check: "evidence.present",
            reason:
                "the module has no signature\(request.evidence == .any ? "" : " of the kind asked for (\(request.evidence.rawValue))"): sign it (wasmsig or a Sigstore bundle) or give the detached signature or bundle"
        )
    }

    /// Which problem explains a refusal best: the most specific and the most alarming first.
    static func priority(_ code: VerdictCode) -> Int {
        let order: [VerdictCode] = [
            .keyRevoked, .certificateRevoked, .contentModified, .keyNotValidNow, .identityMismatch, .chainInvalid,
            .evidenceInvalid, .noTrustMaterial, .unknownSigner, .malformedEvidence,
        ]
        return order.firstIndex(of: code) ?? order.count
    }
}
