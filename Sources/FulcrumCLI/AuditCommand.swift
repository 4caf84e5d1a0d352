import ArgumentParser
import Audit
import Foundation
import Network
import WeightFiles

/// `fulcrum audit FILES...|DIRS...`: network health in CI, over many
/// checkpoints.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the health of networks in weight files against thresholds (for CI).",
        discussion: """
        For every linear and conv2d layer: σ_w² = fan_in·mean(W²) against the critical value of \
        the activation that follows (2 ReLU, 2/(1+α²) LeakyReLU, 1 identity), the singular values \
        of the layer matrix (largest, smallest, condition number), its orthogonality error, the \
        balance log(‖out‖/‖in‖) of each rescalable hidden unit (mean and worst), the conserved \
        quantity ‖in‖²−‖out‖², dead units and NaN/Inf counts. For the network: the ℓ_{p,q} norm \
        against its balanced minimum, the ℓ1 and ℓ2 path-norms, dead units, NaN/Inf.

        Thresholds in --config (YAML or JSON) decide pass or fail per file; without one only NaN \
        and Inf fail. Keys: max_condition_number, max_singular_value, min_singular_value, \
        max_orthogonality_error, sigma_w2_tolerance, max_abs_balance, max_abs_balance_mean (per \
        layer; override per layer under layers: {NAME: {...}}), max_unbalance_ratio, \
        max_dead_units, max_path_norm_l1, max_path_norm_l2, forbid_nan, forbid_inf, p, q, \
        singular_values. See docs/audit.md.

        Directories are searched recursively. The sorted list can be split with --shard i/n \
        across the tasks of a Slurm array or a Kubernetes indexed Job. A file that cannot be \
        read is reported and the others are still audited. A progress bar is drawn on stderr \
        when it is a terminal; a summary is printed on stderr at the end.

        Exit codes: 0 every file passed, 1 some file crossed a threshold, 2 some file could not \
        be audited (or no file was found), 64 usage error.
        """
    )

    @OptionGroup var batch: BatchOptions

    @Option(name: .long, help: ArgumentHelp(
        "Network spec (YAML or JSON) for every file, for files that do not carry their architecture.",
        valueName: "spec"))
    var spec: String?

    @Option(name: .long, help: ArgumentHelp("Thresholds (YAML or JSON).", valueName: "config"))
    var config: String?

    @Option(name: .long, help: "Report format: text (a table), json (one document), junit (JUnit XML).")
    var format: AuditFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report to this file instead of stdout.",
                                                      valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Include every unit's norms, balance and conserved quantity in the JSON report.")
    var units = false

    func run() throws {
        let thresholds = try config.map { try AuditConfig.load(contentsOf: URL(fileURLWithPath: $0)) } ?? AuditConfig()
        let specURL = spec.map { URL(fileURLWithPath: $0) }
        let (items, listed) = batch.items()
        guard listed > 0 else {
            throw BatchError.noFiles(paths: batch.paths, patterns: batch.patterns)
        }
        let runner = BatchRunner(jobs: batch.jobs, progress: BatchProgress.onTerminal(total: items.count))
        let audits = runner.run(items) { item in
            AuditCommand.audit(item, config: thresholds, spec: specURL)
        }
        let report = AuditReport(files: audits, shard: batch.shard.map { ($0.index, $0.count) }, includeUnits: units)
        let colour = output == nil && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let rendered: String
        switch format {
        case .text: rendered = report.text(colour: colour)
        case .json: rendered = report.json()
        case .junit: rendered = report.junit()
        }
        if let output {
            let url = URL(fileURLWithPath: output)
            do { try Data(rendered.utf8).write(to: url, options: .atomic) } catch {
                throw BatchError.cannotWrite(path: output, reason: error.localizedDescription)
            }
        } else {
            FileHandle.standardOutput.write(Data(rendered.utf8))
        }
        let summary = BatchSummary(audits)
        let lines = summary.lines(command: "audit", shard: batch.shard, listed: listed)
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    /// Audits one file; every failure becomes the file's error.
    static func audit(_ item: BatchItem, config: AuditConfig, spec: URL?) -> FileAudit {
        if let problem = item.problem { return FileAudit(path: item.path, error: "\(item.path): \(problem)") }
        do {
            let file = try WeightFileOpener.open(URL(fileURLWithPath: item.path))
            let network = try NetworkLoader.load(file: file, spec: spec).network
            let structure = try rescalingStructure(of: network, file: file)
            var tensors: [String: Tensor] = [:]
            for name in file.tensorNames { tensors[name] = try file.read(name) }
            let metrics = try Auditor.metrics(of: AuditSubject(network: network, structure: structure, tensors: tensors),
                                              options: config.metricOptions)
            return FileAudit(path: item.path, metrics: metrics, failures: config.failures(of: metrics))
        } catch {
            return FileAudit(path: item.path, error: BatchSummary.prefixed("\(error)", path: item.path))
        }
    }
}

/// The report formats of `fulcrum audit`.
enum AuditFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, junit
}

extension FileAudit: BatchOutcome {
    var batchStatus: BatchStatus {
        switch status {
        case .pass: return .passed
        case .fail: return .failed
        case .error: return .errored(error ?? "error")
        }
    }
}
