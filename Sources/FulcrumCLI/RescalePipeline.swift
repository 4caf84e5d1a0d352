import Evaluation
import Foundation
import Network
import Rescaling
import WeightFiles

/// Everything a rescaling method needs about one file.
struct RescaleContext {
    var file: any WeightFile
    var network: Network
    var structure: RescalingStructure
    /// Every tensor of the file except optimizer state, by name.
    var tensors: [String: Tensor]
}

/// What a rescaling method decided for one file.
struct RescaleSolution: Sendable {
    /// Log2 scale per rescaling group.
    var z: LogScales
    /// True when every scale is a power of two (outputs must be bit-identical).
    var exact: Bool
    /// The method's own report fields, in order (objective, sweeps, …).
    var fields: [(String, JSONValue)]
    /// The method's lines of the text report.
    var lines: [String]
    /// Problems worth telling the user (dead or clamped units, …).
    var warnings: [String]
}

/// The outcome of rescaling one file: written, or an error (nothing written).
struct RescaleOutcome: BatchOutcome {
    var path: String
    var output: String?
    var error: String?
    var json: JSONValue
    var lines: [String]

    var batchStatus: BatchStatus { error.map(BatchStatus.errored) ?? .passed }
}

/// The shared flow of `balance` and `align` for one file: open, build the
/// network, analyse it, solve, move the tensors, prove equivalence, write
/// atomically. A file whose proof fails is never written.
struct RescalePipeline: Sendable {
    var command: String
    var spec: URL?
    var activation: Activation
    var inputShape: [Int]?
    var verify: Bool
    var probes: Int
    var solve: @Sendable (RescaleContext) throws -> RescaleSolution

    /// Runs the flow for `path` writing to `destination`; never throws: every
    /// failure becomes the outcome's error.
    func run(path: String, destination: Result<URL, DestinationError>) -> RescaleOutcome {
        do {
            let url = try destination.get()
            return try rescale(path: path, to: url)
        } catch {
            let message = BatchSummary.prefixed("\(error)", path: path)
            return RescaleOutcome(path: path, output: nil, error: message,
                                  json: .object([("file", .string(path)), ("output", .null), ("status", .string("error")),
                                                 ("error", .string(message))]),
                                  lines: ["\(command): \(path): error: \(message)"])
        }
    }

    private func rescale(path: String, to destination: URL) throws -> RescaleOutcome {
        let file = try WeightFileOpener.open(URL(fileURLWithPath: path))
        let loaded = try NetworkLoader.load(file: file, spec: spec, activation: activation)
        var network = loaded.network
        if let inputShape { network.inputShape = inputShape }
        let structure = try rescalingStructure(of: network, file: file)
        let optimizer = Set(file.optimizerTensorNames)
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames where !optimizer.contains(name) { tensors[name] = try file.read(name) }
        try RescalePipeline.requireFinite(structure: structure, tensors: tensors, path: path)

        let solution = try solve(RescaleContext(file: file, network: network, structure: structure, tensors: tensors))
        let replacements = try RescalePipeline.moved(tensors: tensors, structure: structure, z: solution.z, path: path)

        var verification: EquivalenceReport?
        if verify {
            let tolerances = RescalePipeline.tolerances(for: replacements)
            let probeInputs: ProbeInputs? = probes > 0
                ? .seeded(count: probes, seed: ProbeInputs.defaultSeed, sampleShape: network.inputShape) : nil
            let report = try verifyEquivalence(original: TensorSource(tensors: tensors, label: path),
                                               rescaled: TensorSource(overlaying: replacements,
                                                                      on: TensorSource(tensors: tensors, label: path),
                                                                      label: "\(path) (rescaled)"),
                                               network: network, structure: structure, probes: probeInputs,
                                               tolerance: tolerances.certificate, outputTolerance: tolerances.outputs)
            try RescalePipeline.requireProof(report, exact: solution.exact, path: path)
            verification = report
        }
        try file.write(replacing: replacements, to: destination)

        var warnings = solution.warnings
        if !optimizer.isEmpty {
            warnings.append("\(optimizer.count) optimizer tensor(s) were left byte-identical; they no longer match the rescaled weights (reset the optimizer state before resuming training)")
        }
        let blocked = structure.blocked.count
        let outputPath = destination.path
        let json = JSONValue.object([
            ("file", .string(path)),
            ("output", .string(outputPath)),
            ("status", .string("written")),
            ("network", .object([("source", .string(loaded.source.rawValue)), ("nodes", .int(network.nodes.count)),
                                 ("groups", .int(structure.groups.count)), ("blocked_units", .int(blocked))])),
            ("exact", .bool(solution.exact)),
        ] + solution.fields + [
            ("scales_log2", .array(structure.groups.map { group in
                .object([("group", .int(group.id)), ("units", .array(group.units.map(JSONValue.string))),
                         ("log2_scale", .double(solution.z[group.id]))])
            })),
            ("tensors_rewritten", .array(replacements.map { .string($0.name) })),
            ("verification", verification.map(RescalePipeline.verificationJSON) ?? .null),
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("error", .null),
        ])
        var lines = ["\(command): \(path) → \(outputPath)",
                     "  network: \(network.nodes.count) nodes (\(loaded.source.rawValue)), \(structure.groups.count) rescaling groups, \(blocked) blocked units"]
        lines += network.assumptions.map { "  assumed: \($0)" }
        lines += solution.lines.map { "  " + $0 }
        if let verification {
            lines.append("  verified: " + RescalePipeline.verificationLine(verification))
        } else {
            lines.append("  not verified (--no-verify)")
        }
        lines.append("  wrote \(replacements.count) rescaled tensor(s); every other tensor byte-identical")
        lines += warnings.map { "  warning: \($0)" }
        return RescaleOutcome(path: path, output: outputPath, error: nil, json: json, lines: lines)
    }

    /// Throws when a parameter that would move holds NaN or ±Inf: no
    /// rescaling of such a network means anything, and nothing is written.
    static func requireFinite(structure: RescalingStructure, tensors: [String: Tensor], path: String) throws {
        for role in structure.parameters {
            guard let tensor = tensors[role.tensor], tensor.dtype.isFloatingPoint else { continue }
            if let index = tensor.firstNonFiniteIndex() {
                let value = tensor.value(at: index)
                throw RescaleError.nonFinite(path: path, tensor: role.tensor, index: index, value: value)
            }
        }
    }

    /// The tensors whose bytes change under `z`, moved in their own orientation.
    static func moved(tensors: [String: Tensor], structure: RescalingStructure, z: LogScales, path: String) throws -> [Tensor] {
        var result: [Tensor] = []
        for role in structure.parameters {
            guard let tensor = tensors[role.tensor] else {
                throw WeightFileError.noSuchTensor(path: path, name: role.tensor)
            }
            let rescaled = tensor.rescaled(by: z, as: role)
            if rescaled.bytes != tensor.bytes { result.append(rescaled) }
        }
        return result
    }

    /// The certificate's and the probe comparison's relative tolerances for
    /// continuous scales: the defaults, widened to a few units of rounding
    /// of the narrowest float type rewritten (a float16 weight moved by an
    /// arbitrary scale is only within 2^-11 of the exact product). Exact
    /// mode does not use them: it requires bit-exact tensors and outputs.
    static func tolerances(for tensors: [Tensor]) -> (certificate: Double, outputs: Double) {
        let roundoff = tensors.map { tensor -> Double in
            switch tensor.dtype {
            case .float16: return 0x1p-11
            case .bfloat16: return 0x1p-8
            case .float32: return 0x1p-24
            default: return 0x1p-53
            }
        }.max() ?? 0x1p-53
        return (max(EquivalenceCertifier.defaultTolerance, 4 * roundoff), max(defaultOutputTolerance, 64 * roundoff))
    }

    /// Throws unless the report proves equivalence; in exact mode the
    /// certificate must be exact and the probe outputs bit-identical.
    static func requireProof(_ report: EquivalenceReport, exact: Bool, path: String) throws {
        if !report.equivalent {
            throw RescaleError.notEquivalent(path: path, reason: report.failureDescription ?? "the certificate does not hold")
        }
        if exact {
            if !report.certificate.exact {
                throw RescaleError.notEquivalent(path: path, reason: "exact mode, but the certificate is not exact (a scaled weight overflowed or became subnormal)")
            }
            if let outputs = report.outputs, !outputs.bitIdentical {
                throw RescaleError.notEquivalent(path: path, reason: "exact mode, but the outputs on \(outputs.probes) probes are not bit-identical (max abs diff \(outputs.maxAbsDiff))")
            }
        }
    }

    static func verificationJSON(_ report: EquivalenceReport) -> JSONValue {
        .object([
            ("equivalent", .bool(report.equivalent)),
            ("certificate_exact", .bool(report.certificate.exact)),
            ("worst_relative_error", .number(report.certificate.worst?.relativeError)),
            ("probes", .int(report.outputs?.probes ?? 0)),
            ("bit_identical", report.outputs.map { .bool($0.bitIdentical) } ?? .null),
            ("max_abs_diff", .number(report.outputs?.maxAbsDiff)),
            ("max_rel_diff", .number(report.outputs?.maxRelDiff)),
        ])
    }

    static func verificationLine(_ report: EquivalenceReport) -> String {
        var text = report.certificate.exact ? "certificate exact (every tensor equals the original moved by powers of two)"
            : "certificate holds within \(report.certificate.tolerance) relative"
        if let outputs = report.outputs {
            text += outputs.bitIdentical ? "; outputs bit-identical on \(outputs.probes) probes"
                : "; outputs on \(outputs.probes) probes differ by at most \(outputs.maxAbsDiff) (relative \(outputs.maxRelDiff))"
        }
        return text
    }
}

/// Failures of the rescaling flow that are not the format's or the network's.
enum RescaleError: Error, CustomStringConvertible, Sendable {
    case nonFinite(path: String, tensor: String, index: Int, value: Double)
    case notEquivalent(path: String, reason: String)

    var description: String {
        switch self {
        case let .nonFinite(path, tensor, index, value):
            return "\(path): tensor '\(tensor)' holds \(value) at flat index \(index); refusing to rescale a network with NaN or Inf weights (nothing written)"
        case let .notEquivalent(path, reason):
            return "\(path): verification failed, nothing written: \(reason)"
        }
    }
}
