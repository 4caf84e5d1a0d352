import Foundation
import Glibc

/// Reads and copies byte ranges of a file with `pread(2)` and
/// `sendfile(2)`, never mapping it: the bytes land only in the
/// caller's buffer (or go from file to file inside the kernel), so reading
/// a large file tensor by tensor does not leave its pages in the process's
/// resident memory the way a memory map does.
enum FileRegion {
    /// The `count` bytes of `url` starting at `offset`. Throws
    /// `WeightFileError.io` naming the file when it cannot be opened or read,
    /// or ends before the range does (it changed since it was opened).
    static func read(_ url: URL, offset: Int, count: Int) throws -> [UInt8] {
        let descriptor = try openForReading(url)
        defer { _ = Glibc.close(descriptor) }
        return try LargeArray.make(count: count) { (buffer: UnsafeMutableBufferPointer<UInt8>) in
            var done = 0
            while done < count {
                let got = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileWriter.posixError(url, "cannot read bytes \(offset + done)..<\(offset + count)")
                }
                if got == 0 {
                    throw WeightFileError.io(path: url.path,
                        reason: "the file ends at byte \(offset + done), before the tensor data it announced (was it changed while fulcrum was reading it?)")
                }
                done += got
            }
        }
    }

    /// Appends bytes `range` of `url` to the file open as `destination`,
    /// inside the kernel when it can (`sendfile`), else through a
    /// 4 MiB buffer. `reported` names the file being written in errors.
    static func copy(_ url: URL, range: Range<Int>, to destination: Int32, reportingAs reported: URL) throws {
        guard !range.isEmpty else { return }
        let source = try openForReading(url)
        defer { _ = Glibc.close(source) }
        var offset = off_t(range.lowerBound)
        var remaining = range.count
        while remaining > 0 {
            let copied = sendfile(destination, source, &offset, Swift.min(remaining, 1 << 30))
            if copied > 0 { remaining -= copied; continue }
            if copied < 0 && errno == EINTR { continue }
            if copied == 0 { break }
            if [ENOSYS, EXDEV, EINVAL, EOPNOTSUPP, EBADF].contains(errno) { break }
            throw AtomicFileWriter.posixError(reported, "cannot copy bytes of \(url.path) into the temporary file")
        }
        guard remaining > 0 else { return }
        // Fallback: the kernel cannot copy between these files.
        let chunk = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        while remaining > 0 {
            let got = pread(source, buffer, Swift.min(chunk, remaining), offset)
            if got < 0 {
                if errno == EINTR { continue }
                throw AtomicFileWriter.posixError(url, "cannot read bytes at \(offset)")
            }
            if got == 0 {
                throw WeightFileError.io(path: url.path, reason: "the file ends at byte \(offset), before the range being copied (was it changed while fulcrum was reading it?)")
            }
            var written = 0
            while written < got {
                let put = Glibc.write(destination, buffer + written, got - written)
                if put < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileWriter.posixError(reported, "cannot write the temporary file")
                }
                written += put
            }
            offset += off_t(got)
            remaining -= got
        }
    }

    private static func openForReading(_ url: URL) throws -> Int32 {
        let descriptor = Glibc.open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AtomicFileWriter.posixError(url, "cannot open the file for reading") }
        return descriptor
    }
}
