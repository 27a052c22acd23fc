// swift-tools-version:6.0
// wsc fuzz targets (libFuzzer): a separate package so that the root package's build and tests stay untouched.
// Build and run: make fuzz (or sh Fuzz/fuzz.sh); see docs/fuzzing.md. The root package's modules are built with
// `-enable-testing` so that internal parsers (LEB128, TUF metadata, the policy document) can be reached.
import PackageDescription

let package = Package(
    name: "wsc-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "wsc", path: "..")
    ],
    targets: [
        // One executable holds every target; WSC_FUZZ_TARGET chooses which one runs. libFuzzer provides `main`.
        .executableTarget(
            name: "wsc-fuzz",
            dependencies: [
                .product(name: "WSCCrypto", package: "wsc"),
                .product(name: "WasmSignatures", package: "wsc"),
                .product(name: "WSCJSON", package: "wsc"),
                .product(name: "TrustStore", package: "wsc"),
                .product(name: "WSCProtocol", package: "wsc"),
                .product(name: "WSCConfiguration", package: "wsc"),
                .product(name: "Sigstore", package: "wsc"),
                .product(name: "KeylessWasm", package: "wsc"),
                .product(name: "TUF", package: "wsc"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ],
    swiftLanguageModes: [.v6]
)
