import ArgumentParser
import TrustStore
import WSCTPM

/// `wscctl state`: the node's anti-rollback hardware.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Provision and inspect the TPM anti-rollback counter (docs/operations.md).",
        subcommands: [StateTPMInitCommand.self, StateTPMStatusCommand.self])
}

enum TPMOptions {
    static func parseIndex(_ text: String) throws -> UInt32 {
        let value = text.hasPrefix("0x") || text.hasPrefix("0X") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
        guard let value, (0x0100_0000...0x01FF_FFFF).contains(value) else {
            throw ValidationError("\(text) is not an owner NV index (0x01000000...0x01FFFFFF), e.g. 0x01500016")
        }
        return value
    }
}

struct TPMArguments: ParsableArguments {
    @Option(help: "TCTI of the TPM (wscd's [state] tpm2_tcti).")
    var tcti: String = "device:/dev/tpmrm0"

    @Option(help: "NV index of the counter (wscd's [state] tpm2_nv_index).", transform: TPMOptions.parseIndex)
    var nvIndex: UInt32 = TPMCounter.defaultIndex

    var counter: TPMCounter { TPMCounter(tcti: tcti, index: nvIndex) }
}

struct StateTPMInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tpm-init",
        abstract: "Define the TPM NV counter wscd's rollback_counter = \"tpm2\" uses (once per node, as root).",
        discussion: """
            Defines an 8-byte TPM2_NT_COUNTER index under the owner hierarchy (empty owner password), readable and \
            incrementable with its own empty authorization. The counter is used from the first install on: start \
            wscd (or `wscctl bundle install --tpm-tcti ...`) with an empty state directory afterwards.

            --replace undefines an existing index first: every state directory committed with the old counter is \
            then refused, so use it only to re-provision (docs/operations.md, "Stale state").

            \(ExitStatus.helpText)
            """)

    @OptionGroup var tpm: TPMArguments

    @Flag(help: "Undefine an existing index first (re-provisioning).")
    var replace = false

    func run() throws {
        let counter = tpm.counter
        do {
            let replaced = try counter.define(replacing: replace)
            print("\(replaced ? "re-defined" : "defined") \(counter.name) as a TPM2_NT_COUNTER (not used yet)")
        } catch let error as TrustStoreError {
            throw CLIError.invalid(error.reason)
        }
    }
}

struct StateTPMStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tpm-status", abstract: "Show the TPM NV counter's value.", discussion: ExitStatus.helpText)

    @OptionGroup var tpm: TPMArguments

    func run() throws {
        let counter = tpm.counter
        do {
            let status = try counter.status()
            guard status.defined else {
                throw CLIError.invalid("\(counter.name) is not defined: run `wscctl state tpm-init`")
            }
            print("\(counter.name): \(status.value.map { "value \($0)" } ?? "defined, not used yet")")
        } catch let error as TrustStoreError {
            throw CLIError.invalid(error.reason)
        }
    }
}
