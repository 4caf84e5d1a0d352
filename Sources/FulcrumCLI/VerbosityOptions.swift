import ArgumentParser

/// `--quiet` and `--verbose`, shared by the commands that print progress
/// and summaries (`balance`, `align`, `audit`).
struct VerbosityOptions: ParsableArguments, Sendable {
    @Flag(name: [.customShort("q"), .long], help: ArgumentHelp(
        "Print nothing but errors, and the JSON document when one is asked for: no text report, no summary, no progress bar."))
    var quiet = false

    @Flag(name: [.customShort("v"), .long], help: ArgumentHelp(
        "Also print each step of each file (read, solve, verify, write; read, audit) with its wall-clock time on stderr."))
    var verbose = false

    init() {}

    /// A usage error (exit 64) when both are given.
    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other; give one") }
    }

    /// The progress bar for `total` items: on stderr when it is a terminal,
    /// never with `--quiet`.
    func progress(total: Int) -> BatchProgress? {
        quiet ? nil : BatchProgress.onTerminal(total: total)
    }

    /// The `--verbose` step log, drawn around `progress`.
    func stepLog(progress: BatchProgress?) -> StepLog {
        StepLog(enabled: verbose, progress: progress)
    }
}
