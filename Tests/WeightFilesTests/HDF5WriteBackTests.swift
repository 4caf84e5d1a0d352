import Foundation
import Testing
@testable import WeightFiles
import HDF5
import TestSupport

/// A fresh temporary directory; `remove()` (deferred) deletes it.
struct HDF5Scratch {
    let directory: URL
    init() throws { directory = try Fixtures.temporaryDirectory("fulcrum-hdf5-wf-test") }
    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
    func remove() { try? FileManager.default.removeItem(at: directory) }
    /// The names of the files in the directory, hidden ones included.
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() }
}

/// `tensor` with every value v replaced by 2v - 0.75 (rounded to its dtype).
func changed(_ tensor: Tensor) throws -> Tensor {
    try Tensor(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, values: tensor.doubles().map { 2 * $0 - 0.75 })
}

@Suite struct HDF5WriteBackTests {
    static let files = HDF5ManifestFile.load(formats: HDF5ManifestFile.hdf5Formats)

    @Test(arguments: files)
    func writeBackChangesOnlyTheReplacedDatasets(_ fixture: HDF5ManifestFile) throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let original = try HDF5WeightFile.open(fixture.url)
        // Every other writable floating-point tensor is replaced.
        let writable = try original.tensorNames.filter { name in
            let entry = try original.entry(name)
            return entry.info.dtype.isFloatingPoint && entry.filters.allSatisfy(\.canEncode)
        }
        let replacedNames = Set(writable.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        #expect(!replacedNames.isEmpty)
        let replacements = try original.tensorNames.filter(replacedNames.contains).map { try changed(original.read($0)) }
        let output = scratch.file("out.h5")
        try original.write(replacing: replacements, to: output)
        #expect(try scratch.listing() == ["out.h5"])

        let rewritten = try HDF5WeightFile.open(output)
        #expect(rewritten.format == original.format)
        #expect(rewritten.tensorNames == original.tensorNames)
        #expect(rewritten.layerWeights == original.layerWeights)
        #expect(rewritten.architectureJSON == original.architectureJSON)
        for name in original.tensorNames {
            #expect(try rewritten.info(name) == original.info(name))
            #expect(try rewritten.entry(name).layout == original.entry(name).layout)
            #expect(try rewritten.entry(name).filters == original.entry(name).filters)
            guard try original.entry(name).filters.allSatisfy(\.canDecode) else { continue }
            if let replacement = replacements.first(where: { $0.name == name }) {
                #expect(try rewritten.read(name) == replacement, "\(name)")
                #expect(try HDF5Tools.diff(fixture.url, output, object: "/" + name).status == 1, "\(name)")
            } else {
                #expect(try rewritten.read(name) == original.read(name), "\(name)")
                #expect(try HDF5Tools.diff(fixture.url, output, object: "/" + name).status == 0, "\(name)")
            }
        }
        // Types, shapes, layouts, filters, fill values and every attribute
        // (with its value) are as they were.
        #expect(try HDF5Tools.header(output) == HDF5Tools.header(fixture.url))
    }

    @Test func inPlaceWriteReplacesTheFileAtomically() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let url = scratch.file("model.h5")
        try FileManager.default.copyItem(at: Fixtures.url("keras_mlp/model.h5"), to: url)
        let file = try HDF5WeightFile.open(url)
        let kernel = try changed(file.read("model_weights/dense_1/sequential/dense_1/kernel"))
        try file.write(replacing: [kernel], to: url)
        #expect(try scratch.listing() == ["model.h5"])
        let reread = try HDF5WeightFile.open(url)
        #expect(try reread.read(kernel.name) == kernel)
        #expect(try HDF5Tools.header(url) == HDF5Tools.header(Fixtures.url("keras_mlp/model.h5")))
        #expect(try HDF5Tools.diff(Fixtures.url("keras_mlp/model.h5"), url, object: "/model_weights/dense/sequential/dense/kernel").status == 0)
    }

    @Test(arguments: ["after the copy", "before the rename"])
    func failedWriteLeavesTheOriginalAndNoTemporaryFile(_ moment: String) throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let url = scratch.file("model.h5")
        try FileManager.default.copyItem(at: Fixtures.url("torch_mlp/model.h5"), to: url)
        let before = try Data(contentsOf: url)
        let file = try HDF5WeightFile.open(url)
        let replacements = try file.tensorNames.map { try changed(file.read($0)) }
        let error = try #require(throws: WeightFileError.self) {
            if moment == "after the copy" {
                try HDF5WeightFile.$injectedFailureAfterCopy.withValue("disk full (injected)") {
                    try file.write(replacing: replacements, to: url)
                }
            } else {
                try AtomicFileWriter.$injectedFailure.withValue("disk full (injected)") {
                    try file.write(replacing: replacements, to: url)
                }
            }
        }
        #expect(error.description.contains(url.path))
        #expect(try Data(contentsOf: url) == before)
        #expect(try scratch.listing() == ["model.h5"])
    }

    @Test func lzfDatasetIsRefusedBeforeAnythingIsWritten() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let url = Fixtures.url("hdf5_variants/lzf.h5")
        let file = try HDF5WeightFile.open(url)
        let bias = try changed(file.read("0.bias"))
        let weight = try Tensor(name: "0.weight", dtype: .float32, shape: [8, 4], values: [Double](repeating: 1, count: 32))
        let output = scratch.file("out.h5")
        let error = try #require(throws: WeightFileError.self) { try file.write(replacing: [bias, weight], to: output) }
        #expect(error.description.contains(url.path))
        #expect(error.description.contains("'0.weight'"))
        #expect(error.description.contains("'lzf' (id 32000)"))
        #expect(error.description.contains("nothing was written"))
        #expect(try scratch.listing().isEmpty)
        // The readable datasets of the same file can be rewritten.
        try file.write(replacing: [bias], to: output)
        #expect(try HDF5WeightFile.open(output).read("0.bias") == bias)
    }

    @Test func mismatchedReplacementsAreRefused() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let file = try HDF5WeightFile.open(Fixtures.url("torch_mlp/model.h5"))
        let path = file.url.path
        let output = scratch.file("out.h5")
        let bias = try file.read("0.bias")
        let wrongShape = try Tensor(name: "0.bias", dtype: .float32, shape: [2, 4], bytes: bias.bytes)
        let wrongType = try Tensor(name: "0.bias", dtype: .float64, shape: [8], values: bias.doubles())
        let unknown = try Tensor(name: "9.bias", dtype: .float32, shape: [8], bytes: bias.bytes)
        #expect(throws: WeightFileError.mismatchedReplacement(path: path, name: "0.bias", reason: "shape [2, 4] differs from the stored [8]")) {
            try file.write(replacing: [wrongShape], to: output)
        }
        #expect(throws: WeightFileError.mismatchedReplacement(path: path, name: "0.bias", reason: "dtype float64 differs from the stored float32")) {
            try file.write(replacing: [wrongType], to: output)
        }
        #expect(throws: WeightFileError.noSuchTensor(path: path, name: "9.bias")) { try file.write(replacing: [unknown], to: output) }
        #expect(throws: WeightFileError.mismatchedReplacement(path: path, name: "0.bias", reason: "given twice")) {
            try file.write(replacing: [bias, bias], to: output)
        }
        #expect(try scratch.listing().isEmpty)
    }

    @Test func bigEndianChunkedAndHalfPrecisionDatasetsKeepTheirStorage() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let url = scratch.file("variants.h5")
        let halves = (0..<12).map { Float16(Float($0) / 8 - 0.5).bitPattern }
        do {
            let root = try HDF5File.create(url.path).root()
            try root.createDataset("fc1.weight", element: .float32, shape: [3, 4],
                                   bytes: (0..<12).flatMap { withUnsafeBytes(of: Float($0)) { Array($0) } },
                                   options: HDF5DatasetOptions(byteOrder: .big))
            try root.createDataset("fc1.bias", element: .float16, shape: [12],
                                   bytes: halves.flatMap { withUnsafeBytes(of: $0) { Array($0) } },
                                   options: HDF5DatasetOptions(byteOrder: .big, chunks: [5], filters: [.shuffle, .deflate(level: 9), .fletcher32]))
            try root.createDataset("fc2.weight", element: .bfloat16, shape: [2], bytes: [0x80, 0x3F, 0x00, 0x40],
                                   options: HDF5DatasetOptions(bfloat16AsOpaque: true))
            try root.setAttribute("note", .string("kept"))
        }
        let file = try HDF5WeightFile.open(url)
        #expect(file.format == .hdf5StateDict)
        #expect(try file.info("fc1.bias").dtype == .float16)
        #expect(try file.info("fc2.weight").dtype == .bfloat16)
        let replacements = try file.tensorNames.map { try changed(file.read($0)) }
        let output = scratch.file("out.h5")
        try file.write(replacing: replacements, to: output)
        let rewritten = try HDF5WeightFile.open(output)
        for replacement in replacements { #expect(try rewritten.read(replacement.name) == replacement) }
        #expect(try HDF5Tools.header(output) == HDF5Tools.header(url))
        let dump = try HDF5Tools.header(output)
        #expect(dump.contains("H5T_IEEE_F32BE"))
        #expect(dump.contains("H5T_OPAQUE"))
        // h5dump reads the rewritten big-endian floats as the new values.
        #expect(try HDF5Tools.dump(output, dataset: "/fc1.weight").contains("-0.75, 1.25, 3.25, 5.25"))
    }
}
