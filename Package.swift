// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "fulcrum",
    products: [
        .executable(name: "fulcrum", targets: ["fulcrum"]),
        // The library: `import FulcrumKit` re-exports the modules below it.
        .library(name: "FulcrumKit", targets: ["FulcrumKit", "WeightFiles", "Network", "Rescaling", "Evaluation", "Audit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C layer: the only place raw C headers are imported.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Safe Swift over libhdf5: files, groups, datasets, attributes, errors.
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        // Tensors and every weight-file format, read and atomic write-back.
        .target(name: "WeightFiles", dependencies: [
            "HDF5",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // The network graph, its builders and the homogeneity analysis.
        .target(name: "Network", dependencies: [
            "WeightFiles",
            .product(name: "Yams", package: "Yams"),
        ]),
        // Objectives, solvers, exact power-of-two mode, applying scales.
        .target(name: "Rescaling", dependencies: ["Network", "WeightFiles", "CBLAS"]),
        // Forward evaluation (BLAS), probes, the equivalence certificate.
        .target(name: "Evaluation", dependencies: ["Network", "WeightFiles", "Rescaling", "CBLAS"]),
        // Network health metrics, thresholds and text/JSON/JUnit reports.
        .target(name: "Audit", dependencies: [
            "Network", "WeightFiles", "Rescaling", "Evaluation", "CBLAS",
            .product(name: "Yams", package: "Yams"),
        ]),
        // The library facade: open, analyse, balance, align, prove, audit,
        // write one file; re-exports the modules above.
        .target(name: "FulcrumKit", dependencies: ["WeightFiles", "Network", "Rescaling", "Evaluation", "Audit"]),
        // The command line: one file per subcommand.
        .target(name: "FulcrumCLI", dependencies: [
            "FulcrumKit", "WeightFiles", "Network", "Rescaling", "Evaluation", "Audit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "fulcrum", dependencies: ["FulcrumCLI"]),

        // Shared test helpers: fixture paths, running the built tool.
        .target(name: "TestSupport", dependencies: ["WeightFiles", "HDF5"], path: "Tests/Support"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "WeightFilesTests", dependencies: ["WeightFiles", "TestSupport"]),
        .testTarget(name: "NetworkTests", dependencies: ["Network", "WeightFiles", "Rescaling", "TestSupport"]),
        .testTarget(name: "RescalingTests", dependencies: ["Rescaling", "Network", "WeightFiles", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["FulcrumCLI", "WeightFiles", "Network", "Evaluation", "TestSupport"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "Network", "WeightFiles", "TestSupport"]),
        .testTarget(name: "FulcrumKitTests", dependencies: ["FulcrumKit"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Rescaling", "Network", "WeightFiles", "TestSupport"]),
    ]
)
