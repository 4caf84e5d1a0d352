import ArgumentParser
import Foundation
import Network

/// Where the network of a weight file comes from, for the commands that
/// rescale or compare files.
struct NetworkOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp(
        "A network spec (YAML or JSON) naming the tensors and the wiring, for files that do not carry their architecture.",
        valueName: "spec"), completion: .file(extensions: ["yaml", "yml", "json"]))
    var spec: String?

    @Option(name: .long, help: ArgumentHelp(
        "The activation assumed between layers when the network is inferred from tensor names: relu, leaky_relu (or leaky_relu:0.2), identity, or a blocker such as tanh.",
        valueName: "activation"))
    var activation = "relu"

    @Option(name: .long, help: ArgumentHelp(
        "One sample's input shape in the layout's order, e.g. 1,8,8 (C,H,W for PyTorch, H,W,C for Keras), when the file does not say.",
        valueName: "shape"))
    var inputShape: String?

    init() {}

    func validate() throws {
        _ = try parsedInputShape()
        if activation.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--activation needs a name, e.g. relu")
        }
    }

    /// `--input-shape` as positive integers, or nil when not given.
    func parsedInputShape() throws -> [Int]? {
        guard let inputShape else { return nil }
        let parts = inputShape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--input-shape must be positive integers separated by commas, e.g. 1,8,8; got '\(inputShape)'")
        }
        return parts.compactMap { $0 }
    }

    var specURL: URL? { spec.map { URL(fileURLWithPath: $0) } }
    var activationValue: Activation { Activation.named(activation, defaultLeakySlope: 0.01) }
}

/// Where rescaled files are written: exactly one of `-o`, `--out-dir`,
/// `--in-place`.
struct OutputOptions: ParsableArguments, Sendable {
    @Option(name: [.customShort("o"), .long], help: ArgumentHelp(
        "Write the result to this file (only with a single input file).", valueName: "out"),
        completion: .file())
    var output: String?

    @Option(name: .long, help: ArgumentHelp(
        "Write each result into this directory, under its input's file name.", valueName: "dir"),
        completion: .directory)
    var outDir: String?

    @Flag(name: .long, help: "Replace each input file with its result (still atomic: a failure leaves the original).")
    var inPlace = false

    init() {}

    func validate() throws {
        let chosen = [output != nil, outDir != nil, inPlace].filter { $0 }.count
        guard chosen == 1 else {
            throw ValidationError("Say where the result goes: exactly one of -o OUT, --out-dir DIR or --in-place.")
        }
    }

    /// Destinations for `items`, in order. `-o` needs exactly one item; two
    /// items landing on one path in `--out-dir` is an error for the second.
    func destinations(for items: [BatchItem]) throws -> [Result<URL, DestinationError>] {
        if let output {
            guard items.count == 1 else {
                throw ValidationError("-o names one output file, but \(items.count) input files were found; use --out-dir or --in-place.")
            }
            return [.success(URL(fileURLWithPath: output))]
        }
        if inPlace { return items.map { .success(URL(fileURLWithPath: $0.path)) } }
        let directory = URL(fileURLWithPath: outDir ?? ".")
        var taken: [String: String] = [:]
        return items.map { item in
            let name = URL(fileURLWithPath: item.path).lastPathComponent
            let destination = directory.appendingPathComponent(name)
            if let first = taken[destination.path] {
                return .failure(DestinationError(message: "\(item.path): its output \(destination.path) is already the output of \(first); give the files distinct names or use --in-place"))
            }
            taken[destination.path] = item.path
            return .success(destination)
        }
    }

    /// Creates `--out-dir` if needed.
    func prepare() throws {
        guard let outDir else { return }
        do {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        } catch {
            throw BatchError.cannotWrite(path: outDir, reason: "cannot create the output directory: \(error.localizedDescription)")
        }
    }
}

/// A per-file problem with its destination.
struct DestinationError: Error, CustomStringConvertible, Sendable {
    var message: String
    var description: String { message }
}

/// The proof a rescaling command runs before it writes, and its reports.
struct VerificationOptions: ParsableArguments, Sendable {
    @Flag(name: .customLong("no-verify"), help: "Skip the equivalence proof before writing (not recommended).")
    var skipVerification = false

    @Option(name: .long, help: ArgumentHelp(
        "Seeded random probe inputs evaluated on both networks before writing (0: certificate only).", valueName: "n"))
    var probes = 8

    @Flag(name: .long, help: "Print one JSON document (keys documented in the command's help) instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Also write the JSON report to this file.", valueName: "file"),
            completion: .file())
    var report: String?

    init() {}

    func validate() throws {
        guard probes >= 0 else { throw ValidationError("--probes must be 0 or more, got \(probes)") }
    }
}
