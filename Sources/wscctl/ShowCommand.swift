import ArgumentParser
import WSCCrypto
import WasmSignatures

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print a module's sections and signatures.",
        discussion: ExitStatus.text("the module was described", "its signature section is malformed"))

    @Option(name: [.customShort("i"), .customLong("input-file")], help: "Module to inspect.")
    var input: String

    @Option(name: [.customShort("S"), .customLong("signature-file")], help: "Detached signature file to inspect too.")
    var signatureFile: String?

    @Flag(help: "Print as JSON.")
    var json = false

    struct SectionInfo: Encodable {
        let index: Int
        let id: Int
        let name: String
        let offset: Int
        let size: Int
    }

    struct EntryInfo: Encodable {
        let keyId: String?
        let algorithm: String?
        let signatureLength: Int?
        let extraBytes: Int?
        let malformed: String?
    }

    struct RecordInfo: Encodable {
        let hashes: [String]
        let signatures: [EntryInfo]
    }

    struct Report: Encodable {
        let module: String
        let kind: String
        let size: Int
        let sections: [SectionInfo]
        let signatureSource: String?
        let signatureError: String?
        let records: [RecordInfo]?
        let partHashes: [String]
    }

    func run() throws {
        let module = try ModuleFiles.load(input)
        let sections = module.sections.enumerated().map { i, s in
            SectionInfo(
                index: i, id: Int(s.id), name: s.displayName, offset: s.range.lowerBound,
                size: s.payloadRange.count)
        }
        var source: String?
        var rawSignature: [UInt8]?
        var signatureError: String?
        do {
            if let signatureFile {
                rawSignature = try ModuleFiles.loadSignature(signatureFile)
                source = "detached: \(signatureFile)"
            } else if let section = try module.signatureSection() {
                rawSignature = Array(module.data(of: section))
                source = "embedded"
            }
        } catch let error as WasmSignatureError {
            signatureError = error.reason
        }
        var records: [RecordInfo]?
        if let rawSignature {
            do {
                let data = try SignatureData(parsing: rawSignature)
                records = data.records.map { record in
                    RecordInfo(
                        hashes: record.hashes.map(Hex.encode),
                        signatures: record.signatures.map { entry in
                            switch entry {
                            case .signature(let s):
                                return EntryInfo(
                                    keyId: s.keyID.map(Hex.encode),
                                    algorithm: s.algorithm == SignatureForHashes.ed25519
                                        ? "Ed25519" : "unknown (0x\(String(s.algorithm, radix: 16)))",
                                    signatureLength: s.signature.count,
                                    extraBytes: s.trailer.isEmpty ? nil : s.trailer.count,
                                    malformed: nil)
                            case .malformed(_, let reason):
                                return EntryInfo(
                                    keyId: nil, algorithm: nil, signatureLength: nil, extraBytes: nil, malformed: reason
                                )
                            }
                        })
                }
            } catch let error as WasmSignatureError {
                signatureError = error.reason
            }
        }
        let report = Report(
            module: input, kind: module.kind.rawValue, size: module.bytes.count, sections: sections,
            signatureSource: source, signatureError: signatureError, records: records,
            partHashes: ModuleParts(module: module).hashes.map(Hex.encode))
        if json {
            printJSON(report)
            return
        }
        print("\(TerminalText.escape(input)): \(report.kind), \(report.size) bytes, \(sections.count) section(s)")
        for s in sections { print("  \(s.index):\t\(s.name)\t\(s.size) bytes at offset \(s.offset)") }
        if let signatureError { print("signature: unreadable: \(signatureError)") }
        guard let records else {
            if signatureError == nil { print("signature: none") }
            return
        }
        print("signature (\(source ?? "")): \(records.count) signed-hash record(s)")
        for (r, record) in records.enumerated() {
            print("  record \(r): \(record.hashes.count) part hash(es)")
            for h in record.hashes { print("    hash \(h)") }
            for (i, e) in record.signatures.enumerated() {
                if let malformed = e.malformed {
                    print("    signature \(i): malformed entry (\(malformed))")
                } else {
                    print(
                        "    signature \(i): \(e.algorithm ?? ""), key id \(e.keyId ?? "none"), \(e.signatureLength ?? 0) bytes"
                            + (e.extraBytes.map { ", \($0) extra bytes (ignored)" } ?? ""))
                }
            }
        }
    }
}
