import Foundation
import Glibc

/// Replaces a file atomically: the new contents are written to a temporary
/// file in the destination's own directory, flushed to disk (`fsync`),
/// renamed over the destination, and the directory is flushed too.
///
/// Contract:
/// - On success the destination holds exactly what the writer produced; a
///   reader never sees a half-written file.
/// - On any failure (the writer throws, the disk is full, the rename is
///   refused) the temporary file is removed and the destination is left
///   exactly as it was.
/// - A destination that already exists keeps its permission bits (mode).
/// - A destination that is a symbolic link is resolved first: the link's
///   target is replaced and the link itself stays.
/// - Temporary files are named `.<name>.tmp-fulcrum-<random>` (hidden, in the
///   same directory); `isTemporaryFile(_:)` recognises them so directory
///   walks never take one for a result.
public enum AtomicFileWriter {
    /// The marker every temporary file name carries.
    public static let temporaryMarker = ".tmp-fulcrum-"

    /// True when `url` names a temporary file of this writer (possibly left
    /// behind by a killed process); such files are never weight files to
    /// read or results to report.
    public static func isTemporaryFile(_ url: URL) -> Bool {
        let name = url.lastPathComponent
        return name.hasPrefix(".") && name.contains(temporaryMarker)
    }

    /// Replaces `destination` with the file that `body` writes.
    ///
    /// `body` receives the URL of a temporary path in the destination's
    /// directory that does not exist yet; it must create the file there
    /// (by `Data.write`, `FileManager.copyItem`, `H5Fcreate`, …) and return.
    /// Whatever `body` throws is rethrown unchanged after the temporary file
    /// has been removed; failures of the file system throw
    /// `WeightFileError.io` naming the path.
    public static func write(to destination: URL, _ body: (URL) throws -> Void) throws {
        let target = resolvedTarget(of: destination)
        let directory = target.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(target.lastPathComponent)\(temporaryMarker)\(randomSuffix())")
        let existingMode = currentMode(of: target)
        do {
            try body(temporary)
            guard FileManager.default.fileExists(atPath: temporary.path) else {
                throw WeightFileError.io(path: target.path,
                                         reason: "the writer did not create the temporary file \(temporary.lastPathComponent)")
            }
            if let injected = injectedFailure {
                throw WeightFileError.io(path: target.path, reason: injected)
            }
            if let existingMode {
                guard chmod(temporary.path, existingMode) == 0 else {
                    throw posixError(target, "cannot set permissions of the temporary file")
                }
            }
            try syncFile(at: temporary, reportingAs: target)
            guard rename(temporary.path, target.path) == 0 else {
                throw posixError(target, "cannot rename the temporary file over the destination")
            }
        } catch {
            _ = unlink(temporary.path)
            throw error
        }
        // The new contents are in place; flushing the directory entry makes
        // the rename durable. A failure here is reported, but the file is
        // already complete.
        try syncDirectory(directory, reportingAs: target)
    }

    /// Replaces `destination` with `data` (see `write(to:_:)`).
    public static func write(_ data: Data, to destination: URL) throws {
        try write(to: destination) { temporary in
            try writeNewFile(data, at: temporary, reportingAs: destination)
        }
    }

    /// When set (tests only), `write(to:_:)` fails with this reason after
    /// the writer has produced the complete temporary file and before the
    /// rename: a write that fails at the last moment.
    @TaskLocal static var injectedFailure: String?

    // MARK: - Steps

    /// The path that will actually be replaced: `destination` with symbolic
    /// links resolved, so a link keeps pointing at the rewritten file.
    static func resolvedTarget(of destination: URL) -> URL {
        let standardized = destination.standardizedFileURL
        var isLink = false
        if let values = try? standardized.resourceValues(forKeys: [.isSymbolicLinkKey]) {
            isLink = values.isSymbolicLink ?? false
        }
        guard isLink else { return standardized }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath(standardized.path, &buffer) != nil else {
            // A dangling link: replace what it points at, relative to its folder.
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: standardized.path) {
                return URL(fileURLWithPath: target, relativeTo: standardized.deletingLastPathComponent()).standardizedFileURL
            }
            return standardized
        }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return URL(fileURLWithPath: String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The permission bits of an existing regular file, or nil when there is none.
    static func currentMode(of url: URL) -> mode_t? {
        var info = stat()
        guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return info.st_mode & 0o7777
    }

    /// Creates `url` (which must not exist) holding `data`.
    static func writeNewFile(_ data: Data, at url: URL, reportingAs reported: URL) throws {
        let descriptor = Glibc.open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw posixError(reported, "cannot create a temporary file in \(url.deletingLastPathComponent().path)") }
        defer { close(descriptor) }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }  // nothing to write
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw posixError(reported, "cannot write the temporary file")
                }
                offset += written
            }
        }
    }

    static func syncFile(at url: URL, reportingAs reported: URL) throws {
        let descriptor = Glibc.open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError(reported, "cannot open the temporary file to sync it") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw posixError(reported, "cannot sync the temporary file to disk") }
    }

    static func syncDirectory(_ directory: URL, reportingAs reported: URL) throws {
        let descriptor = Glibc.open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError(reported, "cannot open the directory to sync it") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw posixError(reported, "cannot sync the directory to disk")
        }
    }

    static func randomSuffix() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }

    /// A `WeightFileError.io` for `url` carrying `errno`'s text.
    static func posixError(_ url: URL, _ what: String) -> WeightFileError {
        let code = errno
        return .io(path: url.path, reason: "\(what): \(String(cString: strerror(code)))")
    }
}
