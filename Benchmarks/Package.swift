// swift-tools-version:6.0
// wsc benchmarks: a separate package so that the root package's build and tests stay untouched.
// Build: swift build -c release --package-path Benchmarks   (or run everything: sh Benchmarks/run.sh)
import PackageDescription

let package = Package(
    name: "wsc-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "wsc", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "wsc-bench",
            dependencies: [
                .product(name: "WSCCrypto", package: "wsc"),
                .product(name: "WasmSignatures", package: "wsc"),
            ]
        ),
        .executableTarget(
            name: "wscd-bench",
            dependencies: [
                .product(name: "WSCCrypto", package: "wsc"),
                .product(name: "WasmSignatures", package: "wsc"),
                .product(name: "TrustStore", package: "wsc"),
                .product(name: "WSCClient", package: "wsc"),
                .product(name: "WSCProtocol", package: "wsc"),
                .product(name: "WSCJSON", package: "wsc"),
            ]
        ),
        // In-process keyless (Sigstore bundle) verification: `sh Benchmarks/keyless.sh`.
        .executableTarget(
            name: "keyless-bench",
            dependencies: [
                .product(name: "Sigstore", package: "wsc"),
                .product(name: "KeylessWasm", package: "wsc"),
                .product(name: "TrustStore", package: "wsc"),
                .product(name: "WSCCrypto", package: "wsc"),
                .product(name: "WSCJSON", package: "wsc"),
            ]
        ),
        // TUF refresh cost: an unchanged refresh and one that rotates the root three times (`sh Benchmarks/tuf.sh`).
        .executableTarget(
            name: "tuf-bench",
            dependencies: [
                .product(name: "TUF", package: "wsc"),
                .product(name: "WSCCrypto", package: "wsc"),
                .product(name: "WSCJSON", package: "wsc"),
            ]
        ),
        // Signing time per operation with file, SoftHSM2 and swtpm keys (`sh Benchmarks/keys.sh`).
        .executableTarget(
            name: "keys-bench",
            dependencies: [.product(name: "WSCCrypto", package: "wsc")]
        ),
        // Rotate (commit) cost with and without the TPM anti-rollback counter, against swtpm (`sh Benchmarks/tpm.sh`).
        .executableTarget(
            name: "tpm-bench",
            dependencies: [
                .product(name: "TrustStore", package: "wsc"),
                .product(name: "WSCTPM", package: "wsc"),
                .product(name: "WSCCrypto", package: "wsc"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
