import Foundation
import Glibc

/// Cleaning up after interrupted writes.
///
/// A process killed between creating its temporary file and the rename
/// (SIGKILL, power loss) leaves `.<name>.tmp-fulcrum-<hex>` behind; the
/// destination itself is intact. Such files are never read as weight files
/// (`WeightFileOpener` refuses them, directory walks skip hidden files) and
/// the next write of the same destination removes them.
///
/// Every write holds a shared `flock` on its directory from before it
/// creates its temporary file until after the rename. A write first tries
/// to take that lock exclusively without waiting: success proves that no
/// other fulcrum write (in this or another process) is under way in the
/// directory, so the destination's temporary files last modified before
/// this process started belong to dead writers and are removed. When the
/// lock is busy, nothing is removed.
extension AtomicFileWriter {
    /// A held `flock` on a directory; released by `release()` (or when the
    /// process dies, which is what makes it safe against SIGKILL).
    struct DirectoryLock {
        let descriptor: Int32

        /// Opens `directory` for locking; nil when it cannot be opened (the
        /// write then goes on without lock or clean-up, and fails on its own
        /// if the directory is unusable).
        init?(_ directory: URL) {
            let descriptor = Glibc.open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            self.descriptor = descriptor
        }

        /// Tries the exclusive lock without waiting.
        func tryExclusive() -> Bool { flock(descriptor, LOCK_EX | LOCK_NB) == 0 }

        /// Takes (or converts to) the shared lock, waiting while another
        /// write holds it exclusively (only for its short clean-up).
        func shared() {
            while flock(descriptor, LOCK_SH) != 0 && errno == EINTR {}
        }

        func release() { close(descriptor) }
    }

    /// The wall-clock time this process started (from `/proc/self/stat`,
    /// to the kernel's clock tick), or now when that cannot be read.
    static let processStartTime: Date = {
        let now = Date()
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return now }
        // Fields after the command name start at field 3; starttime is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return now }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        var boot = timespec()
        guard ticksPerSecond > 0, clock_gettime(CLOCK_BOOTTIME, &boot) == 0 else { return now }
        let secondsSinceStart = Double(boot.tv_sec) + Double(boot.tv_nsec) / 1e9 - ticks / ticksPerSecond
        return now.addingTimeInterval(-max(0, secondsSinceStart))
    }()

    /// The prefix of every temporary file name for `target`.
    static func temporaryPrefix(for target: URL) -> String {
        ".\(target.lastPathComponent)\(temporaryMarker)"
    }

    /// Removes the temporary files of `target` (same directory, name
    /// `.<name>.tmp-fulcrum-…`, a regular file) last modified before
    /// `cutoff`, and returns them. The caller must hold the directory's
    /// exclusive lock. Files that cannot be examined or removed are left.
    @discardableResult
    static func removeStaleTemporaryFiles(of target: URL, modifiedBefore cutoff: Date) -> [URL] {
        let directory = target.deletingLastPathComponent()
        let prefix = temporaryPrefix(for: target)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [URL] = []
        for name in names.sorted() where name.hasPrefix(prefix) && name.count > prefix.count {
            let candidate = directory.appendingPathComponent(name)
            var info = stat()
            guard lstat(candidate.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            guard modified < cutoff, unlink(candidate.path) == 0 else { continue }
            removed.append(candidate)
        }
        return removed
    }
}
