import ArgumentParser
import FulcrumKit
import Foundation

/// `fulcrum audit FILES...|DIRS...`: network health in CI, over many
/// checkpoints.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the health of networks in weight files against thresholds (for CI).",
        discussion: """
        For every linear and conv2d layer: sigma_w^2 = fan_in * mean(W^2) against the critical \
        value of the activation that follows (2 ReLU, 2/(1+alpha^2) LeakyReLU, 1 identity), the \
        singular values of the layer matrix (largest, smallest, condition number), its \
        orthogonality error, the balance log(|out|/|in|) of each rescalable hidden unit (mean \
        and worst), the conserved quantity |in|^2 - |out|^2, dead units and NaN/Inf counts. For \
        the network: the l_{p,q} norm against its balanced minimum, the l1 and l2 path-norms, \
        dead units, NaN/Inf.

        Thresholds in --config (YAML or JSON) decide pass or fail per file; without one only NaN \
        and Inf fail. Keys: max_condition_number, max_singular_value, min_singular_value, \
        max_orthogonality_error, sigma_w2_tolerance, max_abs_balance, max_abs_balance_mean (per \
        layer; override per layer under layers: {NAME: {...}}), max_unbalance_ratio, \
        max_dead_units, max_path_norm_l1, max_path_norm_l2, forbid_nan, forbid_inf, p, q, \
        singular_values. See docs/audit.md, which also lists the keys of --format json.

        Directories are searched recursively. The sorted list can be split with --shard i/n \
        across the tasks of a Slurm array or a Kubernetes indexed Job. A file that cannot be \
        read is reported and the others are still audited. A progress bar is drawn on stderr \
        when it is a terminal; a summary is printed on stderr at the end. With --quiet and \
        the text format, only the crossed thresholds and errors are printed (on stderr).

        Examples (the second audits the folder the second example of fulcrum balance --help \
        wrote; the original fixtures/keras_mlp fails the same thresholds):
          fulcrum audit fixtures/keras_cnn fixtures/keras_resnet
          fulcrum audit balanced --config docs/examples/audit.yaml \\
              --format junit -o audit.xml

        Exit codes: 0 every file passed, 1 some file crossed a threshold, 2 some file could not \
        be audited (or no file was found), 64 usage error.
        """
    )

    @OptionGroup var batch: BatchOptions

    @Option(name: .long, help: ArgumentHelp(
        "Network spec (YAML or JSON) for every file, for files that do not carry their architecture.",
        valueName: "spec"), completion: .file(extensions: ["yaml", "yml", "json"]))
    var spec: String?

    @Option(name: .long, help: ArgumentHelp("Thresholds (YAML or JSON).", valueName: "config"),
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var config: String?

    @Option(name: .long, help: "Report format: text (a table), json (one document), junit (JUnit XML).")
    var format: AuditFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report to this file instead of stdout.",
                                                      valueName: "file"), completion: .file())
    var output: String?

    @Flag(name: .long, help: "Include every unit's norms, balance and conserved quantity in the JSON report.")
    var units = false

    @OptionGroup var verbosity: VerbosityOptions

    func run() throws {
        let thresholds = try config.map { try AuditConfig.load(contentsOf: URL(fileURLWithPath: $0)) } ?? AuditConfig()
        let specURL = spec.map { URL(fileURLWithPath: $0) }
        let (items, listed) = batch.items()
        guard listed > 0 else {
            throw BatchError.noFiles(paths: batch.paths, patterns: batch.patterns)
        }
        let progress = verbosity.progress(total: items.count)
        let log = verbosity.stepLog(progress: progress)
        let runner = BatchRunner(jobs: batch.jobs, progress: progress)
        let audits = runner.run(items) { item in
            AuditCommand.audit(item, config: thresholds, spec: specURL, log: log)
        }
        let report = AuditReport(files: audits, shard: batch.shard.map { ($0.index, $0.count) }, includeUnits: units)
        let colour = output == nil && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let rendered: String?
        switch format {
        case .text: rendered = verbosity.quiet && output == nil ? nil : report.text(colour: colour)
        case .json: rendered = report.json()
        case .junit: rendered = report.junit()
        }
        if let output, let rendered {
            let url = URL(fileURLWithPath: output)
            do { try Data(rendered.utf8).write(to: url, options: .atomic) } catch {
                throw BatchError.cannotWrite(path: output, reason: error.localizedDescription)
            }
        } else if let rendered {
            FileHandle.standardOutput.write(Data(rendered.utf8))
        }
        let summary = BatchSummary(audits)
        var lines = summary.lines(command: "audit", shard: batch.shard, listed: listed)
        if verbosity.quiet {
            lines.removeLast()
            if format == .text && output == nil {
                lines += audits.filter { $0.status == .fail }.flatMap { audit in
                    audit.failures.map { "fulcrum: audit: \(audit.path): FAIL: \($0.message)" }
                }
            }
        }
        if !lines.isEmpty { FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    /// Audits one file; every failure becomes the file's error.
    static func audit(_ item: BatchItem, config: AuditConfig, spec: URL?, log: StepLog = .off) -> FileAudit {
        if let problem = item.problem { return FileAudit(path: item.path, error: "\(item.path): \(problem)") }
        do {
            let clock = ContinuousClock()
            var start = clock.now
            let model = try Model(contentsOf: URL(fileURLWithPath: item.path), spec: spec, displayPath: item.path)
            log("audit: \(item.path): read \(StepLog.milliseconds(clock.now - start)) (\(model.parameters.names.count) tensors; "
                + "\(model.network.nodes.count) nodes from \(model.source.rawValue), \(model.structure.groups.count) rescaling groups)")
            start = clock.now
            let audit = try model.audit(config: config)
            log("audit: \(item.path): audit \(StepLog.milliseconds(clock.now - start)) (\(audit.status.rawValue), "
                + "\(audit.failures.count) threshold(s) crossed)")
            return audit
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
