import Foundation
@testable import FulcrumCLI
import TestSupport
import Testing

@Suite struct BatchFileListTests {
    /// root/{b.safetensors, a.npz, notes.txt, sub/c.h5, sub/deeper/d.keras, .hidden/e.npy, .f.npy, Z.npy}
    static func tree() throws -> URL {
        let root = try Fixtures.temporaryDirectory("batch-list")
        for path in ["b.safetensors", "a.npz", "notes.txt", "sub/c.h5", "sub/deeper/d.keras", ".hidden/e.npy",
                     ".f.npy", "Z.npy", "sub/model.weights.h5"] {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: url)
        }
        return root
    }

    @Test func walksDirectoriesWithTheDefaultPatternsSortedAndSkippingHidden() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(at: root) }
        let items = BatchFileList.expand([root.path])
        let relative = items.map { String($0.path.dropFirst(root.path.count + 1)) }
        #expect(relative == ["Z.npy", "a.npz", "b.safetensors", "sub/c.h5", "sub/deeper/d.keras", "sub/model.weights.h5"])
        #expect(items.allSatisfy { $0.problem == nil })
    }

    @Test func globFiltersByFileName() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(at: root) }
        let items = BatchFileList.expand([root.path + "/"], patterns: ["*.h5", "*.txt"])
        #expect(items.map(\.path) == ["sub/c.h5", "notes.txt", "sub/model.weights.h5"]
            .map { root.path + "/" + $0 }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func namedFilesAreTakenWhateverTheirNameAndMissingOnesBecomeProblems() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(at: root) }
        let notes = root.appendingPathComponent("notes.txt").path
        let missing = root.appendingPathComponent("gone.npy").path
        let items = BatchFileList.expand([notes, missing, notes, root.appendingPathComponent("sub").path])
        #expect(items.map(\.path) == [missing, notes, root.path + "/sub/c.h5", root.path + "/sub/deeper/d.keras",
                                      root.path + "/sub/model.weights.h5"])
        #expect(items[0].problem == "no such file or directory")
        #expect(items.dropFirst().allSatisfy { $0.problem == nil })
    }

    @Test func batchOptionsCutTheListToTheShard() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(at: root) }
        var union: [String] = []
        for index in 0..<4 {
            let options = try BatchOptions.parse([root.path, "--shard", "\(index)/4"])
            let (items, total) = options.items()
            #expect(total == 6)
            union += items.map(\.path)
        }
        #expect(union.sorted() == BatchFileList.expand([root.path]).map(\.path).sorted())
    }

    @Test(arguments: [["--jobs", "0", "x"], ["--shard", "4/4", "x"], ["--shard", "x/y", "x"], []])
    func badOptionsAreUsageErrors(arguments: [String]) {
        #expect(throws: (any Error).self) { _ = try BatchOptions.parse(arguments) }
    }
}

@Suite struct BatchRunnerTests {
    struct Outcome: BatchOutcome {
        var path: String
        var batchStatus: BatchStatus
    }

    @Test(arguments: [1, 2, 4, 16])
    func resultsComeBackInListOrderWhateverTheWorkers(jobs: Int) {
        let items = (0..<40).map { BatchItem(path: "f\($0)") }
        let results = BatchRunner(jobs: jobs).run(items) { item in
            // Uneven work so workers finish out of order.
            var x = 0.0
            for i in 0..<(Int(item.path.dropFirst())! % 7) * 20_000 { x += Double(i).squareRoot() }
            return item.path + (x < 0 ? "!" : "")
        }
        #expect(results == items.map(\.path))
    }

    @Test func summaryCountsAndExitCodes() {
        let outcomes = [Outcome(path: "a", batchStatus: .passed), Outcome(path: "b", batchStatus: .failed),
                        Outcome(path: "c", batchStatus: .errored("c: broken"))]
        let summary = BatchSummary(outcomes)
        #expect(summary.exitCode == 2)
        #expect(summary.lines(command: "audit", shard: BatchShard(index: 1, count: 2), listed: 6) == [
            "fulcrum: error: c: broken",
            "audit: 3 files, 1 passed, 1 failed, 1 error (shard 1/2 of 6 files)",
        ])
        #expect(BatchSummary(Array(outcomes.prefix(2))).exitCode == 1)
        #expect(BatchSummary(Array(outcomes.prefix(1))).exitCode == 0)
        #expect(BatchSummary.prefixed("boom", path: "x.npy") == "x.npy: boom")
        #expect(BatchSummary.prefixed("x.npy: boom", path: "x.npy") == "x.npy: boom")
    }

    @Test func progressLineShowsCountAndFitsTheWidth() {
        let written = LockedStrings()
        let progress = BatchProgress(total: 4, width: 40) { written.append($0) }
        progress.start()
        progress.finished("checkpoints/a/very/long/path/to/a/model.safetensors")
        progress.clear()
        let lines = written.values
        #expect(lines[0] == "\r\u{1B}[2K[........................] 0/4")
        #expect(lines[1].hasPrefix("\r\u{1B}[2K[######..................] 1/4  …"))
        #expect(lines[1].dropFirst(5).count <= 39)
        #expect(lines[2] == "\r\u{1B}[2K")
    }
}

final class LockedStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ text: String) { lock.withLock { list.append(text) } }
    var values: [String] { lock.withLock { list } }
}
