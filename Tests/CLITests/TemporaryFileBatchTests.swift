import Foundation
@testable import FulcrumCLI
import TestSupport
import Testing
import WeightFiles

/// Temporary files that a killed write leaves (`.<name>.tmp-fulcrum-<hex>`)
/// are never taken for inputs or results by the batch commands.
@Suite struct TemporaryFileBatchTests {
    @Test(arguments: [BatchFileList.defaultPatterns, ["*"], ["*.tmp-fulcrum-*"], [".*"]])
    func directoryWalksNeverYieldATemporaryFile(patterns: [String]) throws {
        let root = try Fixtures.temporaryDirectory("batch-temporary")
        defer { try? FileManager.default.removeItem(at: root) }
        for path in ["model.safetensors", ".model.safetensors.tmp-fulcrum-1a2b3c", "sub/w.h5", "sub/.w.h5.tmp-fulcrum-ff"] {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: url)
        }
        let found = BatchFileList.expand([root.path], patterns: patterns).map(\.path)
        #expect(found.allSatisfy { !AtomicFileWriter.isTemporaryFile(URL(fileURLWithPath: $0)) })
        if patterns == ["*"] {
            #expect(found == [root.path + "/model.safetensors", root.path + "/sub/w.h5"])
        }
    }
}
