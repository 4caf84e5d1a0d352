import FulcrumKit
import Foundation

/// What the command line reports about a rescaling method's result.
struct RescaleSolution: Sendable {
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

/// The shared flow of `balance` and `align` for one file, around the
/// library's `Model` and `Rebalancer`: open, build the network, analyse
/// it, solve, move the tensors, prove equivalence, write atomically, then
/// the report. A file whose proof fails is never written.
struct RescalePipeline<Report: Sendable>: Sendable {
    var command: String
    var spec: URL?
    var activation: Activation
    var inputShape: [Int]?
    var rebalancer: Rebalancer
    /// How the model holds its tensors: `balance` reads them from the file
    /// on demand (memory stays near the size of the rescaled tensors),
    /// `align` keeps them in memory (its path kernel visits them all).
    var loading: TensorLoading
    /// The method: solve and prove one model.
    var rescale: @Sendable (Rebalancer, Model) throws -> RescaleResult<Report>
    /// The method's report fields, lines and warnings.
    var describe: @Sendable (Report) -> RescaleSolution

    /// Runs the flow for `path` writing to `destination`; never throws: every
    /// failure becomes the outcome's error. Step times go to `log`.
    func run(path: String, destination: Result<URL, DestinationError>, log: StepLog) -> RescaleOutcome {
        do {
            let url = try destination.get()
            return try rescale(path: path, to: url, log: log)
        } catch {
            let message = BatchSummary.prefixed("\(error)", path: path)
            return RescaleOutcome(path: path, output: nil, error: message,
                                  json: .object([("file", .string(path)), ("output", .null), ("status", .string("error")),
                                                 ("error", .string(message))]),
                                  lines: ["\(command): \(path): error: \(message)"])
        }
    }

    private func rescale(path: String, to destination: URL, log: StepLog) throws -> RescaleOutcome {
        let clock = ContinuousClock()
        var start = clock.now
        let model = try Model(contentsOf: URL(fileURLWithPath: path), spec: spec, activation: activation,
                              inputShape: inputShape, displayPath: path, loading: loading)
        let network = model.network, structure = model.structure
        log("\(command): \(path): read \(StepLog.milliseconds(clock.now - start)) (\(model.parameters.names.count) tensors; "
            + "\(network.nodes.count) nodes from \(model.source.rawValue), \(structure.groups.count) rescaling groups)")
        let result = try rescale(rebalancer, model)
        let replacements = result.rewritten
        log("\(command): \(path): solve \(StepLog.milliseconds(result.timing.solve)) (\(replacements.count) tensors moved)")
        if let verification = result.verification {
            log("\(command): \(path): verify \(StepLog.milliseconds(result.timing.verify)) "
                + "(certificate \(verification.certificate.exact ? "exact" : "within tolerance"), "
                + "\(verification.outputs?.probes ?? 0) probes)")
        }
        start = clock.now
        try result.write(to: destination)
        log("\(command): \(path): write \(StepLog.milliseconds(clock.now - start)) (\(destination.path))")

        let solution = describe(result.report)
        var warnings = solution.warnings
        let optimizer = result.staleOptimizerTensors
        if !optimizer.isEmpty {
            warnings.append("\(optimizer.count) optimizer tensor(s) were left byte-identical; they no longer match the rescaled weights (reset the optimizer state before resuming training)")
        }
        let blocked = structure.blocked.count
        let outputPath = destination.path
        let json = JSONValue.object([
            ("file", .string(path)),
            ("output", .string(outputPath)),
            ("status", .string("written")),
            ("network", .object([("source", .string(model.source.rawValue)), ("nodes", .int(network.nodes.count)),
                                 ("groups", .int(structure.groups.count)), ("blocked_units", .int(blocked))])),
            ("exact", .bool(result.exact)),
        ] + solution.fields + [
            ("scales_log2", .array(structure.groups.map { group in
                .object([("group", .int(group.id)), ("units", .array(group.units.map(JSONValue.string))),
                         ("log2_scale", .double(result.scales[group.id]))])
            })),
            ("tensors_rewritten", .array(replacements.map { .string($0.name) })),
            ("verification", result.verification.map(RescaleReportText.verificationJSON) ?? .null),
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("error", .null),
        ])
        var lines = ["\(command): \(path) → \(outputPath)",
                     "  network: \(network.nodes.count) nodes (\(model.source.rawValue)), \(structure.groups.count) rescaling groups, \(blocked) blocked units"]
        lines += network.assumptions.map { "  assumed: \($0)" }
        lines += solution.lines.map { "  " + $0 }
        if let verification = result.verification {
            lines.append("  verified: " + RescaleReportText.verificationLine(verification))
        } else {
            lines.append("  not verified (--no-verify)")
        }
        lines.append("  wrote \(replacements.count) rescaled tensor(s); every other tensor byte-identical")
        lines += warnings.map { "  warning: \($0)" }
        return RescaleOutcome(path: path, output: outputPath, error: nil, json: json, lines: lines)
    }
}

/// The proof's part of the `balance`/`align` reports.
enum RescaleReportText {
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
