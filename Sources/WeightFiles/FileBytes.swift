import Foundation

/// Reading a whole weight file once, with errors that name the path.
enum FileBytes {
    /// The file's bytes, memory-mapped (pages are read on demand; the file
    /// is not copied). Throws `WeightFileError.io` for a missing file, a
    /// directory or an unreadable file.
    static func read(_ url: URL) throws -> Data {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw WeightFileError.io(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw WeightFileError.io(path: path, reason: "is a directory, not a weight file") }
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw WeightFileError.io(path: path, reason: "cannot read the file: \(SystemErrorText.describe(error))")
        }
    }
}
