import WSCCrypto
import WSCJSON

/// The one check every path that installs trust goes through (start-up, rotate, refresh).
public enum SealCheck {
    /// What the new bundle is checked against.
    public struct Context: Sendable {
        /// Who must have signed: the active bundle's keys, or for the very first bundle the keys pinned in the
        /// node's configuration. `nil` only when re-loading the bundle the anti-rollback state records as active.
        public var authorizing: KeyThreshold?
        /// The anti-rollback counter: the highest version accepted so far (0 = none).
        public var counter: UInt64
        /// SHA-256 of the active envelope, if there is one.
        public var activeDigest: [UInt8]?
        /// The trusted time.
        public var time: TrustedTime
        /// Whether the new bundle must pin a TUF repository: set when the active bundle pins one and the
        /// operator did not explicitly allow dropping it (dropping it silently would end automatic refresh).
        public var requireTUFPin: Bool

        /// Creates a context.
        public init(
            authorizing: KeyThreshold?, counter: UInt64, activeDigest: [UInt8]?, time: TrustedTime,
            requireTUFPin: Bool = false
        ) {
            self.authorizing = authorizing
            self.counter = counter
            self.activeDigest = activeDigest
            self.time = time
            self.requireTUFPin = requireTUFPin
        }
    }

    /// The largest envelope accepted.
    public static let maximumEnvelopeSize = 12 << 20

    /// Checks `envelope` and returns it sealed, or throws saying exactly which rule failed.
    ///
    /// Rules: a DSSE envelope of the trust bundle payload type; a bundle that parses strictly (every key and
    /// certificate too); signatures over the exact payload by at least `threshold` distinct authorizing keys and
    /// by at least the new bundle's own threshold of its own keys; a version above the counter (equal only for
    /// the byte-identical active bundle); inside its validity window (or grace period) at the trusted time
    /// raised to the bundle's `issuedAt`.
    ///
    /// A bundle whose signatures verified is signed evidence that the time is at least its `issuedAt`, so a node
    /// whose clock reads 1970 still accepts a bundle made now with the default validity (notBefore = issuedAt).
    /// The issue time counts only after the signatures verified: an unsigned `issuedAt` is no evidence.
    public static func check(_ envelope: [UInt8], context: Context) throws -> SealedTrustBundle {
        let sealed = try seal(envelope, context: context)
        try requireUsable(sealed, at: context.time.raised(to: sealed.bundle.issuedAt))
        return sealed
    }

    /// Every rule of ``check(_:context:)`` except the validity window: used to re-load the bundle the state
    /// records, whose keys still authorize the next bundle after it expired.
    public static func seal(_ envelope: [UInt8], context: Context) throws -> SealedTrustBundle {
        let parsed = try DSSEEnvelope(parsing: envelope, maximumSize: maximumEnvelopeSize)
        guard parsed.payloadType == TrustBundle.payloadType else {
            throw TrustStoreError(
                .wrongPayloadType,
                "the envelope's payloadType is \"\(parsed.payloadType)\", expected \"\(TrustBundle.payloadType)\"")
        }
        let bundle = try TrustBundle(payload: parsed.payload)
        let digest = Digest.sha256(envelope)

        // Version first: a replayed old bundle is an attack whatever its signatures.
        if bundle.version < context.counter {
            throw TrustStoreError(
                .rollback,
                "rollback refused: the bundle has version \(bundle.version) but version \(context.counter) is already accepted"
            )
        }
        if bundle.version == context.counter {
            guard let active = context.activeDigest, constantTimeEquals(active, digest) else {
                throw TrustStoreError(
                    .versionReuse,
                    "ATTACK: a different bundle claims version \(bundle.version), which is already accepted with another content; a new bundle needs a higher version"
                )
            }
        }

        let message = parsed.preAuthenticationEncoding
        var signers: [BundleKey] = []
        if let authorizing = context.authorizing {
            let found = authorizing.signers(of: message, signatures: parsed.signatures)
            guard found.count >= authorizing.threshold else {
                throw TrustStoreError(
                    .thresholdNotMet,
                    "the bundle has valid signatures from \(found.count) of the \(authorizing.keys.count) trusted bundle key(s), \(authorizing.threshold) required; sign it with the current bundle keys (wscctl bundle sign)"
                )
            }
            signers = found
        }
        let own = bundle.bundleKeys.signers(of: message, signatures: parsed.signatures)
        guard own.count >= bundle.bundleKeys.threshold else {
            throw TrustStoreError(
                .thresholdNotMet,
                "the bundle is signed by \(own.count) of its own \(bundle.bundleKeys.keys.count) bundle key(s), \(bundle.bundleKeys.threshold) required: its keys must also sign it"
            )
        }
        for key in own where !signers.contains(key) { signers.append(key) }
        if context.requireTUFPin, bundle.tuf == nil, bundle.version != context.counter {
            throw TrustStoreError(
                .tufPinDropped,
                "the active trust bundle pins a TUF repository and version \(bundle.version) pins none: installing it would end automatic trust refresh; add the pin (wscctl bundle create --tuf-url, --tuf-root, --tuf-target) or, to stop refreshing on purpose, pass --drop-tuf (wscctl rotate, bundle install; the protocol's \"dropTuf\": true)"
            )
        }

        return SealedTrustBundle(digest: digest, bundle: bundle, signerKeyIDs: signers.map(\.keyID))
    }

    /// Throws unless the bundle is inside its validity window (or grace period) at `time`.
    public static func requireUsable(_ sealed: SealedTrustBundle, at time: TrustedTime) throws {
        let validity = sealed.bundle.validity(at: time.now)
        guard validity.isUsable else {
            throw TrustStoreError(
                codeFor(validity),
                "the trust bundle (version \(sealed.version)) is \(validity.summary), at trusted time \(RFC3339.format(time.now))"
            )
        }
    }

    static func codeFor(_ validity: BundleValidity) -> TrustStoreError.Code {
        if case .notYetValid = validity { return .notYetValid }
        return .expired
    }
}
