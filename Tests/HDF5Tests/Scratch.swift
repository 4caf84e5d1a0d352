import Foundation
import TestSupport

/// A fresh temporary directory for one test; `remove()` (deferred by the
/// test) deletes it with everything in it.
struct Scratch {
    let directory: URL
    init() throws { directory = try Fixtures.temporaryDirectory("fulcrum-hdf5-test") }
    /// A path inside the directory.
    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
    /// Deletes the directory.
    func remove() { try? FileManager.default.removeItem(at: directory) }
}
