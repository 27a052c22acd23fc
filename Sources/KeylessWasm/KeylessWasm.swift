import Sigstore
import WSCCrypto
import WasmSignatures

/// Keyless (Sigstore) signatures for WebAssembly modules, in two forms:
///
/// - **Detached**: a Sigstore bundle file (`module.wasm.sigstore.json`, as `cosign sign-blob --bundle` or
///   `sigstore sign` write it) over the module file's exact bytes.
/// - **Embedded**: the same kind of bundle in one custom section named ``sectionName``. The signed artifact
///   is every byte of the module except that section: the preamble and all other sections, in order, byte
///   for byte. A module may hold at most one such section. ``attach(bundle:to:)`` appends it as the last
///   section, so the bundle for an embedded signature is exactly a detached bundle over the module as it
///   was before attaching.
///
/// With wasmsig: sign with wasmsig first, keyless last. The keyless digest then covers the wasmsig
/// `signature` section; the wasmsig hashes exclude the keyless section, so wasmsig verification runs over
/// ``detach(from:)``'s module (see `docs/keyless.md`).
public enum KeylessWasm {
    /// The name of the custom section that carries an embedded Sigstore bundle.
    public static let sectionName = "sigstore.bundle"

    /// The embedded keyless section of `module`, or `nil` when there is none.
    /// - Throws: ``KeylessError`` `.duplicateBundle` when there are two or more.
    public static func keylessSection(of module: WasmModule) throws -> Section? {
        let found = module.sections.filter { $0.isCustom && $0.customName == sectionName }
        guard found.count <= 1 else {
            throw KeylessError(
                .duplicateBundle,
                "the module holds \(found.count) \"\(sectionName)\" sections; at most one is allowed")
        }
        return found.first
    }

    /// The SHA-256 digest an embedded keyless signature signs: every byte of the module except the keyless
    /// section (if any), streamed over the module's bytes without copying them.
    /// - Throws: ``KeylessError`` `.duplicateBundle` when there are two keyless sections.
    public static func signedDigest(of module: WasmModule) throws -> [UInt8] {
        let excluded = try keylessSection(of: module)?.range
        let hasher = StreamingHasher(.sha256)
        module.bytes.withUnsafeBytes { raw in
            if let excluded {
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<excluded.lowerBound]))
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[excluded.upperBound..<raw.count]))
            } else {
                hasher.update(raw)
            }
        }
        return hasher.finalize()
    }

    /// Embeds `bundle` (a Sigstore bundle's JSON bytes) as the last section of `module`.
    /// - Throws: ``KeylessError`` `.bundleAlreadyAttached` when the module already embeds one (detach it
    ///   first), `.malformedBundle` when `bundle` is not a Sigstore bundle.
    public static func attach(bundle: [UInt8], to module: WasmModule) throws -> [UInt8] {
        if try keylessSection(of: module) != nil {
            throw KeylessError(
                .bundleAlreadyAttached,
                "the module already embeds a \"\(sectionName)\" section; detach it first")
        }
        do {
            try SigstoreVerifier.checkBundleSyntax(bundle)
        } catch let error as SigstoreError {
            throw KeylessError(.malformedBundle, "the bundle to attach: \(error.reason)", sigstoreError: error)
        }
        var out = module.bytes
        out += customSection(name: sectionName, data: bundle)
        return out
    }

    /// Removes the embedded keyless section; returns the module without it and the bundle's bytes.
    /// - Throws: ``KeylessError`` `.noEmbeddedBundle` or `.duplicateBundle`.
    public static func detach(from module: WasmModule) throws -> (module: [UInt8], bundle: [UInt8]) {
        guard let section = try keylessSection(of: module) else {
            throw KeylessError(.noEmbeddedBundle, "the module has no \"\(sectionName)\" section")
        }
        var out = Array(module.bytes[0..<section.range.lowerBound])
        out += module.bytes[section.range.upperBound...]
        return (out, Array(module.data(of: section)))
    }

    /// A custom section: id 0, LEB128 size, LEB128 name length, name, data.
    static func customSection(name: String, data: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        let payload = uleb(nameBytes.count) + nameBytes + data
        return [0] + uleb(payload.count) + payload
    }

    static func uleb(_ value: Int) -> [UInt8] {
        var n = UInt64(value)
        var out: [UInt8] = []
        repeat {
            let byte = UInt8(n & 0x7F)
            n >>= 7
            out.append(n == 0 ? byte : byte | 0x80)
        } while n != 0
        return out
    }
}
