import Foundation

/// Locations of the repository's committed fixtures and of the built tool,
/// found by walking up from this source file (no working-directory
/// assumptions).
public enum Fixtures {
    /// The repository root (the folder holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `fixtures/` in the repository.
    public static let directory = root.appendingPathComponent("fixtures")

    /// A file under `fixtures/`.
    public static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    /// A fresh empty directory under the system's temporary folder.
    public static func temporaryDirectory(_ label: String = "fulcrum-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
