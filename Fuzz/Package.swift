// swift-tools-version: 6.0
// Fuzz targets for fulcrum's parsers, built with libFuzzer and
// AddressSanitizer by `Fuzz/run.sh` (see there for the exact flags; a plain
// `swift build` of this package does not link: libFuzzer supplies `main`).
// Kept out of the main package so that `swift build` there never builds
// them. `Fuzz/run.sh [seconds]` builds and runs every target; see README.md.
import PackageDescription

let package = Package(
    name: "fulcrum-fuzz",
    dependencies: [
        .package(name: "fulcrum", path: ".."),
    ],
    targets: [
        // What every target checks of a failure: the error type and that its
        // message names the input.
        .target(name: "FuzzSupport", dependencies: [.product(name: "FulcrumKit", package: "fulcrum")]),
        // `.npy` preamble, header dict literal (PythonLiteral), dtype, shape, data.
        .executableTarget(name: "FuzzNPY", dependencies: ["FuzzSupport", .product(name: "FulcrumKit", package: "fulcrum")]),
        // `.npz` zip reading (ZIPFoundation) and every member's `.npy`.
        .executableTarget(name: "FuzzNPZ", dependencies: ["FuzzSupport", .product(name: "FulcrumKit", package: "fulcrum")]),
        // safetensors header validation and tensor reads.
        .executableTarget(name: "FuzzSafetensors", dependencies: ["FuzzSupport", .product(name: "FulcrumKit", package: "fulcrum")]),
        // Network specs (YAML and JSON) against the fixture state dicts,
        // through shape inference and the homogeneity analysis.
        .executableTarget(name: "FuzzSpec", dependencies: ["FuzzSupport", .product(name: "FulcrumKit", package: "fulcrum")]),
    ]
)
