import Foundation

/// Paths in the repository, found from this file (the tests use nothing
/// but `import FulcrumKit`, as another package would).
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ path: String) -> URL { root.appendingPathComponent("fixtures").appendingPathComponent(path) }

    /// A fresh empty directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fulcrumkit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
