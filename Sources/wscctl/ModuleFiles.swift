import WasmSignatures

/// Loading modules and signatures with the exit codes the CLI documents.
enum ModuleFiles {
    static let limits = ParseLimits.default

    static func load(_ path: String) throws -> WasmModule {
        let bytes = try FileIO.read(path, what: "module", limit: limits.maximumModuleSize)
        do {
            return try WasmModule(bytes: bytes, limits: limits)
        } catch let error as WasmSignatureError {
            throw CLIError.usage("\(path): \(error.reason)")
        }
    }

    static func loadSignature(_ path: String) throws -> [UInt8] {
        let bytes = try FileIO.read(path, what: "signature file", limit: limits.maximumSignatureDataSize)
        guard !bytes.isEmpty else { throw CLIError.usage("signature file \(path) is empty") }
        return bytes
    }

    /// Maps a library error to the documented exit code: signature problems are 1, input problems 2.
    static func cliError(_ error: Error, context: String) -> CLIError {
        guard let error = error as? WasmSignatureError else {
            if let cli = error as? CLIError { return cli }
            return .usage("\(context): \(error)")
        }
        switch error.code {
        case .noSignatures, .verificationFailed, .malformedSignature, .unsupportedSignatureFormat:
            return .invalid("\(context): \(error.reason)")
        default:
            return .usage("\(context): \(error.reason)")
        }
    }
}
