import Foundation
import Testing
import TestSupport
@testable import WeightFiles

/// Inputs the fuzz targets in Fuzz/ found (each named after the target and
/// what went wrong), kept inline so that they stay fixed here whatever the
/// fuzzers do later. Each must be refused with a message naming the file.
@Suite struct FuzzRegressionTests {
    /// Writes `base64` to a fresh file called `name`, opens it through
    /// `WeightFileOpener` and reads every tensor; returns the error message.
    static func refusal(base64: String, name: String) throws -> String {
        let bytes = try #require(Data(base64Encoded: base64))
        let directory = try Fixtures.temporaryDirectory("fulcrum-fuzz-regression")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        do {
            _ = try WeightFileOpener.open(url).readAll()
        } catch let error as WeightFileError {
            #expect(error.description.hasPrefix(url.path + ": "), "message does not name the file: \(error)")
            return error.description
        }
        Issue.record("\(name) was accepted")
        return ""
    }

    /// FuzzNPZ, first seconds: the central directory sits past the data, so
    /// ZIPFoundation's memory-backed reader trapped (Range with lower bound
    /// above upper) and its file-backed reader listed no entry at all: the
    /// archive opened as an empty `.npz`, and a rewrite would have produced
    /// an empty archive. Now the announced member count is checked.
    @Test func npzWhoseCentralDirectoryCannotBeRead() throws {
        let message = try FuzzRegressionTests.refusal(base64:
            "UEsDBBQAAAAAAAAAIVgAAAAAAAAAAAAAAAAEAAAAZGlyL1BLAwQUAAAAAAAAACFYmsqr54gAAACIAAAACQIUAxQAAAAAAAAAIVgAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAACAAQAAAABkaXIvUEsBAhQDFAAAAAAAAAAhWJrKq+eIAAAAiAAAAAkAAAAAAAAAAAAAAIABIgAAAGRpci9hLm5weVBLBQYAAAAAAgAAAgAAaQDRAAAAAAA=",
            name: "offset.npz")
        #expect(message.contains("the zip's central directory announces 512 members, but only 0 could be read: the archive is damaged"))
    }
}

/// The member count check itself, on archives built here.
@Suite struct NPZEntryCountTests {
    @Test(arguments: ["npy/positional.npz", "torch_mlp/model.npz", "torch_mlp/model_compressed.npz", "torch_cnn/model.npz"])
    func theAnnouncedCountOfAFixtureIsItsMemberCount(path: String) throws {
        let url = Fixtures.url(path)
        let file = try NPZFile(url: url)
        #expect(NPZFile.announcedEntryCount(in: try Data(contentsOf: url)) == UInt64(file.tensorNames.count))
    }

    @Test func notAZipHasNoCount() {
        #expect(NPZFile.announcedEntryCount(in: Data()) == nil)
        #expect(NPZFile.announcedEntryCount(in: Data(repeating: 0x50, count: 100)) == nil)
    }

    @Test func anArchiveWithAMemberCutOffIsRefused() throws {
        // Two members; the second one's central directory entry is made
        // unreadable by pointing its local header past the end.
        let directory = try Fixtures.temporaryDirectory("fulcrum-npz-count")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("two.npz")
        let npy = try Data(contentsOf: Fixtures.url("npy/f32_le_v1.npy"))
        try NPZFile.writeArchive([
            .init(path: "a.npy", bytes: npy, compressed: false, modificationDate: nil, permissions: nil),
            .init(path: "b.npy", bytes: npy, compressed: false, modificationDate: nil, permissions: nil),
        ], to: url)
        var bytes = try Data(contentsOf: url)
        let central = Data([0x50, 0x4B, 0x01, 0x02])
        let first = try #require(bytes.firstRange(of: central))
        let second = try #require(bytes[first.upperBound...].firstRange(of: central))
        // Relative offset of the local header: 42 bytes into the central entry.
        for k in 0..<4 { bytes[second.lowerBound + 42 + k] = 0xF0 }
        try bytes.write(to: url)
        do {
            _ = try NPZFile(url: url)
            Issue.record("an archive with an unreadable member opened")
        } catch let error as WeightFileError {
            #expect(error.description == "\(url.path): the zip's central directory announces 2 members, but only 1 could be read: the archive is damaged")
        }
    }

    @Test func aMemberNamedTwiceIsRefused() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-npz-count")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("twice.npz")
        let npy = try Data(contentsOf: Fixtures.url("npy/f32_le_v1.npy"))
        try NPZFile.writeArchive([
            .init(path: "a.npy", bytes: npy, compressed: false, modificationDate: nil, permissions: nil),
            .init(path: "a.npy", bytes: npy, compressed: true, modificationDate: nil, permissions: nil),
        ], to: url)
        #expect(throws: WeightFileError.malformed(path: url.path, reason: "member 'a.npy' appears twice in the archive")) {
            _ = try NPZFile(url: url)
        }
    }
}
