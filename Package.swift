// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "wsc",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "WSCCrypto", targets: ["WSCCrypto"]),
        .library(name: "WasmSignatures", targets: ["WasmSignatures"]),
        .library(name: "WSCJSON", targets: ["WSCJSON"]),
        .library(name: "TrustStore", targets: ["TrustStore"]),
        .library(name: "WSCClient", targets: ["WSCClient"]),
        .library(name: "WSCProtocol", targets: ["WSCProtocol"]),
        .library(name: "WSCConfiguration", targets: ["WSCConfiguration"]),
        .library(name: "Sigstore", targets: ["Sigstore"]),
        .library(name: "KeylessWasm", targets: ["KeylessWasm"]),
        .library(name: "TUF", targets: ["TUF"]),
        .library(name: "WSCTPM", targets: ["WSCTPM"]),
        .executable(name: "wscctl", targets: ["wscctl"]),
        .executable(name: "wscd", targets: ["wscd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The logging API (issue 14): one Logger type for the daemon, the trust store and TUF; wsc's own handler
        // (WSCPlatform's SystemLogHandler) writes to journald or stderr, tests capture with InMemoryLogging.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C glue only: macros and variadics made callable from Swift, linked through pkg-config.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // libcurl's headers only (the Makefile checks it with pkg-config); CWSCCurl loads the library with dlopen on
        // the first fetch, so no process links it at start-up.
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CWSCCurl", dependencies: ["CCurl"]),
        // A TPM 2.0 NV counter through libtss2-esys and libtss2-tctildr, loaded with dlopen on first use (the TSS
        // headers come from libtss2-dev); only processes configured with a TPM map them.
        .target(name: "CWSCTPM"),
        // The TPM anti-rollback counter (TrustStore's RollbackCounter) and its provisioning; wscd and wscctl only.
        .target(name: "WSCTPM", dependencies: ["CWSCTPM", "TrustStore"]),

        // The only Swift module that imports OpenSSL.
        // PKCS#11 tokens through the standard C API (module loaded with dlopen when a pkcs11: key is used); the
        // header comes from p11-kit (libp11-kit-dev).
        .target(name: "CWSCPKCS11", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "WSCCrypto", dependencies: ["COpenSSL", "CWSCPKCS11"]),
        // Platform glue: the systemd notify protocol, socket activation, the watchdog, journald, and atomic files.
        .target(name: "WSCPlatform", dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]),
        .target(name: "WSCFiles"),
        .target(name: "WasmSignatures", dependencies: ["WSCCrypto"]),
        // Strict JSON reader, OLPC canonical JSON and a plain writer; pure Swift, no Foundation.
        .target(name: "WSCJSON"),
        // Offline Sigstore bundle verification; key-signed bundle writing (wscd, wscctl sign). Below TrustStore.
        .target(name: "Sigstore", dependencies: ["WSCCrypto", "WSCJSON"]),
        // Keyless (Sigstore) signatures for wasm modules: detached bundle files and the embedded
        // `sigstore.bundle` section; joins Sigstore and WasmSignatures without either knowing the other.
        .target(name: "KeylessWasm", dependencies: ["Sigstore", "WasmSignatures", "WSCCrypto"]),
        .target(
            name: "TrustStore",
            dependencies: [
                "WSCCrypto", "WasmSignatures", "WSCJSON", "Sigstore", "KeylessWasm", "WSCFiles", "CWSCSys",
                "WSCProtocol", .product(name: "Logging", package: "swift-log"),
            ]),
        // TUF 1.0 client (spec section 5): metadata model, trusted set, updater, libcurl and directory fetchers.
        .target(
            name: "TUF",
            dependencies: [
                "WSCCrypto", "WSCJSON", "WSCFiles", "CCurl", "CWSCCurl",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // GNU-only socket calls (accept4, SO_PEERCRED, SCM_RIGHTS) that Swift's Glibc module hides.
        .target(name: "CWSCSys", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "WSCProtocol", dependencies: ["WSCJSON"]),
        .target(name: "WSCClient", dependencies: ["WSCProtocol", "WSCJSON", "CWSCSys"]),
        .target(
            name: "WSCDaemon",
            dependencies: [
                "WSCProtocol", "WSCJSON", "WSCCrypto", "WasmSignatures", "TrustStore", "Sigstore", "WSCPlatform",
                "WSCFiles", "WSCConfiguration", "CWSCSys", "TUF", "WSCTPM",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "wscd", dependencies: ["WSCDaemon"]),
        // wscd's configuration file (/etc/wscd/wscd.toml): strict TOML, every error with file and line.
        .target(name: "WSCConfiguration"),
        .executableTarget(
            name: "wscctl",
            dependencies: [
                "WSCCrypto", "WasmSignatures", "TrustStore", "WSCJSON", "WSCClient", "WSCProtocol", "Sigstore",
                "KeylessWasm", "TUF", "WSCFiles", "WSCTPM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "WSCCryptoTests", dependencies: ["WSCCrypto", "WSCTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "WSCPlatformTests",
            dependencies: ["WSCPlatform", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "WSCFilesTests", dependencies: ["WSCFiles"]),
        .testTarget(name: "WasmSignaturesTests", dependencies: ["WasmSignatures", "WSCCrypto"]),
        .testTarget(name: "WSCJSONTests", dependencies: ["WSCJSON"]),
        // Helpers more than one test target uses (real tokens: SoftHSM2 and swtpm, started per test); only test
        // targets depend on it.
        .target(name: "WSCTestSupport", path: "Tests/WSCTestSupport"),
        .testTarget(
            name: "wscctlTests",
            dependencies: ["WSCCrypto", "WasmSignatures", "TrustStore", "WSCTPM", "WSCTestSupport"]),
        .testTarget(
            name: "WSCDaemonTests",
            dependencies: [
                "WSCClient", "WSCProtocol", "WSCJSON", "TrustStore", "WSCCrypto", "WasmSignatures", "Sigstore",
                "CWSCSys", "WSCTPM", "WSCTestSupport",
            ]),
        .testTarget(name: "WSCConfigurationTests", dependencies: ["WSCConfiguration"]),
        .testTarget(name: "WSCProtocolTests", dependencies: ["WSCProtocol", "WSCJSON"]),
        .testTarget(name: "WSCClientTests", dependencies: ["WSCClient", "WSCProtocol", "WSCJSON", "CWSCSys"]),
        .testTarget(name: "SigstoreTests", dependencies: ["Sigstore", "WSCCrypto", "WSCJSON"]),
        .testTarget(
            name: "KeylessWasmTests",
            dependencies: ["KeylessWasm", "Sigstore", "WasmSignatures", "WSCCrypto", "WSCJSON", "WSCTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "TUFTests",
            dependencies: [
                "TUF", "WSCCrypto", "WSCJSON", .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]),
        .testTarget(
            name: "TrustStoreTests",
            dependencies: [
                "TrustStore", "WSCCrypto", "WasmSignatures", "WSCJSON", "Sigstore", "WSCTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
