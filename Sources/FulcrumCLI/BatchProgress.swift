import Foundation

/// A one-line progress bar on stderr, redrawn as items finish. Made only
/// when stderr is a terminal, so logs and pipes never see it. Safe to call
/// from several workers.
final class BatchProgress: @unchecked Sendable {
    private let total: Int
    private var done = 0
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let width: Int

    /// A bar for `total` items writing through `write` on a terminal
    /// `width` columns wide.
init(total: Int, width: Int = 80, write: @escaping @Sendable (String) -> Void) {
        self.total = total
        self.width = max(width, 40)
        self.write = write
    }

    /// A bar on stderr when stderr is a terminal, else nil.
static func onTerminal(total: Int) -> BatchProgress? {
        guard isatty(STDERR_FILENO) == 1, total > 0 else { return nil }
        var size = winsize()
        let columns = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        return BatchProgress(total: total, width: columns) { text in
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    /// Draws the bar before any item finishes.
func start() { lock.withLock { draw(last: nil) } }

    /// Records that `path` finished and redraws.
func finished(_ path: String) {
        lock.withLock {
            done += 1
            draw(last: path)
        }
    }

    /// Erases the bar, writes `line` and a newline, and redraws the bar
    /// below it.
    func interrupt(with line: String) {
        lock.withLock { write("\r\u{1B}[2K" + line + "\n" + self.line(last: nil)) }
    }

    /// Erases the bar, leaving the cursor at the start of an empty line.
func clear() { lock.withLock { write("\r\u{1B}[2K") } }

    /// "[#######.............]  7/20  path", cut to the terminal width.
    func line(last: String?) -> String {
        let barWidth = 24
        let filled = total > 0 ? barWidth * done / total : barWidth
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]"
        var text = "\(bar) \(done)/\(total)"
        if let last {
            let room = width - 1 - text.count - 2
            if room > 3 { text += "  " + (last.count > room ? "…" + last.suffix(room - 1) : last) }
        }
        return text
    }

    private func draw(last: String?) { write("\r\u{1B}[2K" + line(last: last)) }
}
