import Foundation

/// How one item of a batch ended.
enum BatchStatus: Sendable, Equatable {
    /// Done, and every check held.
    case passed
    /// Done, but a check failed (an audit threshold crossed).
    case failed
    /// Could not be processed (unreadable file, bad network).
    case errored(String)
}

/// The result of one item, as the batch summary sees it.
protocol BatchOutcome: Sendable {
    var path: String { get }
    var batchStatus: BatchStatus { get }
}

/// Counts of a finished batch, the exit code and the closing summary.
struct BatchSummary: Sendable, Equatable {
var total: Int
var passed: Int
var failed: Int
    /// (path, message) of every item that errored, in list order.
var errors: [(path: String, message: String)]

init<Outcome: BatchOutcome>(_ outcomes: [Outcome]) {
        total = outcomes.count
        passed = 0; failed = 0; errors = []
        for outcome in outcomes {
            switch outcome.batchStatus {
            case .passed: passed += 1
            case .failed: failed += 1
            case let .errored(message): errors.append((outcome.path, message))
            }
        }
    }

static func == (lhs: BatchSummary, rhs: BatchSummary) -> Bool {
        lhs.total == rhs.total && lhs.passed == rhs.passed && lhs.failed == rhs.failed
            && lhs.errors.map(\.path) == rhs.errors.map(\.path) && lhs.errors.map(\.message) == rhs.errors.map(\.message)
    }

    /// 2 when any item errored, else 1 when any failed, else 0.
var exitCode: Int32 { !errors.isEmpty ? 2 : (failed > 0 ? 1 : 0) }

    /// The lines printed to stderr at the end: one `fulcrum: error:` line per
    /// errored item, then e.g. "audit: 12 files, 10 passed, 1 failed,
    /// 1 error (shard 0/4 of 47 files)".
func lines(command: String, shard: BatchShard?, listed: Int) -> [String] {
        var lines = errors.map { "fulcrum: error: " + Self.prefixed($0.message, path: $0.path) }
        var summary = "\(command): \(total) file\(total == 1 ? "" : "s"), \(passed) passed, \(failed) failed, "
            + "\(errors.count) error\(errors.count == 1 ? "" : "s")"
        if let shard { summary += " (shard \(shard) of \(listed) file\(listed == 1 ? "" : "s"))" }
        lines.append(summary)
        return lines
    }

    /// `message` starting with `path`, unless it already names the file
    /// first (as given, or as the absolute path readers report).
static func prefixed(_ message: String, path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return message.hasPrefix(path) || message.hasPrefix(absolute) ? message : "\(path): \(message)"
    }
}
