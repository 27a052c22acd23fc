import WSCCrypto
import WSCJSON

/// Verifies Sigstore bundles offline against a ``TrustedRoot``.
///
/// A bundle is accepted only when, in this order: it parses; its transparency log entry comes from a
/// trusted log, describes exactly this signature, key and digest, is included under a checkpoint the log
/// signed, and carries a valid signed entry timestamp where required; its RFC 3161 timestamps come from
/// trusted TSAs and cover this signature; at least one verified time exists; the signing certificate chains
/// to a trusted Fulcio CA at every verified time, carries a valid SCT from a trusted CT log and the identity
/// the policy asks for; and the signature verifies over the artifact (or DSSE payload naming its digest).
/// Errors name the check that failed.
public struct SigstoreVerifier: Sendable {
    /// The trust material every bundle is checked against.
    public let trustedRoot: TrustedRoot

    /// Creates a verifier for `trustedRoot`.
    public init(trustedRoot: TrustedRoot) {
        self.trustedRoot = trustedRoot
    }

    static let inTotoPayloadType = "application/vnd.in-toto+json"
    static let issuerV2OID = "1.3.6.1.4.1.57264.1.8"
    static let issuerV1OID = "1.3.6.1.4.1.57264.1.1"

    /// Verifies `bundle` (the JSON bytes of a `.sigstore.json` file) for `artifact` under `policy`.
    ///
    /// Returns the verdict on success; throws ``SigstoreError`` naming the failed check otherwise.
    public func verify(bundle: [UInt8], artifact: ArtifactInput, policy: VerificationPolicy) throws -> SigstoreVerdict {
        try verify(parsed: ParsedSigstoreBundle(json: bundle), artifact: artifact, policy: policy)
    }

    /// Verifies an already parsed bundle for `artifact` under `policy` (see ``verify(bundle:artifact:policy:)``).
    public func verify(parsed wrapper: ParsedSigstoreBundle, artifact: ArtifactInput, policy: VerificationPolicy)
        throws -> SigstoreVerdict
    {
        let parsed = wrapper.bundle
        var notes: [String] = []

        // The signer: a certificate from the bundle, or the caller's managed key.
        let signer: LogEntryBody.Signer
        var chainHelpers: [Certificate] = []
        switch (parsed.material, policy.signer) {
        case (.certificate(let leaf, _), .identity), (.certificate(let leaf, _), .identityPattern),
            (.certificate(let leaf, _), .anyIdentity):
            // Fulcio: bundle-supplied intermediates are never used (the trusted root holds the whole chain).
            signer = .certificate(leaf)
        case (.certificate(let leaf, let chain), .certificateAuthority):
            signer = .certificate(leaf)
            chainHelpers = chain
        case (.publicKey, .managedKey(let key)):
            signer = .key(key)
        case (.publicKey, _):
            throw SigstoreError(.keyMismatch, "the bundle is signed with a managed key, but the policy names no key")
        case (.certificate, .managedKey):
            throw SigstoreError(.keyMismatch, "the bundle carries a certificate, but the policy expects a managed key")
        }
        let signingKey: PublicKey
        // The key's SubjectPublicKeyInfo, for the verdict's key fingerprint: a certificate's as it carries it (a
        // copy of its bytes; encoding the decoded key again would go through OpenSSL 3's generic encoders).
        let signingKeySPKI: [UInt8]
        switch signer {
        case .certificate(let leaf):
            do {
                signingKey = try leaf.publicKey
                signingKeySPKI = leaf.subjectPublicKeyInfoDER
            } catch let error as CryptoError {
                throw SigstoreError(.unsupported, "the signing certificate's key: \(error.reason)")
            }
        case .key(let key):
            signingKey = key
            signingKeySPKI = key.spkiDER
        }

        // What was signed.
        let artifactDigest: [UInt8]
        switch artifact {
        case .bytes(let bytes): artifactDigest = Digest.sha256(bytes)
        case .sha256Digest(let digest):
            guard digest.count == 32 else {
                throw SigstoreError(.digestMismatch, "a SHA-256 digest is 32 bytes, got \(digest.count)")
            }
            artifactDigest = digest
        }
        let signed: LogEntryBody.Signed
        switch parsed.content {
        case .messageSignature(let digest, let signature):
            if let digest {
                guard digest.algorithm == "SHA2_256", digest.bytes == artifactDigest else {
                    throw SigstoreError(
                        .digestMismatch, "the bundle's message digest is not the SHA-256 of the artifact")
                }
            }
            signed = .message(digest: artifactDigest, signature: signature)
        case .dsse(let payload, let payloadType, let signature):
            signed = .dsse(
                payload: payload, payloadType: payloadType, pae: Self.pae(type: payloadType, payload: payload),
                signature: signature)
        }

        // Transparency log entry, then timestamps: the sources of verified time.
        var verifiedTimes: [Int64] = []
        var integratedTime: Int64? = nil
        var logIndex: Int64? = nil
        if parsed.entries.isEmpty {
            guard policy.logOptional else {
                throw SigstoreError(.untrustedLog, "the bundle has no transparency log entry")
            }
        } else {
            guard parsed.entries.count == 1 else {
                throw SigstoreError(
                    .unsupported, "the bundle has \(parsed.entries.count) log entries; exactly one is supported")
            }
            let entry = parsed.entries[0]
            if policy.logOptional, trustedRoot.tlog(keyID: entry.logID) == nil {
                // Not evidence of anything here, and not needed: the signature is checked on its own.
                notes.append(
                    "the transparency log entry (log id \(Hex.encode(entry.logID))) was not checked: this node trusts no such log"
                )
            } else {
                if let time = try verifyLogEntry(entry, version: parsed.version, signer: signer, signed: signed) {
                    verifiedTimes.append(time)
                    integratedTime = time
                }
                logIndex = entry.logIndex
            }
        }
        var timestampCount = 0
        if policy.logOptional, trustedRoot.timestampAuthorities.isEmpty, !parsed.timestamps.isEmpty {
            notes.append(
                "\(parsed.timestamps.count) RFC 3161 timestamp(s) not checked: this node trusts no time-stamping authority"
            )
        } else {
            for (index, timestamp) in parsed.timestamps.enumerated() {
                verifiedTimes.append(try verifyTimestamp(timestamp, index: index, signature: parsed.signature))
                timestampCount += 1
            }
        }
        var chainTimes = verifiedTimes
        if verifiedTimes.isEmpty {
            switch policy.signer {
            case .managedKey where policy.logOptional:
                break
            case .certificateAuthority where policy.fallbackTime != nil:
                chainTimes = [policy.fallbackTime ?? 0]
            default:
                throw SigstoreError(
                    .noVerifiedTime,
                    "no verified time: the bundle needs a signed entry timestamp from a trusted log or a trusted "
                        + "RFC 3161 timestamp")
            }
        }

        // The certificate: chain at every verified time, SCT, profile, identity.
        var identity: String? = nil
        var issuer: String? = nil
        var leafFingerprint: [UInt8]? = nil
        var leafCertificate: Certificate? = nil
        var leafIssuer: Certificate? = nil
        var names: [String] = []
        var subject: String? = nil
        var anchor: String? = nil
        if case .certificate(let leaf) = signer {
            leafFingerprint = leaf.sha256Fingerprint
            leafCertificate = leaf
            subject = leaf.subject
            // The subject alternative names, decoded once for the verdict and the identity check.
            let alternativeNames = leaf.subjectAlternativeNames
            names = Self.names(alternativeNames)
            switch policy.signer {
            case .certificateAuthority(let authority):
                (anchor, leafIssuer) = try verifyPrivateChain(
                    leaf, helpers: chainHelpers, authority: authority, at: chainTimes)
                identity = names.first
            case .anyIdentity:
                let issuingCA = try verifyChain(leaf, at: chainTimes)
                try verifySCT(leaf, issuer: issuingCA)
                issuer = try Self.oidcIssuer(leaf)
                identity = names.first
                anchor = issuingCA.subject
                leafIssuer = issuingCA.certificate
            default:
                let issuingCA = try verifyChain(leaf, at: chainTimes)
                try verifySCT(leaf, issuer: issuingCA)
                (identity, issuer) = try verifyIdentity(leaf, alternativeNames: alternativeNames, policy: policy)
                anchor = issuingCA.subject
                leafIssuer = issuingCA.certificate
            }
        }

        // The signature itself, and what it covers.
        switch signed {
        case .message(let digest, let signature):
            try verifyMessageSignature(signature, digest: digest, artifact: artifact, key: signingKey)
        case .dsse(let payload, let payloadType, let pae, let signature):
            guard let scheme = Self.scheme(for: signingKey),
                (try? signingKey.verify(signature: signature, message: pae, scheme: scheme)) == true
            else { throw SigstoreError(.signatureInvalid, "the DSSE envelope signature does not verify") }
            try Self.checkInTotoSubject(payload: payload, payloadType: payloadType, digest: artifactDigest)
        }
        var verdict = SigstoreVerdict(
            identity: identity, issuer: issuer, logIndex: logIndex, integratedTime: integratedTime,
            verifiedTimes: verifiedTimes, leafCertificateSHA256: leafFingerprint)
        verdict.subjectAlternativeNames = names
        verdict.certificateSubject = subject
        verdict.leafCertificate = leafCertificate
        verdict.leafIssuer = leafIssuer
        verdict.anchorSubject = anchor
        verdict.verifiedTimestampCount = timestampCount
        verdict.signingKeySHA256 = Digest.sha256(signingKeySPKI)
        verdict.notes = notes
        return verdict
    }

    /// DSSE pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`.
    static func pae(type: String, payload: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(type.utf8.count) \(type) \(payload.count) ".utf8) + payload
    }

    /// The signature scheme for an artifact signing key (ECDSA with the curve's hash, Ed25519, RSA PKCS#1 v1.5).
    static func scheme(for key: PublicKey) -> SignatureScheme? {
        switch key.type {
        case .rsa: .rsaPKCS1v15(.sha256)
        default: key.defaultScheme
        }
    }

    func verifyMessageSignature(_ signature: [UInt8], digest: [UInt8], artifact: ArtifactInput, key: PublicKey) throws {
        let ok: Bool
        switch key.type {
        case .ed25519:
            guard case .bytes(let bytes) = artifact else {
                throw SigstoreError(.unsupported, "an Ed25519 message signature needs the artifact bytes, not a digest")
            }
            ok = (try? key.verify(signature: signature, message: bytes, scheme: .ed25519)) == true
        case .rsa:
            ok = (try? key.verify(signature: signature, digest: digest, scheme: .rsaPKCS1v15(.sha256))) == true
        default:
            ok = (try? key.verify(signature: signature, digest: digest, scheme: .ecdsa(.sha256, .der))) == true
        }
        guard ok else {
            throw SigstoreError(.signatureInvalid, "the message signature does not verify for the artifact")
        }
    }

    static func checkInTotoSubject(payload: [UInt8], payloadType: String, digest: [UInt8]) throws {
        guard payloadType == inTotoPayloadType else {
            throw SigstoreError(.unsupported, "DSSE payload type \"\(payloadType)\" is not \(inTotoPayloadType)")
        }
        var limits = JSONLimits()
        limits.allowNonIntegerNumbers = true
        let reader = FieldReader(code: .digestMismatch)
        let statement: JSONObject
        do {
            statement = try JSONParser.parse(payload, limits: limits).asObject("statement")
        } catch let error as JSONError {
            throw SigstoreError(.malformedBundle, "the in-toto statement is not a JSON object: \(error.reason)")
        }
        let wanted = Hex.encode(digest)
        for subject in try reader.array(statement.optional("subject"), "statement.subject") {
            guard case .object(let object) = subject, case .object(let digests)? = object.optional("digest"),
                case .string(let value)? = digests.optional("sha256")
            else { continue }
            if value.lowercased() == wanted { return }
        }
        throw SigstoreError(.digestMismatch, "no subject of the in-toto statement has the artifact's SHA-256 \(wanted)")
    }
}
