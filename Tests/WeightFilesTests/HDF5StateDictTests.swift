import Foundation
import Testing
@testable import WeightFiles
import HDF5
import TestSupport

@Suite struct HDF5StateDictTests {
    /// One tensor of every dtype, in an order that is not name order, some
    /// nested, one scalar and one empty.
    static func sampleTensors() throws -> [Tensor] {
        var tensors: [Tensor] = []
        for (index, dtype) in DType.allCases.enumerated() {
            let values = (0..<6).map { Double(($0 + index) % 5) - (dtype.isFloatingPoint ? 1.5 : 0) }
            let name = index % 3 == 0 ? "block\(index)/layer.\(dtype.rawValue)" : "\(20 - index).\(dtype.rawValue)"
            tensors.append(try Tensor(name: name, dtype: dtype, shape: [2, 3], values: dtype == .bool ? values.map { $0 > 1 ? 1 : 0 } : values))
        }
        tensors.append(try Tensor(name: "1.num_batches_tracked", dtype: .int64, shape: [], values: [3]))
        tensors.append(try Tensor(name: "empty", dtype: .float32, shape: [0, 4], values: []))
        return tensors
    }

    @Test func writesEveryDTypeAndReadsBackInOrder() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let url = scratch.file("out.h5")
        let tensors = try Self.sampleTensors()
        try HDF5WeightFile.createStateDict(at: url, tensors: tensors)
        #expect(try scratch.listing() == ["out.h5"])
        let file = try HDF5WeightFile.open(url)
        #expect(file.format == .hdf5StateDict)
        #expect(file.tensorNames == tensors.map(\.name))
        for tensor in tensors {
            #expect(try file.read(tensor.name) == tensor, "\(tensor.name)")
            let entry = try file.entry(tensor.name)
            #expect(entry.layout == .contiguous)
            #expect(entry.filters.isEmpty)
        }
        let header = try HDF5Tools.header(url)
        #expect(!header.contains("BE"))
        #expect(header.contains("H5T_IEEE_F32LE"))
        #expect(header.contains("H5T_STD_I64LE"))
        #expect(!header.contains("CHUNKED"))
    }

    @Test func sameTensorsGiveTheSameBytes() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let tensors = try Self.sampleTensors()
        try HDF5WeightFile.createStateDict(at: scratch.file("a.h5"), tensors: tensors)
        // A tracked modification time would differ after a second.
        Thread.sleep(forTimeInterval: 1.1)
        try HDF5WeightFile.createStateDict(at: scratch.file("b.h5"), tensors: tensors)
        #expect(try Data(contentsOf: scratch.file("a.h5")) == Data(contentsOf: scratch.file("b.h5")))
    }

    @Test func convertingAFixtureKeepsEveryValue() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let source = Fixtures.url("torch_cnn/model.h5")
        let tensors = try HDF5WeightFile.open(source).readAll()
        let url = scratch.file("copy.h5")
        try HDF5WeightFile.createStateDict(at: url, tensors: tensors)
        #expect(try HDF5WeightFile.open(url).readAll() == tensors)
        // h5diff compares every dataset of both files by path and value.
        #expect(try HDF5Tools.diff(source, url).status == 0)
    }

    @Test func overwritesAnExistingFileAtomically() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let url = scratch.file("out.h5")
        try Data("old contents".utf8).write(to: url)
        let tensor = try Tensor(name: "w", dtype: .float64, shape: [2], values: [1, 2])
        try HDF5WeightFile.createStateDict(at: url, tensors: [tensor])
        #expect(try HDF5WeightFile.open(url).readAll() == [tensor])
        #expect(try scratch.listing() == ["out.h5"])
    }

    @Test(arguments: [["a", "a"], [""], ["/a"], ["a/"], ["a//b"], ["a/./b"], ["..", "b"], ["a", "a/b"]])
    func invalidNamesAreRefusedBeforeWriting(_ names: [String]) throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let tensors = try names.map { try Tensor(name: $0, dtype: .float32, shape: [1], values: [0]) }
        let url = scratch.file("out.h5")
        let error = try #require(throws: WeightFileError.self) { try HDF5WeightFile.createStateDict(at: url, tensors: tensors) }
        #expect(error.description.contains(url.path))
        #expect(try scratch.listing().isEmpty)
    }
}
