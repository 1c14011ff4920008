// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Spotlight",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "spotlight", targets: ["spotlight"]),
        .library(name: "SpotlightModel", targets: ["SpotlightModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // Layer 1: operation graph, cluster, placement, formats, stages.
        .target(
            name: "SpotlightModel",
            dependencies: [.product(name: "HeapModule", package: "swift-collections")]
        ),
        // Layer 2: the discrete-event simulator, the lower bound, trace export.
        .target(name: "SpotlightSimulation", dependencies: ["SpotlightModel"]),
        // METIS, for the graph-partitioning baseline (Debian's libmetis-dev ships no pkg-config file).
        .systemLibrary(name: "CMetis", path: "Sources/CMetis", providers: [.apt(["libmetis-dev"])]),
        // Layer 3: the placers, the policy network and the optimizers.
        .target(name: "SpotlightSearch", dependencies: [
            "SpotlightModel", "SpotlightSimulation", "CMetis",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // Layer 6: the command line.
        .executableTarget(
            name: "spotlight",
            dependencies: [
                "SpotlightModel",
                "SpotlightSimulation",
                "SpotlightSearch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SpotlightModelTests", dependencies: ["SpotlightModel"]),
        .testTarget(name: "SpotlightSimulationTests", dependencies: ["SpotlightSimulation"]),
        .testTarget(name: "SpotlightSearchTests", dependencies: ["SpotlightSearch"]),
        .testTarget(
            name: "SpotlightEndToEndTests",
            dependencies: ["spotlight"],
            resources: []
        ),
    ],
    swiftLanguageModes: [.v6]
)
