import WSCCrypto
import WSCJSON

extension SigstoreVerifier {
    /// The CA certificate that issued a Fulcio leaf, with what the trusted root computed for it at load.
    struct IssuingCA {
        let certificate: Certificate
        let subject: String
        /// SHA-256 of the CA's SubjectPublicKeyInfo.
        let keyHash: [UInt8]

        init(_ certificate: Certificate, in authority: TrustedRoot.Authority) {
            self.certificate = certificate
            if let index = authority.chain.firstIndex(where: { $0 === certificate }) {
                subject = authority.subjects[index]
                keyHash = authority.keyHashes[index]
            } else {
                subject = certificate.subject
                keyHash = Digest.sha256(certificate.subjectPublicKeyInfoDER)
            }
        }
    }

    /// Validates `leaf` to a trusted Fulcio CA at every time in `times` (and the CA's `validFor` then);
    /// returns the certificate that issued the leaf.
    func verifyChain(_ leaf: Certificate, at times: [Int64]) throws -> IssuingCA {
        var issuer: IssuingCA? = nil
        for time in times {
            var reasons: [String] = []
            var found = false
            for authority in trustedRoot.certificateAuthorities where authority.validFor.contains(time) {
                // The CA chain was verified when the trust root loaded: every CA certificate is an anchor,
                // so only the leaf's own signature is checked here. Their validity at `time` still counts.
                guard authority.chain.allSatisfy({ $0.notValidBefore <= time && time <= $0.notValidAfter }) else {
                    reasons.append("the CA \(authority.chain[0].subject) is outside its validity period")
                    continue
                }
                let validator = authority.validator
                do {
                    let chain = try validator.validate(
                        leaf: leaf, intermediates: [], at: time,
                        requiredExtendedKeyUsage: Certificate.codeSigningEKU)
                    issuer = chain.count > 1 ? IssuingCA(chain[1], in: authority) : nil
                    found = true
                    break
                } catch let error as CryptoError {
                    reasons.append(error.reason)
                }
            }
            guard found else {
                throw SigstoreError(
                    .certificateChainInvalid,
                    "the signing certificate does not chain to a Fulcio CA trusted at \(RFC3339.format(time))"
                        + (reasons.isEmpty ? " (no CA is valid then)" : ": \(reasons.joined(separator: "; "))"))
            }
        }
        guard let issuer else {
            throw SigstoreError(.certificateChainInvalid, "the signing certificate was not validated at any time")
        }
        // Key usage digitalSignature (bit 0 of the KeyUsage BIT STRING).
        guard let usage = leaf.extensionValue(oid: "2.5.29.15"), usage.value.count >= 4, usage.value[0] == 0x03,
            usage.value[3] & 0x80 != 0
        else {
            throw SigstoreError(.certificateChainInvalid, "the signing certificate's key usage lacks digitalSignature")
        }
        return issuer
    }

    /// Requires an embedded SCT from a trusted CT log that verifies over the precertificate.
    func verifySCT(_ leaf: Certificate, issuer: IssuingCA) throws {
        let scts = try SignedCertificateTimestamp.embedded(in: leaf)
        let tbs: [UInt8]
        let issuerKeyHash = issuer.keyHash
        do {
            tbs = try leaf.tbsCertificateDER(removingExtension: SignedCertificateTimestamp.extensionOID)
        } catch let error as CryptoError {
            throw SigstoreError(.sctInvalid, "cannot rebuild the precertificate: \(error.reason)")
        }
        var reasons: [String] = []
        for sct in scts {
            guard let log = trustedRoot.ctlogs.first(where: { $0.keyID == sct.logID }), let key = log.key else {
                reasons.append("SCT from unknown CT log \(Hex.encode(sct.logID))")
                continue
            }
            guard sct.hashAlgorithm == 4 else {
                reasons.append("SCT hash algorithm \(sct.hashAlgorithm) is not SHA-256")
                continue
            }
            let scheme: SignatureScheme
            switch (sct.signatureAlgorithm, key.type) {
            case (3, .ecdsaP256), (3, .ecdsaP384): scheme = .ecdsa(.sha256, .der)
            case (1, .rsa): scheme = .rsaPKCS1v15(.sha256)
            default:
                reasons.append("SCT signature algorithm \(sct.signatureAlgorithm) does not fit the CT log key")
                continue
            }
            let data = sct.signedData(issuerKeyHash: issuerKeyHash, tbsCertificate: tbs)
            guard (try? key.verify(signature: sct.signature, message: data, scheme: scheme)) == true else {
                reasons.append("SCT from \(log.baseURL) does not verify")
                continue
            }
            guard log.validFor.contains(Int64(sct.timestamp / 1000)) else {
                reasons.append("CT log \(log.baseURL) was not trusted at the SCT time")
                continue
            }
            return
        }
        throw SigstoreError(.sctInvalid, "no valid SCT from a trusted CT log: \(reasons.joined(separator: "; "))")
    }

    /// Checks the certificate's identity and issuer against the policy; returns the matched pair.
    /// `alternativeNames` are the leaf's subject alternative names when the caller has them already.
    func verifyIdentity(
        _ leaf: Certificate, alternativeNames: [GeneralName]? = nil, policy: VerificationPolicy
    ) throws -> (String, String) {
        let issuer = try Self.oidcIssuer(leaf)
        var names: [String] = []
        for name in alternativeNames ?? leaf.subjectAlternativeNames {
            switch name {
            case .email(let value), .uri(let value): names.append(value)
            default: break
            }
        }
        switch policy.signer {
        case .identity(let subject, let expectedIssuer):
            guard issuer == expectedIssuer else {
                throw SigstoreError(
                    .identityMismatch, "the certificate's OIDC issuer is \"\(issuer)\", not \"\(expectedIssuer)\"")
            }
            guard names.contains(subject) else {
                throw SigstoreError(
                    .identityMismatch, "the certificate's identities \(names) do not include \"\(subject)\"")
            }
            return (subject, issuer)
        case .identityPattern(let pattern, let expectedIssuer):
            guard issuer == expectedIssuer else {
                throw SigstoreError(
                    .identityMismatch, "the certificate's OIDC issuer is \"\(issuer)\", not \"\(expectedIssuer)\"")
            }
            let regex: Regex<AnyRegexOutput>
            do {
                regex = try Regex(pattern)
            } catch {
                throw SigstoreError(
                    .identityMismatch, "the identity pattern \"\(pattern)\" is not a valid regular expression")
            }
            guard let match = names.first(where: { (try? regex.wholeMatch(in: $0)) != nil }) else {
                throw SigstoreError(
                    .identityMismatch, "no certificate identity in \(names) matches the pattern \"\(pattern)\"")
            }
            return (match, issuer)
        case .managedKey, .anyIdentity, .certificateAuthority:
            throw SigstoreError(.keyMismatch, "the policy names no certificate identity to match")
        }
    }

    /// The OIDC issuer: extension 1.3.6.1.4.1.57264.1.8 (DER UTF8String) and/or the legacy .1.1 (raw
    /// string); when both are present they must agree.
    static func oidcIssuer(_ leaf: Certificate) throws -> String {
        var v2: String? = nil
        if let ext = leaf.extensionValue(oid: issuerV2OID) {
            var reader = ByteReader(ext.value)
            guard reader.u8() == 0x0C, let length = reader.derLength(), length == reader.remaining,
                let bytes = reader.bytes(length), let text = String(validating: bytes, as: UTF8.self)
            else { throw SigstoreError(.identityMismatch, "the certificate's OIDC issuer extension is malformed") }
            v2 = text
        }
        let v1 = leaf.extensionValue(oid: issuerV1OID).map { String(decoding: $0.value, as: UTF8.self) }
        switch (v1, v2) {
        case (let a?, let b?):
            guard a == b else {
                throw SigstoreError(.identityMismatch, "the certificate's two OIDC issuer extensions disagree")
            }
            return b
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): throw SigstoreError(.identityMismatch, "the certificate has no OIDC issuer extension")
        }
    }
}

extension SigstoreVerifier {
    /// Every email, URI and DNS name of `alternativeNames` (a leaf's subject alternative names), as encoded.
    static func names(_ alternativeNames: [GeneralName]) -> [String] {
        alternativeNames.compactMap {
            switch $0 {
            case .email(let value), .uri(let value), .dns(let value): value
            default: nil
            }
        }
    }

    /// Validates `leaf` to a private CA's roots at every time in `times` (the bundle's intermediates and the
    /// authority's own are untrusted helpers); returns the anchor's subject and the certificate that issued the
    /// leaf.
    func verifyPrivateChain(
        _ leaf: Certificate, helpers: [Certificate], authority: VerificationPolicy.PrivateAuthority, at times: [Int64]
    ) throws -> (anchor: String, issuer: Certificate?) {
        var anchor = ""
        var issuer: Certificate? = nil
        for time in times {
            do {
                let chain = try authority.validator.validate(
                    leaf: leaf, intermediates: authority.intermediates + helpers, at: time,
                    requiredExtendedKeyUsage: authority.requiredExtendedKeyUsage)
                anchor = chain.last?.subject ?? ""
                issuer = chain.count > 1 ? chain[1] : issuer
            } catch let error as CryptoError {
                throw SigstoreError(
                    .certificateChainInvalid,
                    "the signing certificate does not chain to the private CA at \(RFC3339.format(time)): \(error.reason)"
                )
            }
        }
        // Key usage, when present, must allow digitalSignature (bit 0 of the KeyUsage BIT STRING).
        if let usage = leaf.extensionValue(oid: "2.5.29.15") {
            guard usage.value.count >= 4, usage.value[0] == 0x03, usage.value[3] & 0x80 != 0 else {
                throw SigstoreError(
                    .certificateChainInvalid, "the signing certificate's key usage lacks digitalSignature")
            }
        }
        return (anchor, issuer)
    }
}
