import ArgumentParser
import Foundation
import FulcrumKit

/// `fulcrum align`: kernel-aligned rescaling (path-conditioned), written back
/// in the file's own format, proven equivalent before the write.
///
/// JSON document (`--json`, `--report`): as `balance`'s, with the method
/// fields `criterion_before`, `criterion_after`, `continuous_criterion`,
/// `sweeps`, `converged`, `criterion_history` (after each sweep),
/// `parameters` (entries of diag G counted) and `notes`, in place of the
/// norm fields.
struct AlignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align",
        abstract: "Rescale hidden units so the path-kernel diagonal is as close to the identity as the symmetry allows.",
        discussion: """
        Path-conditioned rescaling (Lebeurrier, Vayer, Gribonval 2026): the diagonal of the \
        path-lifting kernel G = dPhi^T dPhi comes from one forward and one backward pass of the \
        network with squared parameters on an all-ones input; the scales minimise \
        n * log(arithmetic mean / geometric mean) of the rescaled diagonal, each unit updated \
        exactly (the positive root of a quadratic) until the summed change of log-scales is \
        below --tolerance. Unlike the reference code, BatchNorm channels, residual groups and \
        biases are handled, for any input size (conv nets need their input shape: from the \
        spec, the Keras config, or --input-shape).

        As with balance, the scales are powers of two by default (bit-identical outputs; \
        --continuous for the true optimum), the result is proven equivalent before it is \
        written, writes are atomic, and FILES may be directories run with --jobs. The JSON \
        document is balance's, with the method keys criterion_before, criterion_after, \
        continuous_criterion, sweeps, converged, criterion_history, parameters and notes in \
        place of the norm keys.

        Example:
          fulcrum align fixtures/torch_mlp/model.safetensors \\
              --spec fixtures/torch_mlp/spec.yaml -o aligned.safetensors

        Exit codes: 0 every file written, 2 a file could not be read, analysed, proven or \
        written (the others still run), 64 usage error.
        """
    )

    @OptionGroup var batch: BatchOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var network: NetworkOptions

    @Flag(name: .long, help: "Find the continuous optimum (arbitrary scales) instead of power-of-two scales.")
    var continuous = false

    @Option(name: .long, help: "Stop when a sweep changes the log-scales by less than this in total.")
    var tolerance: Double = 1e-6

    @Option(name: .long, help: "Stop after this many sweeps at the latest.")
    var maxSweeps: Int = 100

    @OptionGroup var verification: VerificationOptions
    @OptionGroup var verbosity: VerbosityOptions

    func validate() throws {
        guard tolerance >= 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a number ≥ 0, got \(tolerance)") }
        guard maxSweeps >= 1 else { throw ValidationError("--max-sweeps must be at least 1, got \(maxSweeps)") }
    }

    func run() throws {
        let options = AlignmentOptions(tolerance: tolerance, maxSweeps: maxSweeps, exact: !continuous)
        let pipeline = RescalePipeline<AlignmentResult>(
            command: "align", spec: network.specURL, activation: network.activationValue,
            inputShape: try network.parsedInputShape(),
            rebalancer: Rebalancer(verify: !verification.skipVerification, probes: verification.probes),
            loading: .inMemory,
            rescale: { rebalancer, model in try rebalancer.align(model, options: options) },
            describe: { AlignCommand.solution($0) })
        try RescaleBatch.run(pipeline: pipeline, batch: batch, output: output, verification: verification,
                             verbosity: verbosity)
    }

    static func solution(_ result: AlignmentResult) -> RescaleSolution {
        let fields: [(String, JSONValue)] = [
            ("criterion_before", .double(result.criterionBefore)),
            ("criterion_after", .double(result.criterionAfter)),
            ("continuous_criterion", .double(result.continuousCriterion)),
            ("sweeps", .int(result.sweeps)),
            ("converged", .bool(result.converged)),
            ("criterion_history", .array(result.history.map(JSONValue.double))),
            ("parameters", .int(result.parameterCount)),
            ("notes", .array(result.notes.map(JSONValue.string))),
        ]
        let mode = result.exact ? "exact (power-of-two scales)" : "continuous"
        let lines = [String(format: "kernel-alignment criterion %.6g → %.6g, %d sweep(s)%@, %@",
                            result.criterionBefore, result.criterionAfter, result.sweeps,
                            result.converged ? "" : " (not converged)", mode)]
            + result.notes.map { "note: \($0)" }
        return RescaleSolution(fields: fields, lines: lines, warnings: [])
    }
}
