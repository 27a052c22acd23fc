import KeylessWasm
import Sigstore
import TrustStore
import WSCConfiguration
import WSCCrypto
import WSCJSON
import WSCProtocol
import WasmSignatures

@testable import TUF
@testable import TrustStore
@testable import WSCCrypto
@testable import WasmSignatures

#if canImport(Glibc)
    import Glibc
#endif

/// Every target, one per parser of outside input.
enum FuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "frame", run: frame),
        FuzzTarget(name: "wasm", run: wasm),
        FuzzTarget(name: "wasmsig", run: wasmsig),
        FuzzTarget(name: "leb128", run: leb128),
        FuzzTarget(name: "dsse", run: dsse),
        FuzzTarget(name: "trust-bundle", run: trustBundle),
        FuzzTarget(name: "policy", run: policy),
        FuzzTarget(name: "sigstore-bundle", run: sigstoreBundle),
        FuzzTarget(name: "trusted-root", run: trustedRoot),
        FuzzTarget(name: "tuf-root", run: tufRoot),
        FuzzTarget(name: "tuf-timestamp", run: tufTimestamp),
        FuzzTarget(name: "tuf-snapshot", run: tufSnapshot),
        FuzzTarget(name: "tuf-targets", run: tufTargets),
        FuzzTarget(name: "toml", run: toml),
        FuzzTarget(name: "pem-key", run: pemKey),
        FuzzTarget(name: "certificate", run: certificate),
        FuzzTarget(name: "rfc3339", run: rfc3339),
        FuzzTarget(name: "json", run: json),
        FuzzTarget(name: "canonical-json", run: canonicalJSON),
    ]

    /// Inputs above this are ignored: every parser here has its own limits well above it, and big inputs only
    /// slow the fuzzer down.
    static let maximumInput = 256 * 1024

    // MARK: - wscd's protocol

    /// The frame decoder fed the input in chunks whose sizes come from the first byte, then each complete frame's
    /// header parsed as a request; `Frame.decode(content:)` on the whole input as well.
    static func frame(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        input.withUnsafeBytes { raw in
            _ = try? Frame.decode(content: raw)
        }
        let chunk = max(1, Int(input.first ?? 1))
        let decoder = FrameDecoder(maximumFrameLength: 64 * 1024)
        var offset = 0
        loop: while offset < input.count {
            let end = min(input.count, offset + chunk)
            input[offset..<end].withUnsafeBytes { decoder.append($0) }
            offset = end
            _ = decoder.withFrameInProgress { header, bodyLength, received in
                header.count + bodyLength + received.count
            }
            while true {
                do {
                    guard let frame = try decoder.next() else { break }
                    _ = Messages.id(of: frame.header)
                    _ = try? Messages.parseRequest(frame.header)
                    _ = try? Messages.result(of: frame.header)
                    let again = Frame(header: frame.header, body: frame.body).encoded()
                    let decoded = again.withUnsafeBytes {
                        try? Frame.decode(content: UnsafeRawBufferPointer(rebasing: $0[4...]))
                    }
                    fuzzCheck(decoded?.header == frame.header && decoded?.body == frame.body, "frame re-encoding")
                } catch {
                    break loop
                }
            }
        }
    }

    // MARK: - WebAssembly

    /// A module: sections, the signature section and its data, the parts to hash (also streamed, in two steps),
    /// and the keyless `sigstore.bundle` section.
    static func wasm(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        guard let module = try? WasmModule(bytes: input) else { return }
        if let section = try? module.signatureSection() {
            _ = try? SignatureData(parsing: module.data(of: section))
        }
        let parts = ModuleParts(module: module)
        let stream = ModulePartsStream(moduleLength: input.count)
        input.withUnsafeBytes { raw in
            stream.advance(UnsafeRawBufferPointer(rebasing: raw[0..<raw.count / 2]))
            stream.advance(raw)
            if let streamed = stream.finish(raw) {
                _ = ModuleParts(module: module, streamed: streamed)
            }
        }
        _ = parts
        _ = try? ModuleEditor.detach(from: module)
        _ = ModuleEditor.split(module) { $0.id != 0 || $0.customName?.hasPrefix("a") == true }
        _ = try? KeylessWasm.keylessSection(of: module)
        _ = try? KeylessWasm.signedDigest(of: module)
    }

    /// The `signature` section's data; what parses must serialize and parse back to the same value.
    static func wasmsig(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        guard let data = try? SignatureData(parsing: input) else { return }
        let again = data.serialized()
        guard let reparsed = try? SignatureData(parsing: again) else {
            fuzzCheck(false, "serialized signature data does not parse")
            return
        }
        fuzzCheck(reparsed == data, "signature data round trip")
    }

    /// Strict varuint32: a value read consumes exactly its minimal encoding; encode then decode is the identity.
    static func leb128(_ input: [UInt8]) {
        guard input.count <= 64 else { return }
        var reader = ByteReader(input)
        if let value = try? reader.readVarUInt32("fuzz") {
            fuzzCheck(Array(input[0..<reader.offset]) == LEB128.encode(Int(value)), "LEB128 decode is not minimal")
        }
        var raw: UInt64 = 0
        for (index, byte) in input.prefix(8).enumerated() { raw |= UInt64(byte) << (8 * UInt64(index)) }
        let value = UInt32(truncatingIfNeeded: raw)
        let encoded = LEB128.encode(Int(value))
        var back = ByteReader(encoded)
        fuzzCheck((try? back.readVarUInt32("fuzz")) == value && back.isAtEnd, "LEB128 round trip of \(value)")
        var wide: [UInt8] = []
        LEB128.append(raw, to: &wide)
        fuzzCheck(wide.count <= 10 && (wide.last ?? 0) & 0x80 == 0, "LEB128 encoding of \(raw)")
    }

    // MARK: - Trust bundles

    /// The DSSE envelope of a trust bundle; what parses must serialize and parse back to the same value.
    static func dsse(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        guard let envelope = try? DSSEEnvelope(parsing: input, maximumSize: maximumInput) else { return }
        _ = envelope.preAuthenticationEncoding
        let again = envelope.serialized()
        let reparsed = try? DSSEEnvelope(parsing: again, maximumSize: max(maximumInput, again.count))
        fuzzCheck(reparsed == envelope, "DSSE envelope round trip")
    }

    /// A trust bundle payload (publishers, identities, authorities, TUF settings, the policy document).
    static func trustBundle(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        guard let bundle = try? TrustBundle(payload: input) else { return }
        _ = bundle.policy.rule(forModule: "app.wasm")
        _ = bundle.policy.rule(forModule: nil)
    }

    /// The `policy` member alone, against a fixed set of authority names.
    static func policy(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        guard let value = try? JSONParser.parse(input) else { return }
        let kinds: [String: AuthorityKind] = [
            "publisher": .publisher, "identity": .identity, "ca": .certificateAuthority,
        ]
        guard let policy = try? TrustPolicy(json: value, authorities: kinds) else { return }
        for name in ["app.wasm", "a/b/c.wasm", "", "*", "x"] { _ = policy.rule(forModule: name) }
    }

    // MARK: - Sigstore

    /// A Sigstore bundle, parsed and verified against an empty trusted root (so every path that reads the bundle
    /// before trust is needed is reached), both for an identity and for any identity.
    static func sigstoreBundle(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        guard let parsed = try? ParsedSigstoreBundle(json: input) else { return }
        _ = parsed.signerMaterial
        let verifier = SigstoreVerifier(trustedRoot: .empty)
        let artifact = ArtifactInput.bytes(Array("hello".utf8))
        _ = try? verifier.verify(parsed: parsed, artifact: artifact, policy: .identity("a@example.com", issuer: "x"))
        _ = try? verifier.verify(
            parsed: parsed, artifact: .sha256Digest(Digest.sha256(Array("hello".utf8))),
            policy: VerificationPolicy(signer: .anyIdentity, fallbackTime: 1_700_000_000))
        // With a real trusted root the log entry is checked too (checkpoint, inclusion proof, SET, timestamps).
        if let root = sigstoreRoot {
            _ = try? SigstoreVerifier(trustedRoot: root).verify(
                parsed: parsed, artifact: .bytes(Array("hello".utf8)), policy: VerificationPolicy(signer: .anyIdentity))
        }
    }

    /// The trusted root named by WSC_FUZZ_TRUSTED_ROOT (Fuzz/fuzz.sh sets the Sigstore production one), if any.
    static let sigstoreRoot: TrustedRoot? = {
        guard let path = getenv("WSC_FUZZ_TRUSTED_ROOT").map({ String(cString: $0) }),
            let file = fopen(path, "rb")
        else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return try? TrustedRoot(json: bytes)
    }()

    /// `trusted_root.json`.
    static func trustedRoot(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        _ = try? TrustedRoot(json: input)
    }

    // MARK: - TUF

    static func tufRoot(_ input: [UInt8]) {
        guard input.count <= maximumInput, let root = try? RootMetadata(bytes: input) else { return }
        for role in ["root", "timestamp", "snapshot", "targets"] {
            _ = try? root.envelope.verify(root.role(role), name: role)
        }
    }

    static func tufTimestamp(_ input: [UInt8]) {
        guard input.count <= maximumInput, let timestamp = try? TimestampMetadata(bytes: input) else { return }
        _ = try? checkLengthAndHashes(
            input, length: timestamp.snapshot.length, hashes: timestamp.snapshot.hashes, name: "x")
    }

    static func tufSnapshot(_ input: [UInt8]) {
        guard input.count <= maximumInput, let snapshot = try? SnapshotMetadata(bytes: input) else { return }
        for file in snapshot.meta.values {
            _ = try? checkLengthAndHashes(input, length: file.length, hashes: file.hashes, name: "x")
        }
    }

    static func tufTargets(_ input: [UInt8]) {
        guard input.count <= maximumInput, let targets = try? TargetsMetadata(bytes: input, name: "targets") else {
            return
        }
        for path in ["a/b.wasm", "trusted_root.json", "", "/", "a//b"] { _ = targets.delegatedRoles(for: path) }
        for file in targets.targets.values {
            _ = targets.delegatedRoles(for: file.path)
            _ = try? checkLengthAndHashes(input, length: file.length, hashes: file.hashes, name: "x")
        }
    }

    // MARK: - Configuration, keys, certificates

    /// wscd.toml, as `DaemonConfiguration.load` reads it (valid UTF-8 only).
    static func toml(_ input: [UInt8]) {
        guard input.count <= maximumInput, let text = String(validating: input, as: UTF8.self) else { return }
        _ = try? DaemonConfiguration.parse(text: text, file: "fuzz.toml")
    }

    /// Public keys: PEM, DER SubjectPublicKeyInfo, wasmsign2's raw form, raw Ed25519 and EC points; a key that
    /// parses must give back a DER form that parses to the same key.
    static func pemKey(_ input: [UInt8]) {
        guard input.count <= 64 * 1024 else { return }
        if let text = String(validating: input, as: UTF8.self) {
            _ = try? PEM.decodeAll(text)
            if let key = try? PublicKey(pem: text) {
                fuzzCheck((try? PublicKey(spkiDER: key.spkiDER)) == key, "public key DER round trip")
            }
        }
        if let key = try? PublicKey(spkiDER: input) {
            fuzzCheck((try? PublicKey(spkiDER: key.spkiDER)) == key, "public key DER round trip")
        }
        _ = try? PublicKey(wasmsignRaw: input)
        _ = try? PublicKey(ed25519Raw: input)
        _ = try? PublicKey(ecPoint: input, type: .ecdsaP256)
    }

    /// Certificates (DER and PEM chains) with every extension the verifiers read, and RFC 3161 timestamp responses.
    static func certificate(_ input: [UInt8]) {
        guard input.count <= 64 * 1024 else { return }
        var certificates: [Certificate] = []
        let whole = try? Certificate(der: input)
        if let certificate = whole { certificates.append(certificate) }
        CertificateDifferential.check(input, whole: whole)
        if let text = String(validating: input, as: UTF8.self), let chain = try? Certificate.parseChain(pem: text) {
            certificates += chain
        }
        for certificate in certificates {
            _ = certificate.subject
            _ = certificate.issuer
            _ = certificate.serialNumberHex
            _ = certificate.subjectAlternativeNames
            _ = certificate.extendedKeyUsages
            _ = certificate.isCA
            _ = certificate.pathLengthConstraint
            _ = certificate.subjectPublicKeyInfoDER
            _ = try? certificate.tbsCertificateDER(removingExtension: "1.3.6.1.4.1.11129.2.4.2")
            _ = try? certificate.publicKey
            _ = certificate.isSignedBy(certificate)
            // The encodings a revocation by hash is matched against: the certificate's own first.
            fuzzCheck(
                certificate.equivalentEncodingSHA256.first == certificate.sha256Fingerprint,
                "the equivalent encodings do not start with the certificate itself")
            _ = certificate.description
        }
        _ = try? TimestampResponse(der: input)
    }

    // MARK: - JSON and time

    /// RFC 3339 timestamps: a time that parses formats to text that parses to the same time.
    static func rfc3339(_ input: [UInt8]) {
        guard input.count <= 256, let text = String(validating: input, as: UTF8.self) else { return }
        guard let seconds = RFC3339.parse(text) else { return }
        let formatted = RFC3339.format(seconds)
        fuzzCheck(RFC3339.parse(formatted) == seconds, "RFC 3339 round trip of \(seconds): \(formatted)")
    }

    /// The strict parser: a value that parses is written (plain and pretty) to text that parses to the same value.
    static func json(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        var limits = JSONLimits()
        limits.allowNonIntegerNumbers = input.first.map { $0 & 1 == 1 } ?? false
        guard let value = try? JSONParser.parse(input, limits: limits) else { return }
        for pretty in [false, true] {
            let written = JSONWriter.encode(value, pretty: pretty)
            fuzzCheck((try? JSONParser.parse(written, limits: limits)) == value, "JSON writer round trip")
        }
    }

    /// OLPC canonical JSON (what TUF signs): the encoding of a value does not depend on how its text was written
    /// (the same after a trip through the plain writer), and when it is valid JSON (no raw control characters,
    /// which canonical JSON leaves unescaped) it parses to the same value and is a fixed point.
    static func canonicalJSON(_ input: [UInt8]) {
        guard input.count <= maximumInput else { return }
        guard let value = try? JSONParser.parse(input), let canonical = try? CanonicalJSON.encode(value) else { return }
        let rewritten = try? JSONParser.parse(JSONWriter.encode(value))
        fuzzCheck(
            rewritten.flatMap { try? CanonicalJSON.encode($0) } == canonical, "canonical JSON depends on the text")
        guard let reparsed = try? JSONParser.parse(canonical) else {
            fuzzCheck(canonical.contains { $0 < 0x20 }, "canonical JSON without control characters does not parse")
            return
        }
        fuzzCheck(reparsed == value, "canonical JSON round trip")
        fuzzCheck((try? CanonicalJSON.encode(reparsed)) == canonical, "canonical JSON is not a fixed point")
    }
}
