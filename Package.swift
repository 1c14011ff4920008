// swift-tools-version: 6.0
import PackageDescription

/// The simulator and the policy math are compiled with optimisation even in debug builds:
/// unoptimised, the generic SIMD code of the policy runs a hundred times slower or more, which
/// makes `swift test` and a debug `spotlight` crawl.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Spotlight",
    platforms: [.macOS(.v15)],
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
            dependencies: ["CZlib", .product(name: "HeapModule", package: "swift-collections")]
        ),
        // zlib, so that large sample graphs can be committed and read gzip-compressed.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Layer 2: the discrete-event simulator, the lower bound, trace export.
        .target(name: "SpotlightSimulation", dependencies: ["SpotlightModel"], swiftSettings: optimizedInDebug),
        // METIS, for the graph-partitioning baseline (libmetis-dev ships no pkg-config file).
        .systemLibrary(name: "CMetis", path: "Sources/CMetis", providers: [.apt(["libmetis-dev"])]),
        // The POSIX and glibc calls Swift's Glibc module lacks (pipe2, mallopt).
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        // Layer 3: the placers, the policy network and the optimizers.
        .target(name: "SpotlightSearch", dependencies: [
            "SpotlightModel", "SpotlightSimulation", "CMetis", "CSystem",
            .product(name: "RealModule", package: "swift-numerics"),
        ], swiftSettings: optimizedInDebug),
        // Layer 4: the explorer's state, layout and widgets, drawn into a cell grid (no terminal).
        .target(name: "SpotlightExplorer", dependencies: ["SpotlightModel", "SpotlightSimulation", "SpotlightSearch"]),
        // ncursesw, through a small C shim for the macros and globals Swift cannot import.
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses", providers: [.apt(["libncurses-dev"])]),
        // Layer 5: the terminal backend, the only code that calls ncurses.
        .target(name: "SpotlightTerminal", dependencies: ["SpotlightExplorer", "CNcurses"]),
        // Layer 6: the command line.
        .executableTarget(
            name: "spotlight",
            dependencies: [
                "SpotlightModel",
                "SpotlightSimulation",
                "SpotlightSearch",
                "SpotlightExplorer",
                "SpotlightTerminal",
                "CSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SpotlightModelTests", dependencies: ["SpotlightModel"]),
        .testTarget(name: "SpotlightSimulationTests", dependencies: ["SpotlightSimulation"]),
        // What several test targets share: the slow suites' tag and the quick loop's trait.
        .target(name: "SpotlightTestSupport", path: "Tests/SpotlightTestSupport"),
        .testTarget(name: "SpotlightSearchTests", dependencies: ["SpotlightSearch", "SpotlightTestSupport"]),
        .testTarget(name: "SpotlightExplorerTests", dependencies: ["SpotlightExplorer"], exclude: ["Snapshots"]),
        .testTarget(
            name: "SpotlightEndToEndTests",
            dependencies: ["spotlight", "SpotlightTestSupport"],
            resources: []
        ),
    ],
    swiftLanguageModes: [.v6]
)
