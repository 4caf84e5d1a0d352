import Foundation
import Testing
import TestSupport
@testable import WeightFiles

/// Write-back changes the rewritten data and no other byte.
@Suite struct WriteBackTests {
    /// A copy of `tensor` with every element doubled (NaN and ±Inf stay).
    static func doubled(_ tensor: Tensor) -> Tensor {
        var copy = tensor
        copy.setValues(tensor.doubles().map { $0 * 2 })
        return copy
    }

    /// A scratch directory with a copy of the fixture at `path`.
    static func scratchCopy(of path: String) throws -> (directory: URL, file: URL) {
        let directory = try Fixtures.temporaryDirectory("fulcrum-writeback")
        let file = directory.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
        try FileManager.default.copyItem(at: Fixtures.url(path), to: file)
        return (directory, file)
    }

    // MARK: npy

    @Test(arguments: FixtureManifest.paths(formats: ["npy"]))
    func npyWriteBackRewritesOnlyTheDataBytes(path: String) throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: path)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Data(contentsOf: copy)
        let file = try NPYFile(url: copy)
        let tensor = try file.read(file.name)
        let output = directory.appendingPathComponent("out.npy")
        try file.write(replacing: [WriteBackTests.doubled(tensor)], to: output)

        let written = try Data(contentsOf: output)
        let header = file.array.header
        #expect(written.count == original.count)
        #expect(written.prefix(header.dataOffset) == original.prefix(header.dataOffset), "header bytes changed")
        let dataEnd = header.dataOffset + header.dataByteCount
        #expect(written.suffix(from: dataEnd) == original.suffix(from: dataEnd))
        let reread = try NPYFile(url: output)
        #expect(reread.tensorNames == ["out"])
        #expect(try reread.read("out").doubles().map(\.bitPattern) == tensor.doubles().map { ($0 * 2).bitPattern })
    }

    @Test(arguments: FixtureManifest.paths(formats: ["npy"]))
    func npyWritingTheSameValuesGivesTheSameFile(path: String) throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: path)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try NPYFile(url: copy)
        let output = directory.appendingPathComponent("same.npy")
        try file.write(replacing: [try file.read(file.name)], to: output)
        #expect(try Data(contentsOf: output) == Data(contentsOf: Fixtures.url(path)))
    }

    /// The stored data of a big-endian file is the new values, big endian,
    /// computed here independently of the library's layout code.
    @Test func npyBigEndianDataIsWrittenBigEndian() throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: "npy/f32_be.npy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try NPYFile(url: copy)
        let values: [Double] = [1, -2, 0.5, 3, 1024, -0.25]
        let tensor = try Tensor(name: "f32_be", dtype: .float32, shape: [3, 2], values: values)
        try file.write(replacing: [tensor], to: copy)
        let written = try Data(contentsOf: copy)
        let expected = values.flatMap { value -> [UInt8] in
            let bits = Float(value).bitPattern
            return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: bits >> $0) }
        }
        #expect(Array(written.suffix(24)) == expected)
    }

    /// The stored data of a Fortran-order file is column-major.
    @Test func npyFortranDataIsWrittenColumnMajor() throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: "npy/f64_fortran.npy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try NPYFile(url: copy)
        // C order (2, 3): [[1, 2, 3], [4, 5, 6]] → column-major 1 4 2 5 3 6.
        let tensor = try Tensor(name: "f64_fortran", dtype: .float64, shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        try file.write(replacing: [tensor], to: copy)
        let written = try Data(contentsOf: copy)
        let stored = stride(from: written.count - 48, to: written.count, by: 8).map { offset -> Double in
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(written[offset + k]) << (8 * UInt64(k)) }
            return Double(bitPattern: bits)
        }
        #expect(stored == [1, 4, 2, 5, 3, 6])
    }

    // MARK: npz

    @Test(arguments: FixtureManifest.paths(formats: ["npz"]))
    func npzWriteBackKeepsOtherMembersAndHeaders(path: String) throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: path)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try NPZFile(url: copy)
        let target = try #require(file.tensorNames.first)
        let replacement = WriteBackTests.doubled(try file.read(target))
        let output = directory.appendingPathComponent("out.npz")
        try file.write(replacing: [replacement], to: output)

        let rewritten = try NPZFile(url: output)
        #expect(rewritten.members.map(\.path) == file.members.map(\.path))
        for (old, new) in zip(file.members, rewritten.members) {
            #expect(old.isCompressed == new.isCompressed, "\(old.path) changed its compression method")
            if old.name == target {
                let offset = old.array.header.dataOffset
                #expect(new.array.bytes.prefix(offset) == old.array.bytes.prefix(offset), "\(old.path): header bytes changed")
                #expect(new.array.bytes.count == old.array.bytes.count)
                #expect(try rewritten.read(target).bytes == replacement.bytes)
            } else {
                #expect(new.array.bytes == old.array.bytes, "\(old.path): untouched member changed")
            }
        }
    }

    @Test(arguments: FixtureManifest.paths(formats: ["npz"]))
    func npzWritingNothingKeepsEveryMember(path: String) throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: path)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try NPZFile(url: copy)
        try file.write(replacing: [], to: copy)  // in place
        let rewritten = try NPZFile(url: copy)
        #expect(rewritten.members.map(\.path) == file.members.map(\.path))
        #expect(rewritten.members.map(\.array.bytes) == file.members.map(\.array.bytes))
        #expect(rewritten.members.map(\.isCompressed) == file.members.map(\.isCompressed))
    }

    // MARK: safetensors

    @Test(arguments: FixtureManifest.paths(formats: ["safetensors"]))
    func safetensorsWriteBackRewritesOnlyThatTensorsBytes(path: String) throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: path)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Data(contentsOf: copy)
        let file = try SafetensorsFile(url: copy)
        let entry = file.header.entries[file.header.entries.count / 2]
        let replacement = WriteBackTests.doubled(try file.read(entry.name))
        let output = directory.appendingPathComponent("out.safetensors")
        try file.write(replacing: [replacement], to: output)

        let written = try Data(contentsOf: output)
        let start = file.header.dataStart + entry.begin, end = file.header.dataStart + entry.end
        #expect(written.count == original.count)
        #expect(written.prefix(start) == original.prefix(start), "bytes before the tensor (header included) changed")
        #expect(written.suffix(from: end) == original.suffix(from: end), "bytes after the tensor changed")
        #expect(Array(written[start..<end]) == replacement.bytes)
        #expect(try SafetensorsFile(url: output).read(entry.name) == replacement)
    }

    @Test(arguments: FixtureManifest.paths(formats: ["safetensors"]))
    func safetensorsWritingTheSameValuesGivesTheSameFile(path: String) throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: path)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try SafetensorsFile(url: copy)
        try file.write(replacing: try file.readAll(), to: copy)
        #expect(try Data(contentsOf: copy) == Data(contentsOf: Fixtures.url(path)))
    }

    // MARK: refusals

    @Test func replacementsMustMatchTheStoredTensor() throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: "torch_mlp/model.safetensors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try SafetensorsFile(url: copy)
        let wrongShape = try Tensor(name: "0.weight", dtype: .float32, shape: [4, 8], values: Array(repeating: 1, count: 32))
        #expect(throws: WeightFileError.mismatchedReplacement(path: copy.path, name: "0.weight",
                                                             reason: "shape [4, 8] differs from the stored [8, 4]")) {
            try file.write(replacing: [wrongShape], to: copy)
        }
        let unknown = try Tensor(name: "nope", dtype: .float32, shape: [1], values: [1])
        #expect(throws: WeightFileError.noSuchTensor(path: copy.path, name: "nope")) {
            try file.write(replacing: [unknown], to: copy)
        }
        #expect(try Data(contentsOf: copy) == Data(contentsOf: Fixtures.url("torch_mlp/model.safetensors")))
    }

    // MARK: failing writes

    static let failingCases = ["npy/f64_fortran.npy", "torch_mlp/model_compressed.npz", "torch_mlp/model.safetensors"]

    /// A write that fails after the new file is complete, just before the
    /// rename, leaves the original intact and no temporary file behind.
    @Test(arguments: failingCases)
    func failedInPlaceWriteLeavesTheOriginal(path: String) throws {
        let (directory, copy) = try WriteBackTests.scratchCopy(of: path)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try WeightFileOpener.open(copy)
        let replacements = try file.readAll().map(WriteBackTests.doubled)
        #expect(throws: WeightFileError.io(path: copy.path, reason: "injected failure")) {
            try AtomicFileWriter.$injectedFailure.withValue("injected failure") {
                try file.write(replacing: replacements, to: copy)
            }
        }
        #expect(try Data(contentsOf: copy) == Data(contentsOf: Fixtures.url(path)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [copy.lastPathComponent])
    }
}
