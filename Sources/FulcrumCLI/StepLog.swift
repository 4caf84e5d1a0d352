import Foundation

/// The `--verbose` lines on stderr: one per step of each file, written
/// whole (safe from several workers) and around the progress bar when
/// there is one. Does nothing when not enabled.
struct StepLog: Sendable {
    var enabled: Bool
    var progress: BatchProgress?

    /// A log that prints nothing.
    static let off = StepLog(enabled: false, progress: nil)

    /// Writes `line` (built only when enabled) and a newline.
    func callAsFunction(_ line: @autoclosure () -> String) {
        guard enabled else { return }
        let text = line()
        if let progress {
            progress.interrupt(with: text)
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// `duration` as "12.3 ms".
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f ms", Double(seconds) * 1e3 + Double(attoseconds) * 1e-15)
    }
}
