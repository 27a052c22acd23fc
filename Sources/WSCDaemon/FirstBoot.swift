import Logging
import TrustStore
import WSCConfiguration
import WSCFiles

/// A state directory without anti-rollback state. Without a hardware counter, a first boot and a deleted state
/// directory look the same, so wscd says loudly which one it assumed, and `[state] require_existing` lets a
/// node provisioned once refuse instead.
enum FirstBoot {
    static func begin(_ store: TrustStore, config: DaemonConfiguration, log: Logger, checkOnly: Bool) throws {
        let directory = config.state.directory
        if config.state.requireExisting {
            throw TrustStoreError(
                .stateMissing,
                "\(directory)/state.json does not exist and [state] require_existing = true: this node's anti-rollback state was deleted or never provisioned. Restore \(directory) from this node's backup, or re-provision it with `wscctl bundle install --state-dir \(directory) -i BUNDLE --pinned-key KEY` using a bundle at least as new as the last one this node accepted, then start wscd."
            )
        }
        guard let initial = config.trust.initialBundle else {
            log.warning(
                "first boot: no anti-rollback state in \(directory) and no initial_bundle; install a trust bundle with `wscctl rotate --bundle FILE`. If this node was in service, its state was deleted: older bundles are accepted again until a newer one is installed",
                metadata: ["first_boot": "1"])
            return
        }
        guard let bytes = try AtomicFile.read(initial, limit: SealCheck.maximumEnvelopeSize) else {
            throw DaemonError("initial_bundle \(initial) does not exist")
        }
        if checkOnly {
            // Only check: installing would write the state, which belongs to the running wscd if there is one.
            guard let pinned = store.pinned else {
                throw DaemonError("initial_bundle \(initial) needs [trust] pinned_keys to be installed")
            }
            let context = SealCheck.Context(
                authorizing: pinned, counter: 0, activeDigest: nil, time: store.trustedTime())
            let sealed = try SealCheck.check(bytes, context: context)
            print("first boot: initial_bundle \(initial) (version \(sealed.version)) would be installed")
            return
        }
        let sealed = try store.install(bytes)
        if config.state.rollbackCounter == .tpm2 {
            // The load refused a missing state on a used counter: this one was never used, a genuine first boot.
            log.notice(
                "first boot: no anti-rollback state in \(directory) and the TPM counter was never used; installed the initial trust bundle version \(sealed.version), committed at TPM value \(store.state?.tpmCounter.map { "\($0)" } ?? "-")",
                metadata: ["first_boot": "1", "bundle_version": "\(sealed.version)"])
            return
        }
        log.warning(
            "first boot: no anti-rollback state in \(directory); installed the initial trust bundle version \(sealed.version). Without a TPM a deleted state directory looks the same: if this node was in service, check why its state is gone, and set [state] require_existing = true on provisioned nodes",
            metadata: ["first_boot": "1", "bundle_version": "\(sealed.version)"])
    }
}
