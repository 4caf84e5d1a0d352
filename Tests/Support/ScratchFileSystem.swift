import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted on a fresh temporary directory, for tests of what
/// happens on a full disk or a read-only file system — the real conditions,
/// not a simulation. Mounting needs root (CAP_SYS_ADMIN); `mount(size:)`
/// returns nil where that is not allowed, and such tests say so and stop.
public final class ScratchFileSystem: @unchecked Sendable {
    /// The mount point.
    public let url: URL
    private let options: String
    private var mounted = true

    private init(url: URL, options: String) {
        self.url = url
        self.options = options
    }

    /// Mounts a tmpfs of `size` (tmpfs syntax: "64k", "16m") on a new
    /// temporary directory; nil when this process may not mount.
    public static func mount(size: String) throws -> ScratchFileSystem? {
        let url = try Fixtures.temporaryDirectory("fulcrum-tmpfs")
        let options = "size=\(size),mode=0755"
        guard Glibc.mount("tmpfs", url.path, "tmpfs", 0, options) == 0 else {
            try? FileManager.default.removeItem(at: url)
            return nil
        }
        return ScratchFileSystem(url: url, options: options)
    }

    /// True when this process can mount a tmpfs (tried once).
    public static let isAvailable: Bool = {
        guard let probe = try? mount(size: "4k") else { return false }
        probe.unmount()
        return true
    }()

    /// Remounts the file system read-only: every create, write and rename
    /// under it fails with EROFS, whoever the caller is.
    public func makeReadOnly() throws {
        guard Glibc.mount("tmpfs", url.path, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), options) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey:
                "cannot remount \(url.path) read-only: \(String(cString: strerror(errno)))"])
        }
    }

    /// Fills the free space with the file `name` (written until the file
    /// system refuses with ENOSPC) and returns how many bytes it took.
    @discardableResult
    public func fill(name: String = "filler") throws -> Int {
        let path = url.appendingPathComponent(name).path
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot create \(path)"])
        }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0xA5, count: 512)
        var total = 0
        while true {
            let written = chunk.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 { total += written; continue }
            if written < 0 && errno == EINTR { continue }
            guard errno == ENOSPC || written == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey:
                    "filling \(path): \(String(cString: strerror(errno)))"])
            }
            return total
        }
    }

    /// Unmounts (lazily, so an open descriptor cannot keep it) and removes
    /// the mount point. Called by `deinit` too.
    public func unmount() {
        guard mounted else { return }
        mounted = false
        _ = umount2(url.path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(at: url)
    }

    deinit { unmount() }
}
