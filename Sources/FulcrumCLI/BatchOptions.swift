import ArgumentParser

/// The arguments and options shared by the commands that process many
/// weight files (`audit`, `balance`, `align`): FILES/DIRS, `--glob`,
/// `--shard`, `--jobs`.
struct BatchOptions: ParsableArguments, Sendable {
    @Argument(help: ArgumentHelp(
        "Weight files, or directories searched recursively for them.",
        valueName: "files-or-dirs"), completion: .file())
var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "File-name pattern (fnmatch) for files found in directories; repeat for several. "
            + "Default: *.h5 *.hdf5 *.keras *.npz *.npy *.safetensors. Files named directly are always taken.",
        valueName: "pattern"))
var glob: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Process only shard i of n (0 <= i < n) of the sorted file list: file k goes to shard k mod n. "
            + "For Slurm arrays ($SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT) and Kubernetes indexed Jobs.",
        valueName: "i/n"))
var shard: BatchShard?

    @Option(name: .long, help: ArgumentHelp("Files processed in parallel.", valueName: "n"))
var jobs: Int = 1

init() {}

    /// Usage errors (exit 64): no paths, `--jobs` below 1, a shard out of range.
func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("Give at least one weight file or directory.") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs).") }
        try shard?.validate()
    }

    /// The patterns for directory walks: `--glob` values, or the defaults.
var patterns: [String] { glob.isEmpty ? BatchFileList.defaultPatterns : glob }

    /// The items this process handles: the expanded, sorted list, cut to
    /// this shard. `total` is the length of the full list.
func items() -> (items: [BatchItem], total: Int) {
        let all = BatchFileList.expand(paths, patterns: patterns)
        return (shard?.select(all) ?? all, all.count)
    }
}
