// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "moat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moat", targets: ["moat"]),
        .library(name: "MoatTokenVerifier", targets: ["MoatTokenVerifier"]),
        .library(name: "MoatTokenVerifierHummingbird", targets: ["MoatTokenVerifierHummingbird"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .executableTarget(
            name: "moat",
            dependencies: [
                "MoatApp", "MoatWire", "MoatLambda", "MoatCognito",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatApp",
            dependencies: [
                "MoatCore", "MoatWire", "MoatStorage", "MoatIAM", "MoatLambda", "MoatLogs", "MoatCognito", "MoatAPIGateway", "MoatTokenVerifier",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatWire",
            dependencies: [
                "MoatCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatStorage",
            dependencies: [
                "MoatCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatPolicy",
            dependencies: ["MoatCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatIAM",
            dependencies: [
                "MoatCore", "MoatPolicy", "MoatStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "MoatCognito",
            dependencies: [
                "MoatCore", "MoatStorage", "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatLambda",
            dependencies: [
                "MoatCore", "MoatStorage", "MoatPolicy", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Runtimes")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatLogs",
            dependencies: [
                "MoatCore", "MoatStorage",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatAPIGateway",
            dependencies: [
                "MoatCore", "MoatStorage", "MoatPolicy",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatTokenVerifier",
            dependencies: [
                "MoatCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatTokenVerifierHummingbird",
            dependencies: [
                "MoatTokenVerifier",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatTesting",
            dependencies: [
                "MoatCore", "MoatWire", "MoatApp", "MoatStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzz harnesses: replay executables in a normal build, libFuzzer targets under scripts/fuzz.sh (Fuzz/README.md).
        .executableTarget(
            name: "MoatFuzzQuery",
            dependencies: [
                "MoatWire", "MoatCore", "MoatIAM",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Fuzz/Query",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MoatFuzzJSON",
            dependencies: [
                "MoatWire", "MoatCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Fuzz/JSON",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MoatFuzzRestJSON",
            dependencies: [
                "MoatWire", "MoatCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Fuzz/RestJSON",
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "MoatFuzzSigV4", dependencies: ["MoatWire", "MoatCore"], path: "Fuzz/SigV4", swiftSettings: swiftSettings),
        .executableTarget(
            name: "MoatFuzzPolicy",
            dependencies: ["MoatPolicy", "MoatCore"],
            path: "Fuzz/Policy",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MoatCoreTests", dependencies: ["MoatCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MoatWireTests",
            dependencies: ["MoatWire", "MoatCore", "MoatTesting"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoatStorageTests",
            dependencies: [
                "MoatStorage", "MoatTesting",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MoatPolicyTests", dependencies: ["MoatPolicy", "MoatCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MoatIAMTests",
            dependencies: [
                "MoatIAM", "MoatPolicy", "MoatCore", "MoatStorage", "MoatTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoatLambdaTests",
            dependencies: [
                "MoatLambda", "MoatCore", "MoatStorage", "MoatTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoatCognitoTests",
            dependencies: [
                "MoatCognito", "MoatCore", "MoatStorage", "MoatTesting", "COpenSSL",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["Python"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoatLogsTests",
            dependencies: [
                "MoatLogs", "MoatCore", "MoatStorage", "MoatTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoatAPIGatewayTests",
            dependencies: [
                "MoatAPIGateway", "MoatCore", "MoatStorage", "MoatTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoatAppTests",
            dependencies: [
                "MoatApp", "MoatTesting", "MoatCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoatTokenVerifierTests",
            dependencies: [
                "MoatTokenVerifier", "MoatTokenVerifierHummingbird", "MoatCognito", "MoatCore", "MoatStorage", "MoatTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
