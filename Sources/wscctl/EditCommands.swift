import ArgumentParser
import WasmSignatures

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Add delimiters so that sections matching -s can be verified apart from the others.",
        discussion: ExitStatus.text("the module was written", "the module's signature is missing or malformed"))

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Module to split.")
    var input: String

    @Option(name: [.customShort("o"), .customLong("output-file")], help: "Module to write.")
    var output: String

    @Option(
        name: [.customShort("s"), .customLong("split")],
        help: "Custom sections whose name matches REGEX go with the standard sections (default: all).")
    var split: String?

    func run() throws {
        let pattern = try SectionPattern(split)
        let module = try ModuleFiles.load(input)
        try FileIO.writeAtomically(output, ModuleEditor.split(module, isSigned: pattern.matches))
    }
}

struct DetachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach", abstract: "Move an embedded signature to a separate file.",
        discussion: ExitStatus.text(
            "the module and signature were written", "the module carries no embedded signature, or it is malformed"))

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Signed module.")
    var input: String

    @Option(name: [.customShort("o"), .customLong("output-file")], help: "Module without its signature.")
    var output: String

    @Option(name: [.customShort("S"), .customLong("signature-file")], help: "Detached signature to write.")
    var signatureFile: String

    func run() throws {
        let module = try ModuleFiles.load(input)
        do {
            let (bytes, signature) = try ModuleEditor.detach(from: module)
            try FileIO.writeAtomically(signatureFile, signature)
            try FileIO.writeAtomically(output, bytes)
        } catch {
            throw ModuleFiles.cliError(error, context: input)
        }
    }
}

struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Embed a detached signature into a module.",
        discussion: ExitStatus.text("the module was written", "the signature is malformed"))

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Unsigned module.")
    var input: String

    @Option(name: [.customShort("o"), .customLong("output-file")], help: "Module with the signature embedded.")
    var output: String

    @Option(name: [.customShort("S"), .customLong("signature-file")], help: "Detached signature to embed.")
    var signatureFile: String

    func run() throws {
        let module = try ModuleFiles.load(input)
        let signature = try ModuleFiles.loadSignature(signatureFile)
        do {
            try FileIO.writeAtomically(output, ModuleEditor.attach(signatureData: signature, to: module))
        } catch {
            throw ModuleFiles.cliError(error, context: input)
        }
    }
}
