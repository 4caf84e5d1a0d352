import Foundation
import HDF5

/// Runs the HDF5 command-line tools (hdf5-tools) that tests use as an
/// independent check of what libhdf5 wrote.
public enum HDF5Tools {
    /// The outcome of one tool run.
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Runs `tool arguments…` found on PATH and returns its exit status and
    /// its stdout and stderr together. The child gets no descriptor but
    /// 0, 1 and 2, and is started holding `HDF5Library.lock` (posix_spawn
    /// returns once the child has dropped the others), so it never holds a
    /// copy of an HDF5 file descriptor — and HDF5's lock on that file —
    /// while another test closes and reopens the file.
    public static func run(_ tool: String, _ arguments: [String]) throws -> Result {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("hdf5tools-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: outputURL) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let closeFrom = closeFrom { _ = closeFrom(&actions, 3) }
        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = HDF5Library.lock.withLock { posix_spawnp(&pid, tool, &actions, nil, argv, environ) }
        guard spawned == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "cannot run \(tool): error \(spawned)"])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return Result(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: output)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the
    /// Glibc module does not export.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// `h5dump -A -p FILE`: every object's header (types, shapes, storage
    /// layout with chunk shape, filters, fill value) and every attribute
    /// with its value, without the first line (which names the file) so
    /// two files compare. The stored size of a compressed chunked dataset
    /// ("SIZE 175 (2.286:1 COMPRESSION)") depends on its data, so it reads
    /// "SIZE (compressed)"; contiguous sizes and offsets stay.
    public static func header(_ url: URL) throws -> String {
        let result = try run("h5dump", ["-A", "-p", url.path])
        guard result.status == 0 else { return "h5dump failed (\(result.status)): \(result.output)" }
        return result.output.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            .map { line in
                line.contains("COMPRESSION)") && line.contains("SIZE ")
                    ? String(line.prefix { $0 == " " }) + "SIZE (compressed)" : String(line)
            }
            .joined(separator: "\n")
    }

    /// `h5dump -A FILE` without the first line: headers plus attribute values.
    public static func attributes(_ url: URL) throws -> String {
        let result = try run("h5dump", ["-A", "-p", url.path])
        return result.output.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
    }

    /// `h5dump -d OBJECT FILE` output (values as h5dump prints them).
    public static func dump(_ url: URL, dataset: String) throws -> String {
        try run("h5dump", ["-d", dataset, url.path]).output
    }

    /// `h5diff A B [object]`: status 0 same, 1 different, 2 error.
    public static func diff(_ a: URL, _ b: URL, object: String? = nil) throws -> Result {
        try run("h5diff", [a.path, b.path] + (object.map { [$0] } ?? []))
    }
}
