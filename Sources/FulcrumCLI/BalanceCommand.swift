import ArgumentParser
import Foundation
import FulcrumKit

/// `fulcrum balance`: minimal-norm rebalancing, written back in the file's
/// own format, proven equivalent before the write.
///
/// JSON document (`--json`, `--report`):
/// ```
/// {"command": "balance",
///  "files": [{"file", "output", "status": "written"|"error",
///             "network": {"source", "nodes", "groups", "blocked_units"},
///             "exact", "norm", "solver", "objective_before", "objective_after", "continuous_objective",
///             "layer_norms": [{"node", "before", "after"}], "sweeps", "converged", "integer_moves", "subset_descent",
///             "dead_units": [{"group", "units", "reason"}], "clamped_units": [{"group", "units", "log2_scale", "side"}],
///             "scales_log2": [{"group", "units", "log2_scale"}], "tensors_rewritten": [name],
///             "verification": {"equivalent", "certificate_exact", "worst_relative_error", "probes",
///                              "bit_identical", "max_abs_diff", "max_rel_diff"} | null,
///             "warnings": [string], "error": null | string}],
///  "summary": {"total", "written", "errors"}}
/// ```
/// A file that errored has only `file`, `output` (null), `status` and `error`.
struct BalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Rescale hidden units to the minimal-norm point of the symmetry, without changing the function.",
        discussion: """
        Every rescalable hidden unit (see fulcrum check) is multiplied by a positive scale s on \
        its producing side (weight row, bias, BatchNorm gamma and beta) and divided by s on its \
        consuming side, so the network computes the same function. balance chooses the scales \
        that minimise the entrywise l_{p,q} norm, the sum over layers and rows of \
        (sum_j |w_j|^p)^(q/p) (Saul 2023): --norm l2 (the default, p = q = 2), l1, max (each \
        layer's largest magnitude), or lpq with --p and --q.

        By default the scales are powers of two (exact mode): the rescaled network's outputs are \
        bit-identical to the original's, in fulcrum's evaluator and in any framework's. \
        --continuous gives the true optimum, equal up to float rounding.

        Before writing, fulcrum proves the result: a certificate recovers every scale from the \
        pair of tensors and checks every tensor, and --probes seeded inputs are run through both \
        networks (bit-identical outputs are required in exact mode). A result that fails the \
        proof is never written. Writes are atomic; tensors that do not move (BatchNorm running \
        statistics, counters, optimizer state, blocked layers) stay byte-identical. Refused, \
        with the reason: NaN or Inf in a weight that would move, a file or spec whose shapes do \
        not chain, HDF5 datasets compressed with a filter libhdf5 lacks (LZF).

        FILES may be directories (searched recursively); files run in parallel with --jobs, a \
        bad file is reported and the others go on, and a summary ends on stderr (a progress \
        bar too when stderr is a terminal). The JSON document of --json and --report has the \
        keys command, files [{file, output, status, network, exact, norm, solver, \
        objective_before, objective_after, continuous_objective, layer_norms, sweeps, \
        converged, integer_moves, subset_descent, dead_units, clamped_units, scales_log2, \
        tensors_rewritten, verification, warnings, error}] and summary {total, written, errors}.

        Examples:
          fulcrum balance fixtures/torch_cnn/model.safetensors \\
              --spec fixtures/torch_cnn/spec.yaml -o balanced.safetensors
          fulcrum balance fixtures/keras_mlp --out-dir balanced \\
              --jobs 2 --report balance.json

        Exit codes: 0 every file written, 2 a file could not be read, analysed, proven or \
        written (the others still run), 64 usage error.
        """
    )

    @OptionGroup var batch: BatchOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var network: NetworkOptions

    @Option(name: .long, help: "The norm to minimise: l2 (default), l1, max, or lpq (with --p and --q).")
    var norm: NormChoice = .l2

    @Option(name: .long, help: ArgumentHelp("p of --norm lpq (>= 1).", valueName: "p"))
    var p: Double?

    @Option(name: .long, help: ArgumentHelp("q of --norm lpq (>= 1).", valueName: "q"))
    var q: Double?

    @Flag(name: .long, help: "Find the continuous optimum (arbitrary scales; outputs equal up to rounding) instead of power-of-two scales.")
    var continuous = false

    @Option(name: .long, help: "Stop when a sweep lowers the objective by less than this fraction.")
    var tolerance: Double = 1e-6

    @Option(name: .long, help: "Stop after this many sweeps at the latest.")
    var maxSweeps: Int = 1000

    @Option(name: .long, help: "The continuous solver: block (exact block-coordinate updates, default) or saul (Saul's multiplicative update, the reference).")
    var solver: SolverChoice = .block

    @OptionGroup var verification: VerificationOptions
    @OptionGroup var verbosity: VerbosityOptions

    func validate() throws {
        if norm == .lpq {
            guard let p, let q else { throw ValidationError("--norm lpq needs --p and --q") }
            do { try Norm.lpq(p: p, q: q).validate() } catch { throw ValidationError("\(error)") }
        } else if p != nil || q != nil {
            throw ValidationError("--p and --q go with --norm lpq")
        }
        guard tolerance >= 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a number ≥ 0, got \(tolerance)") }
        guard maxSweeps >= 1 else { throw ValidationError("--max-sweeps must be at least 1, got \(maxSweeps)") }
    }

    var chosenNorm: Norm {
        switch norm {
        case .l1: return .l1
        case .l2: return .l2
        case .max: return .max
        case .lpq: return .lpq(p: p ?? 2, q: q ?? 2)
        }
    }

    func run() throws {
        let options = BalanceOptions(exact: !continuous, tolerance: tolerance, maxSweeps: maxSweeps,
                                     solver: solver == .saul ? .multiplicative : .blockCoordinate)
        let norm = chosenNorm
        let pipeline = RescalePipeline<BalanceResult>(
            command: "balance", spec: network.specURL, activation: network.activationValue,
            inputShape: try network.parsedInputShape(),
            rebalancer: Rebalancer(verify: !verification.skipVerification, probes: verification.probes),
            loading: .onDemand,
            rescale: { rebalancer, model in try rebalancer.balance(model, norm: norm, options: options) },
            describe: { BalanceCommand.solution($0, options: options) })
        try RescaleBatch.run(pipeline: pipeline, batch: batch, output: output, verification: verification,
                             verbosity: verbosity)
    }

    /// The report fields and lines of a balance result.
    static func solution(_ result: BalanceResult, options: BalanceOptions) -> RescaleSolution {
        let change = result.objectiveBefore > 0 ? (result.objectiveAfter / result.objectiveBefore - 1) * 100 : 0
        var fields: [(String, JSONValue)] = [
            ("norm", .string(result.norm.description)),
            ("solver", .string(options.solver.rawValue)),
            ("objective_before", .double(result.objectiveBefore)),
            ("objective_after", .double(result.objectiveAfter)),
            ("continuous_objective", .double(result.continuousObjective)),
            ("layer_norms", .array(result.layerNorms.map {
                .object([("node", .string($0.node)), ("before", .double($0.before)), ("after", .double($0.after))])
            })),
            ("sweeps", .int(result.sweeps)),
            ("converged", .bool(result.converged)),
            ("integer_moves", .int(result.integerMoves)),
            ("subset_descent", .bool(result.subsetDescent)),
        ]
        fields.append(("dead_units", .array(result.deadGroups.map {
            .object([("group", .int($0.group)), ("units", .array($0.units.map(JSONValue.string))), ("reason", .string($0.reason))])
        })))
        fields.append(("clamped_units", .array(result.clampedGroups.map {
            .object([("group", .int($0.group)), ("units", .array($0.units.map(JSONValue.string))),
                     ("log2_scale", .double($0.z)), ("side", .string($0.side))])
        })))
        let mode = result.exact ? "exact (power-of-two scales)" : "continuous"
        var lines = [String(format: "%@ objective %.6g → %.6g (%+.1f%%), %d sweep(s)%@, %@",
                            result.norm.description, result.objectiveBefore, result.objectiveAfter, change,
                            result.sweeps, result.converged ? "" : " (not converged)", mode)]
        if result.exact {
            lines.append(String(format: "continuous optimum %.6g; the power-of-two point is %.3f%% above it",
                                result.continuousObjective,
                                result.continuousObjective > 0 ? (result.objectiveAfter / result.continuousObjective - 1) * 100 : 0))
            if case let .lpq(p, q) = result.norm, p == q {
                lines.append(result.subsetDescent
                    ? "integer point: the global optimum over powers of two (minimum-cut subset descent)"
                    : "integer point: no single unit's ×2 or ÷2 improves it (subset descent skipped: more than \(options.subsetDescentLimit) stored values)")
            }
        }
        lines += result.layerNorms.map { String(format: "layer %@: %.6g → %.6g", $0.node, $0.before, $0.after) }
        var warnings = result.deadGroups.map { "dead unit(s) \($0.units.joined(separator: ", ")) kept at scale 1: \($0.reason)" }
        warnings += result.clampedGroups.map {
            "unit(s) \($0.units.joined(separator: ", ")) clamped at log2 scale \($0.z) (\($0.side)) so no weight overflows or goes subnormal"
        }
        return RescaleSolution(fields: fields, lines: lines, warnings: warnings)
    }
}

/// `--norm` values.
enum NormChoice: String, CaseIterable, ExpressibleByArgument, Sendable {
    case l1, l2, max, lpq
}

/// `--solver` values.
enum SolverChoice: String, CaseIterable, ExpressibleByArgument, Sendable {
    case block, saul
}
