import Foundation
import Glibc
import Testing
import TestSupport
@testable import WeightFiles

@Suite struct AtomicFileWriterTests {
    struct Injected: Error, Equatable {}

    static func files(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func createsANewFile() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-atomic")
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("new.bin")
        try AtomicFileWriter.write(Data([1, 2, 3]), to: target)
        #expect(try Data(contentsOf: target) == Data([1, 2, 3]))
        #expect(try AtomicFileWriterTests.files(in: directory) == ["new.bin"])
    }

    @Test func replacingKeepsThePermissionBits() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-atomic")
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("weights.bin")
        try Data([0]).write(to: target)
        #expect(chmod(target.path, 0o640) == 0)
        try AtomicFileWriter.write(Data([9, 9]), to: target)
        #expect(try Data(contentsOf: target) == Data([9, 9]))
        #expect(AtomicFileWriter.currentMode(of: target) == 0o640)
    }

    @Test func aSymlinkKeepsPointingAtTheRewrittenTarget() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-atomic")
        defer { try? FileManager.default.removeItem(at: directory) }
        let realDirectory = directory.appendingPathComponent("real")
        try FileManager.default.createDirectory(at: realDirectory, withIntermediateDirectories: false)
        let target = realDirectory.appendingPathComponent("weights.bin")
        try Data([1]).write(to: target)
        let link = directory.appendingPathComponent("link.bin")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real/weights.bin")

        try AtomicFileWriter.write(Data([7, 7, 7]), to: link)

        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "real/weights.bin")
        #expect(try Data(contentsOf: target) == Data([7, 7, 7]))
        #expect(try AtomicFileWriterTests.files(in: directory) == ["link.bin", "real"])
        #expect(try AtomicFileWriterTests.files(in: realDirectory) == ["weights.bin"])
    }

    @Test func anErrorInsideTheWriterLeavesTheDestinationAndNoTemporaryFile() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-atomic")
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("weights.bin")
        try Data([1, 2, 3]).write(to: target)
        var temporaryPath: String?
        #expect(throws: Injected()) {
            try AtomicFileWriter.write(to: target) { temporary in
                temporaryPath = temporary.path
                try Data([4, 5]).write(to: temporary)  // half written
                throw Injected()
            }
        }
        #expect(try Data(contentsOf: target) == Data([1, 2, 3]))
        #expect(try AtomicFileWriterTests.files(in: directory) == ["weights.bin"])
        // The temporary file was beside the destination and recognisable.
        let temporary = try #require(temporaryPath)
        #expect(URL(fileURLWithPath: temporary).deletingLastPathComponent().path == directory.path)
        #expect(AtomicFileWriter.isTemporaryFile(URL(fileURLWithPath: temporary)))
        #expect(!AtomicFileWriter.isTemporaryFile(target))
    }

    @Test func aFailedRenameRemovesTheTemporaryFile() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-atomic")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A non-empty directory cannot be replaced by a file.
        let target = directory.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1]).write(to: target.appendingPathComponent("inside"))
        do {
            try AtomicFileWriter.write(Data([1, 2]), to: target)
            Issue.record("renaming over a directory should fail")
        } catch let error as WeightFileError {
            #expect(error.description.contains(target.path))
            #expect(error.description.contains("cannot rename"))
        }
        #expect(try AtomicFileWriterTests.files(in: directory) == ["occupied"])
        #expect(try AtomicFileWriterTests.files(in: target) == ["inside"])
    }

    @Test func aMissingDirectoryIsReportedWithThePath() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-atomic")
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("no/such/dir/out.bin")
        do {
            try AtomicFileWriter.write(Data([1]), to: target)
            Issue.record("writing into a missing directory should fail")
        } catch let error as WeightFileError {
            #expect(error.description.contains(target.path))
            #expect(error.description.contains("No such file or directory"))
        }
    }

    /// Root ignores directory permissions, so this runs only for other users.
    @Test(.enabled(if: geteuid() != 0, "root may write into read-only directories"))
    func aReadOnlyDirectoryLeavesTheOriginal() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-atomic")
        defer { chmod(directory.path, 0o755); try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("weights.bin")
        try Data([1, 2, 3]).write(to: target)
        #expect(chmod(directory.path, 0o555) == 0)
        #expect(throws: WeightFileError.self) { try AtomicFileWriter.write(Data([4]), to: target) }
        #expect(try Data(contentsOf: target) == Data([1, 2, 3]))
        #expect(try AtomicFileWriterTests.files(in: directory) == ["weights.bin"])
    }

    @Test func aWriterThatCreatesNothingIsAnError() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-atomic")
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("weights.bin")
        do {
            try AtomicFileWriter.write(to: target) { _ in }
            Issue.record("a writer that writes nothing should fail")
        } catch let error as WeightFileError {
            #expect(error.description.contains("did not create"))
        }
        #expect(try AtomicFileWriterTests.files(in: directory) == [])
    }
}
