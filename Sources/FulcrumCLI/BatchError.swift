/// Failures of a batch command as a whole (not of one file); exit 2.
enum BatchError: Error, CustomStringConvertible {
    /// The arguments named no file (empty directories, nothing matched).
    case noFiles(paths: [String], patterns: [String])
    /// The report could not be written.
    case cannotWrite(path: String, reason: String)

    var description: String {
        switch self {
        case let .noFiles(paths, patterns):
            return "no weight files found in \(paths.joined(separator: ", ")) (looked for \(patterns.joined(separator: " ")))"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write the report: \(reason)"
        }
    }
}
