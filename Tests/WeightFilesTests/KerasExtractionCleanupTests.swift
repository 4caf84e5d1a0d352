import Foundation
import Testing
import TestSupport
@testable import WeightFiles
import ZIPFoundation

/// Reading or writing a `.keras` archive extracts model.weights.h5 into the
/// system's temporary folder; a killed process leaves that directory
/// behind, and the next archive opened removes it — never one in use.
@Suite struct KerasExtractionCleanupTests {
    static func directory(_ name: String, in folder: URL, age: TimeInterval) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        try Data([1]).write(to: url.appendingPathComponent("model.weights.h5"))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
        return url
    }

    @Test func onlyUnlockedDirectoriesFromBeforeThisProcessAreRemoved() throws {
        let folder = try Fixtures.temporaryDirectory("fulcrum-keras-cleanup")
        defer { try? FileManager.default.removeItem(at: folder) }
        let dead = try Self.directory("fulcrum-keras-dead", in: folder, age: 3600)
        let live = try Self.directory("fulcrum-keras-live", in: folder, age: 3600)
        _ = try Self.directory("fulcrum-keras-new", in: folder, age: -3600)
        _ = try Self.directory("keras-other", in: folder, age: 3600)
        try Data([1]).write(to: folder.appendingPathComponent("fulcrum-keras-file"))
        let held = try #require(AtomicFileWriter.DirectoryLock(live))
        #expect(held.tryExclusive())
        defer { held.release() }

        let removed = KerasArchive.removeStaleExtractionDirectories(in: folder)

        #expect(removed.map(\.lastPathComponent) == [dead.lastPathComponent])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() ==
                ["fulcrum-keras-file", "fulcrum-keras-live", "fulcrum-keras-new", "keras-other"])
    }

    @Test func anExtractionDirectoryIsLockedWhileInUseAndGoneAfter() throws {
        let url = Fixtures.url("keras_mlp/model.keras")
        let archive = try Archive(url: url, accessMode: .read)
        var inUse: URL?
        var lockedWhileInUse = false
        try KerasArchive.withExtractedWeights(of: url, archive: archive) { weights in
            inUse = weights.deletingLastPathComponent()
            let probe = AtomicFileWriter.DirectoryLock(weights.deletingLastPathComponent())
            lockedWhileInUse = probe?.tryExclusive() == false
            probe?.release()
        }
        #expect(lockedWhileInUse)
        let directory = try #require(inUse)
        #expect(directory.lastPathComponent.hasPrefix(KerasArchive.extractionPrefix))
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }
}
