// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "moat-codegen",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moat-codegen", targets: ["moat-codegen"])
    ],
    targets: [
        .executableTarget(
            name: "moat-codegen",
            dependencies: ["MoatCodegen"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MoatCodegen",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoatCodegenTests",
            dependencies: ["MoatCodegen"],
            swiftSettings: swiftSettings
        ),
    ]
)
