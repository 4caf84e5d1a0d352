import Foundation

/// Where generated models live: `$FULCRUM_BENCH_DIR`, else
/// `<temporary directory>/fulcrum-bench`. A model is generated the first
/// time it is asked for and reused while its file has the expected size
/// (generation is deterministic, so the bytes are the same). Nothing here is
/// ever committed; `removeAll()` deletes the folder.
public enum ModelCache {
    /// The folder holding generated models.
    public static var directory: URL {
        if let path = ProcessInfo.processInfo.environment["FULCRUM_BENCH_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return FileManager.default.temporaryDirectory.appendingPathComponent("fulcrum-bench", isDirectory: true)
    }

    /// The file of `model`, generated when missing.
    public static func file(for model: MLPModel) throws -> URL {
        let folder = directory
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("mlp-\(model.width)x\(model.depth)-s\(String(model.seed, radix: 16)).safetensors")
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        if size != model.fileByteCount {
            try model.writeSafetensors(to: url)
        }
        return url
    }

    /// A fresh scratch folder for outputs (inside `directory`).
    public static func scratchDirectory() throws -> URL {
        let url = directory.appendingPathComponent("out-\(getpid())-\(UInt32.random(in: 0 ... .max))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Deletes every generated model and scratch folder.
    public static func removeAll() throws {
        if FileManager.default.fileExists(atPath: directory.path) {
            try FileManager.default.removeItem(at: directory)
        }
    }

    /// The models benchmarks run on: 3M and 33M, plus 130M when the
    /// environment variable `FULCRUM_BENCH_LARGE` is set (to anything but
    /// `0`), since that one takes minutes and 0.5 GB of disk per copy.
    public static var benchmarkModels: [MLPModel] {
        var models: [MLPModel] = [.small, .medium]
        if let flag = ProcessInfo.processInfo.environment["FULCRUM_BENCH_LARGE"], !flag.isEmpty, flag != "0" {
            models.append(.large)
        }
        return models
    }
}
