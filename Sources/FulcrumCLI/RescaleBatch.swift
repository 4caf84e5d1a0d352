import ArgumentParser
import Foundation

/// Runs a rescaling pipeline over the files of a batch and reports: the
/// per-file text (or one JSON document) on stdout, errors and the summary on
/// stderr. Exit code 0 when every file was written, 2 when any failed.
/// `--quiet` leaves only the error lines and the JSON document; `--verbose`
/// adds each file's steps on stderr.
enum RescaleBatch {
    static func run<Report>(pipeline: RescalePipeline<Report>, batch: BatchOptions, output: OutputOptions,
                            verification: VerificationOptions, verbosity: VerbosityOptions) throws {
        let (items, listed) = batch.items()
        guard listed > 0 else { throw BatchError.noFiles(paths: batch.paths, patterns: batch.patterns) }
        let destinations = try output.destinations(for: items)
        try output.prepare()
        let byPath = Dictionary(zip(items.map(\.path), destinations), uniquingKeysWith: { first, _ in first })
        let progress = verbosity.progress(total: items.count)
        let log = verbosity.stepLog(progress: progress)
        let runner = BatchRunner(jobs: batch.jobs, progress: progress)
        let outcomes = runner.run(items) { item in
            if let problem = item.problem {
                return pipeline.run(path: item.path, destination: .failure(DestinationError(message: "\(item.path): \(problem)")),
                                    log: log)
            }
            return pipeline.run(path: item.path,
                                destination: byPath[item.path] ?? .failure(DestinationError(message: "\(item.path): no destination")),
                                log: log)
        }

        let summary = BatchSummary(outcomes)
        let document = JSONValue.object([
            ("command", .string(pipeline.command)),
            ("files", .array(outcomes.map(\.json))),
            ("summary", .object([("total", .int(summary.total)), ("written", .int(summary.passed)),
                                 ("errors", .int(summary.errors.count))])),
        ])
        if let report = verification.report {
            do { try Data((document.rendered() + "\n").utf8).write(to: URL(fileURLWithPath: report), options: .atomic) } catch {
                throw BatchError.cannotWrite(path: report, reason: error.localizedDescription)
            }
        }
        if verification.json {
            FileHandle.standardOutput.write(Data((document.rendered() + "\n").utf8))
        } else if !verbosity.quiet {
            let text = outcomes.filter { $0.error == nil }.flatMap(\.lines)
            if !text.isEmpty { FileHandle.standardOutput.write(Data((text.joined(separator: "\n") + "\n").utf8)) }
        }
        var lines = summary.lines(command: pipeline.command, shard: batch.shard, listed: listed)
        if (summary.total == 1 && summary.errors.isEmpty) || verbosity.quiet { lines.removeLast() }
        if !lines.isEmpty { FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }
}
