import Foundation

/// The outcome of running the built `fulcrum` executable.
public struct ToolResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the `fulcrum` executable that `swift build` put beside the test
/// bundle, as a user would: a separate process, real exit code.
public enum Tool {
    /// The built executable: `$FULCRUM_BIN` if set, else `fulcrum` in the
    /// directory holding the running test binary.
    public static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["FULCRUM_BIN"] { return URL(fileURLWithPath: path) }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = me.deletingLastPathComponent()
        // The test binary may sit inside a bundle folder (.xctest).
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("fulcrum")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            dir.deleteLastPathComponent()
        }
        return me.deletingLastPathComponent().appendingPathComponent("fulcrum")
    }

    /// Runs `fulcrum arguments…` and waits for it, in `directory` when
    /// given (else the test's working directory).
    @discardableResult
    public static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
                           in directory: URL? = nil) throws -> ToolResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so a full pipe never blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ToolResult(status: process.terminationStatus,
                          stdout: String(decoding: outData, as: UTF8.self),
                          stderr: String(decoding: errData, as: UTF8.self))
    }
}
