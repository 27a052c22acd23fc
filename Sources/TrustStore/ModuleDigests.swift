import KeylessWasm
import Sigstore
import WSCCrypto
import WasmSignatures

/// Everything verifying a module needs from its bytes, so that evidence is evaluated without them: the wasmsig
/// part hashes and embedded signature, the embedded `sigstore.bundle` section and the digest it signs, the
/// digest of the whole file (for a detached Sigstore bundle), and the content digest a verdict reports.
///
/// Made from bytes in memory (``init(moduleBytes:evidence:streamed:limits:)``) or by a ``ModuleDigester`` in
/// one pass over a file, keeping only the small sections. ``BundleVerifier/verify(digests:detachedSignature:sigstoreBundle:trust:request:time:)``
/// takes either, so a module verifies the same way however it arrived.
///
/// Sigstore's Ed25519 message signatures are over the artifact's bytes, not a digest: ``bytes`` holds the
/// module when it is kept (always in memory; from a file only up to ``keptBytesLimit``), and without it such a
/// signature is refused with a reason that says so.
public struct ModuleDigests: Sendable {
    /// A module read from a file keeps its bytes (for Ed25519 Sigstore message signatures) up to this size.
    public static let keptBytesLimit = 16 << 20
    /// Largest embedded `sigstore.bundle` section data kept, in bytes (a bundle is a few KiB).
    public static let maximumEmbeddedBundleSize = 4 << 20
    /// Longest custom section name a streamed module may have (the names that matter are short).
    public static let maximumStreamedNameLength = 64 << 10

    /// What the module's digests were computed for: wasmsig part hashes are left out for a keyless-only request.
    public let evidence: RequestPolicy.Evidence
    /// The module's length in bytes.
    public let length: Int
    /// Why the module does not parse; when set, nothing below is.
    public let malformed: WasmSignatureError?
    /// Why the module's embedded Sigstore evidence cannot be read (two `sigstore.bundle` sections, one too
    /// large).
    public let keylessProblem: KeylessError?
    /// The wasmsig `signature` section (of the module without its `sigstore.bundle` section).
    public let embeddedSignature: WasmVerifier.EmbeddedSignature
    /// The wasmsig rolling part hashes of the module without its `sigstore.bundle` section; `nil` for a
    /// keyless-only request.
    public let wasmsigHashes: [[UInt8]]?
    /// The content digest a verdict reports: the last wasmsig rolling hash (of the module with its keyless
    /// section for a keyless-only request).
    public let contentDigest: [UInt8]?
    /// The data of the embedded `sigstore.bundle` section, if any.
    public let keylessBundle: [UInt8]?
    /// Where the `sigstore.bundle` section is in the module.
    public let keylessRange: Range<Int>?
    /// SHA-256 of every byte but the `sigstore.bundle` section (what an embedded Sigstore bundle signs);
    /// `nil` when ``bytes`` is kept or there is no such section.
    public let unsignedSHA256: [UInt8]?
    /// SHA-256 of the whole file (what a detached Sigstore bundle signs); `nil` when ``bytes`` is kept or it was
    /// not asked for.
    public let fileSHA256: [UInt8]?
    /// The module's bytes, when kept.
    public let bytes: [UInt8]?

    init(
        evidence: RequestPolicy.Evidence, length: Int, malformed: WasmSignatureError?, keylessProblem: KeylessError?,
        embeddedSignature: WasmVerifier.EmbeddedSignature, wasmsigHashes: [[UInt8]]?, contentDigest: [UInt8]?,
        keylessBundle: [UInt8]?, keylessRange: Range<Int>?, unsignedSHA256: [UInt8]?, fileSHA256: [UInt8]?,
        bytes: [UInt8]?
    ) {
        self.evidence = evidence
        self.length = length
        self.malformed = malformed
        self.keylessProblem = keylessProblem
        self.embeddedSignature = embeddedSignature
        self.wasmsigHashes = wasmsigHashes
        self.contentDigest = contentDigest
        self.keylessBundle = keylessBundle
        self.keylessRange = keylessRange
        self.unsignedSHA256 = unsignedSHA256
        self.fileSHA256 = fileSHA256
        self.bytes = bytes
    }

    static func failed(_ error: WasmSignatureError, evidence: RequestPolicy.Evidence, length: Int) -> ModuleDigests {
        ModuleDigests(
            evidence: evidence, length: length, malformed: error, keylessProblem: nil, embeddedSignature: .none,
            wasmsigHashes: nil, contentDigest: nil, keylessBundle: nil, keylessRange: nil, unsignedSHA256: nil,
            fileSHA256: nil, bytes: nil)
    }

    /// The digests of a module in memory (its bytes are kept). `streamed`: part hashes a ``ModulePartsStream``
    /// computed over `moduleBytes` while they arrived (used only where they apply).
    public init(
        moduleBytes: [UInt8], evidence: RequestPolicy.Evidence = .any, streamed: StreamedParts? = nil,
        limits: ParseLimits = .default
    ) {
        let module: WasmModule
        do {
            module = try WasmModule(bytes: moduleBytes, limits: limits)
        } catch let error as WasmSignatureError {
            self = .failed(error, evidence: evidence, length: moduleBytes.count)
            return
        } catch {
            self = .failed(
                WasmSignatureError(.malformedModule, "\(error)"), evidence: evidence, length: moduleBytes.count)
            return
        }
        var keylessProblem: KeylessError?
        var keylessSection: Section?
        do {
            keylessSection = try KeylessWasm.keylessSection(of: module)
        } catch let error as KeylessError {
            keylessProblem = error
        } catch {
            keylessProblem = KeylessError(.malformedBundle, "\(error)")
        }
        var keylessBundle: [UInt8]?
        if keylessProblem == nil, let keylessSection {
            let data = module.data(of: keylessSection)
            if data.count > ModuleDigests.maximumEmbeddedBundleSize {
                keylessProblem = keylessProblem ?? ModuleDigests.oversizedBundle(data.count)
            } else {
                keylessBundle = Array(data)
            }
        }
        var embedded = WasmVerifier.EmbeddedSignature.none
        var hashes: [[UInt8]]?
        var contentDigest: [UInt8]?
        if keylessProblem == nil {
            if evidence != .keyless {
                // wasmsig hashes do not cover an embedded keyless section (it is added after wasmsig signing).
                var target = module
                var parts = streamed
                if keylessSection != nil, let stripped = try? KeylessWasm.detach(from: module).module,
                    let parsed = try? WasmModule(bytes: stripped, limits: limits)
                {
                    target = parsed
                    parts = nil  // computed over the module with its keyless section
                }
                do {
                    if let section = try target.signatureSection() {
                        let data = target.data(of: section)
                        embedded =
                            data.count <= limits.maximumSignatureDataSize ? .data(Array(data)) : .oversized(data.count)
                    }
                } catch {
                    if let index = target.sections.indices.first(where: {
                        $0 != 0 && target.sections[$0].isSignatureSection
                    }) {
                        embedded = .misplaced(index)
                    }
                }
                let moduleParts =
                    parts.flatMap { ModuleParts(module: target, streamed: $0) } ?? ModuleParts(module: target)
                hashes = moduleParts.hashes
                contentDigest = hashes?.last
            } else {
                contentDigest = ModuleParts(module: module).parts.last?.rollingHash
            }
        }
        self.init(
            evidence: evidence, length: moduleBytes.count, malformed: nil, keylessProblem: keylessProblem,
            embeddedSignature: embedded, wasmsigHashes: hashes, contentDigest: contentDigest,
            keylessBundle: keylessBundle, keylessRange: keylessProblem == nil ? keylessSection?.range : nil,
            unsignedSHA256: nil, fileSHA256: nil, bytes: moduleBytes)
    }

    static func oversizedBundle(_ count: Int) -> KeylessError {
        KeylessError(
            .malformedBundle,
            "the embedded \"\(KeylessWasm.sectionName)\" section holds \(count) bytes, above the limit of \(maximumEmbeddedBundleSize)"
        )
    }

    /// What an embedded Sigstore bundle signs: the module without its `sigstore.bundle` section.
    var embeddedArtifact: ArtifactInput? {
        if let bytes, let range = keylessRange {
            return .bytes(Array(bytes[..<range.lowerBound] + bytes[range.upperBound...]))
        }
        return unsignedSHA256.map { .sha256Digest($0) }
    }

    /// What a detached Sigstore bundle signs: the file.
    var fileArtifact: ArtifactInput? {
        if let bytes { return .bytes(bytes) }
        return fileSHA256.map { .sha256Digest($0) }
    }
}
