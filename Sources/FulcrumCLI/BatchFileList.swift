import Foundation

/// One entry of a batch: a file to process, or a path that cannot be
/// processed (reported as that item's error, while the rest go on).
struct BatchItem: Sendable, Equatable {
    /// The path as the user gave it, or the directory argument joined with
    /// the path found under it.
var path: String
    /// Why the path cannot be processed (it does not exist, a directory
    /// cannot be read), or nil.
var problem: String?

init(path: String, problem: String? = nil) { self.path = path; self.problem = problem }
}

/// Expands the FILES/DIRS arguments of a batch command into a sorted list.
enum BatchFileList {
    /// The file-name patterns used when `--glob` is not given: the
    /// extensions of the weight-file formats fulcrum reads.
static let defaultPatterns = ["*.h5", "*.hdf5", "*.keras", "*.npz", "*.npy", "*.safetensors"]

    /// Every file named by `arguments`: a file argument is taken as it is
    /// (whatever its name); a directory is walked recursively, skipping
    /// hidden files and folders (names starting with "."), and keeps the
    /// regular files (symbolic links followed) whose name matches one of
    /// `patterns` (fnmatch(3) on the file name, e.g. "*.safetensors").
    /// A path that does not exist becomes an item with a `problem`.
    ///
    /// The result is sorted by path, byte-wise on UTF-8 (independent of
    /// locale), with duplicates (the same file reached twice) removed, so
    /// every machine given the same arguments and files gets the same list.
static func expand(_ arguments: [String], patterns: [String] = defaultPatterns,
                              fileManager: FileManager = .default) -> [BatchItem] {
        var items: [BatchItem] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                items.append(BatchItem(path: argument, problem: "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else { items.append(BatchItem(path: argument)); continue }
            items += walk(argument, patterns: patterns, fileManager: fileManager)
        }
        var seen = Set<String>()
        return items
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            .filter { seen.insert(URL(fileURLWithPath: $0.path).standardizedFileURL.resolvingSymlinksInPath().path).inserted }
    }

    /// The matching files under `directory`.
    static func walk(_ directory: String, patterns: [String], fileManager: FileManager) -> [BatchItem] {
        guard let enumerator = fileManager.enumerator(atPath: directory) else {
            return [BatchItem(path: directory, problem: "cannot read directory")]
        }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var items: [BatchItem] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            let full = prefix + relative
            var isDirectory: ObjCBool = false
            let exists = fileManager.fileExists(atPath: full, isDirectory: &isDirectory)
            if name.hasPrefix(".") {
                if isDirectory.boolValue { enumerator.skipDescendants() }
                continue
            }
            guard exists, !isDirectory.boolValue, matches(name, patterns: patterns) else { continue }
            items.append(BatchItem(path: full))
        }
        return items
    }

    /// True when `name` matches one of the fnmatch(3) `patterns`.
static func matches(_ name: String, patterns: [String]) -> Bool {
        patterns.contains { fnmatch($0, name, 0) == 0 }
    }
}
