import WSCCrypto
import WSCJSON
import WSCProtocol

extension TrustVerdict {
    /// The verdict as it travels (``VerdictAnswer``): what wscd's verify answers and `wscctl verify --json`
    /// prints, offline or through wscd. `request` is echoed as a sentence; `module` names the input for the CLI.
    public func answer(request: RequestPolicy, module: String? = nil) -> VerdictAnswer {
        VerdictAnswer(
            module: module, valid: valid, code: code?.rawValue, failedCheck: failedCheck, reason: reason,
            kind: keyless == nil ? "wasmsig" : "keyless", rule: rule, signers: signers,
            authorities: authorities.map {
                VerdictAnswer.Authority(
                    name: $0.name, kind: $0.kind.rawValue, signer: $0.signer, evidence: $0.form.rawValue,
                    logIndex: $0.logIndex, integratedTime: $0.integratedTime, timestamped: $0.timestamped)
            },
            evidence: evidence.map { e in
                VerdictAnswer.Evidence(
                    form: e.form.rawValue, proved: e.proved,
                    problems: e.problems.map {
                        VerdictAnswer.Problem(code: $0.code.rawValue, check: $0.check, reason: $0.reason)
                    })
            },
            bundleVersion: bundleVersion.map { Int64(clamping: $0) },
            contentSha256: contentDigest.map(Hex.encode) ?? "-",
            warnings: warnings, policy: request.summary,
            keyless: keyless.map {
                VerdictAnswer.Keyless(
                    identity: $0.identity, issuer: $0.issuer, logIndex: $0.logIndex, integratedTime: $0.integratedTime,
                    form: $0.form)
            })
    }

    /// ``answer(request:module:)`` as JSON.
    public func json(request: RequestPolicy, module: String? = nil) -> JSONObject {
        answer(request: request, module: module).json
    }
}

extension RequestPolicy {
    /// The narrowing a protocol verify request asks for.
    public init(_ request: VerifyRequest) {
        let evidence: Evidence
        switch request.evidence {
        case .any: evidence = .any
        case .wasmsig: evidence = .wasmsig
        case .keyless: evidence = .keyless
        }
        self.init(
            authorities: Set(request.authorities), require: request.require, moduleName: request.moduleName,
            requireTlog: request.requireTlog, evidence: evidence)
    }
}
