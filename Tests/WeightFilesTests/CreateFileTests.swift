import Foundation
import Testing
import TestSupport
@testable import WeightFiles

/// New npz and safetensors files hold exactly the tensors given.
@Suite struct CreateFileTests {
    static func sampleTensors() throws -> [Tensor] {
        [
            try Tensor(name: "fc1.weight", dtype: .float32, shape: [2, 3], values: [1, -2, 3.5, 0, -0.0, 1e-3]),
            try Tensor(name: "fc1.bias", dtype: .bfloat16, shape: [2], values: [0.5, -8]),
            try Tensor(name: "steps", dtype: .int64, shape: [], values: [42]),
            try Tensor(name: "mask", dtype: .bool, shape: [3], values: [1, 0, 1]),
            try Tensor(name: "half", dtype: .float16, shape: [1, 2], values: [.infinity, .nan]),
        ]
    }

    @Test(arguments: [FileFormat.npz, .safetensors])
    func createdFilesReadBackIdentically(format: FileFormat) throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-create")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("new.\(format.rawValue)")
        let tensors = try CreateFileTests.sampleTensors()
        try WeightFileConverter.write(tensors, to: url, as: format)
        let file = try WeightFileOpener.open(url)
        #expect(file.format == format)
        #expect(file.tensorNames == tensors.map(\.name))
        #expect(try file.readAll() == tensors)
    }

    @Test func compressedNpzDeflatesEveryMember() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-create")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("new.npz")
        let tensors = try CreateFileTests.sampleTensors()
        try NPZFile.create(at: url, tensors: tensors, compressed: true)
        let file = try NPZFile(url: url)
        #expect(try file.tensorNames.allSatisfy { try file.isCompressed($0) })
        #expect(try file.readAll() == tensors)
    }

    @Test func safetensorsHeaderIsPaddedAndCarriesMetadata() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-create")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("new.safetensors")
        try SafetensorsFile.create(at: url, tensors: try CreateFileTests.sampleTensors(), metadata: ["format": "pt"])
        let file = try SafetensorsFile(url: url)
        #expect(file.header.headerSize % 8 == 0)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.framework == .pytorch)
    }

    @Test func duplicateNamesAreRefused() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-create")
        defer { try? FileManager.default.removeItem(at: directory) }
        let tensor = try Tensor(name: "w", dtype: .float32, shape: [1], values: [1])
        #expect(throws: WeightFileError.self) {
            try SafetensorsFile.create(at: directory.appendingPathComponent("a.safetensors"), tensors: [tensor, tensor])
        }
        #expect(throws: WeightFileError.self) {
            try NPZFile.create(at: directory.appendingPathComponent("a.npz"), tensors: [tensor, tensor])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func npyHoldsExactlyOneTensor() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-create")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("two.npy")
        #expect(throws: WeightFileError.unsupportedFormat(path: url.path,
                reason: "an .npy file holds exactly one array, but there are 5 tensors")) {
            try WeightFileConverter.write(try CreateFileTests.sampleTensors(), to: url, as: .npy)
        }
    }
}
