// swift-tools-version: 6.1
// Benchmarks for fulcrum: a package of its own, so that the main package
// (and CI, which builds only the main package) never depends on the
// benchmark framework. Run from this directory:
//   swift package benchmark                      # 3M and 33M models
//   FULCRUM_BENCH_LARGE=1 swift package benchmark # adds the 130M model
// See docs/performance.md.
import PackageDescription

let package = Package(
    name: "fulcrum-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(name: "fulcrum", path: ".."),
    ],
    targets: [
        // Generated models: deep ReLU MLPs made unbalanced by random
        // function-preserving scales, written as safetensors.
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "FulcrumKit", package: "fulcrum")],
            path: "Sources/BenchmarkSupport"
        ),
        // The command-line helper of side_by_side.sh: generates a model,
        // and times solver sweeps next to a plain memory copy.
        .executableTarget(
            name: "fulcrum-bench",
            dependencies: ["BenchmarkSupport", .product(name: "FulcrumKit", package: "fulcrum")],
            path: "Sources/fulcrum-bench"
        ),
        .executableTarget(
            name: "FileIO",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "FulcrumKit", package: "fulcrum"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/FileIO",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Balance",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "FulcrumKit", package: "fulcrum"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Balance",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Align",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "FulcrumKit", package: "fulcrum"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Align",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Diff",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "FulcrumKit", package: "fulcrum"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Diff",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
