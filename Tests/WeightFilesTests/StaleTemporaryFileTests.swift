import Foundation
import Glibc
import Testing
import TestSupport
@testable import WeightFiles

/// Temporary files left by a killed write are never read as weights and are
/// removed by the next write of the same destination, but only when no other
/// write is under way in the directory and only when older than this process.
@Suite struct StaleTemporaryFileTests {
    static func files(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    /// Creates `name` in `directory` holding `bytes`, last modified `age` seconds ago
    /// (negative: in the future).
    @discardableResult
    static func make(_ name: String, in directory: URL, bytes: Data = Data([1, 2, 3]), age: TimeInterval) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
        return url
    }

    @Test func theProcessStartTimeIsInThePastAndRecent() {
        let start = AtomicFileWriter.processStartTime
        #expect(start <= Date())
        // This test process cannot be older than the machine's uptime.
        #expect(start > Date().addingTimeInterval(-ProcessInfo.processInfo.systemUptime - 1))
    }

    @Test func aWriteRemovesOnlyItsDestinationsStaleTemporaryFiles() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-stale")
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("weights.bin")
        try Data([0]).write(to: target)
        try StaleTemporaryFileTests.make(".weights.bin.tmp-fulcrum-dead1", in: directory, age: 3600)
        // Just before this process started (the test process may be old by now).
        let justBefore = Date().timeIntervalSince(AtomicFileWriter.processStartTime) + 1
        try StaleTemporaryFileTests.make(".weights.bin.tmp-fulcrum-dead2", in: directory, age: justBefore)
        // Modified after this process started: not provably stale.
        try StaleTemporaryFileTests.make(".weights.bin.tmp-fulcrum-live", in: directory, age: -3600)
        // Another destination's, and look-alikes that are not temporary files of this one.
        try StaleTemporaryFileTests.make(".other.bin.tmp-fulcrum-dead", in: directory, age: 3600)
        try StaleTemporaryFileTests.make(".weights.bin.tmp-fulcrum-", in: directory, age: 3600)
        try StaleTemporaryFileTests.make("weights.bin.tmp-fulcrum-visible", in: directory, age: 3600)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(".weights.bin.tmp-fulcrum-folder"),
                                                withIntermediateDirectories: false)

        try AtomicFileWriter.write(Data([4, 2]), to: target)

        #expect(try Data(contentsOf: target) == Data([4, 2]))
        let found = try StaleTemporaryFileTests.files(in: directory)
        #expect(found == [
            ".other.bin.tmp-fulcrum-dead", ".weights.bin.tmp-fulcrum-", ".weights.bin.tmp-fulcrum-folder",
            ".weights.bin.tmp-fulcrum-live", "weights.bin", "weights.bin.tmp-fulcrum-visible",
        ], "found \(found)")
    }

    @Test func nothingIsRemovedWhileAnotherWriteHoldsTheDirectory() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-stale")
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("weights.bin")
        try StaleTemporaryFileTests.make(".weights.bin.tmp-fulcrum-dead", in: directory, age: 3600)
        // What a write in progress (in any process) holds.
        let other = try #require(AtomicFileWriter.DirectoryLock(directory))
        other.shared()

        try AtomicFileWriter.write(Data([1]), to: target)
        #expect(try StaleTemporaryFileTests.files(in: directory) == [".weights.bin.tmp-fulcrum-dead", "weights.bin"])

        other.release()
        // A process that another test thread is spawning at this moment holds
        // a copy of every descriptor (and so of the lock) until its exec
        // closes them: allow a few writes for that to pass.
        for attempt in 0..<100 {
            try AtomicFileWriter.write(Data([2]), to: target)
            if try StaleTemporaryFileTests.files(in: directory) == ["weights.bin"] { break }
            if attempt < 99 { usleep(20_000) }
        }
        #expect(try StaleTemporaryFileTests.files(in: directory) == ["weights.bin"])
        #expect(try Data(contentsOf: target) == Data([2]))
    }

    @Test func aWriteHoldsTheDirectoryWhileItsWriterRuns() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-stale")
        defer { try? FileManager.default.removeItem(at: directory) }
        let probe = try #require(AtomicFileWriter.DirectoryLock(directory))
        defer { probe.release() }
        var exclusiveDuringWrite: Bool?
        try AtomicFileWriter.write(to: directory.appendingPathComponent("w.bin")) { temporary in
            exclusiveDuringWrite = probe.tryExclusive()
            try Data([1]).write(to: temporary)
        }
        #expect(exclusiveDuringWrite == false)
        #expect(probe.tryExclusive())
    }

    @Test func theOpenerRefusesATemporaryFile() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-stale")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A complete, valid file under a temporary name is still not a result.
        let temporary = directory.appendingPathComponent(".model.safetensors.tmp-fulcrum-5eed")
        try FileManager.default.copyItem(at: Fixtures.url("torch_mlp/model.safetensors"), to: temporary)
        #expect(AtomicFileWriter.isTemporaryFile(temporary))
        do {
            _ = try WeightFileOpener.open(temporary)
            Issue.record("a temporary file was opened as weights")
        } catch let error as WeightFileError {
            #expect(error.description.hasPrefix("\(temporary.path): unsupported file: a temporary file of an interrupted fulcrum write"))
        }
    }
}
