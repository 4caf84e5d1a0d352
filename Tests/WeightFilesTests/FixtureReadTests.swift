import Foundation
import Testing
import TestSupport
@testable import WeightFiles

/// Every npy / npz / safetensors fixture reads to exactly what NumPy and
/// safetensors report in fixtures/manifest.json.
@Suite struct FixtureReadTests {
    static let formats: Set<String> = ["npy", "npz", "safetensors"]

    @Test func manifestHasFixturesOfEveryFormat() throws {
        let manifest = try FixtureManifest.load()
        for format in FixtureReadTests.formats {
            #expect(manifest.files.contains { $0.format == format }, "no \(format) fixture in the manifest")
        }
    }

    @Test(arguments: FixtureManifest.paths(formats: formats))
    func readsExactlyTheManifestValues(path: String) throws {
        let entry = try FixtureManifest.file(path)
        let file = try WeightFileOpener.open(Fixtures.url(path))
        #expect(file.format.rawValue == entry.format)
        #expect(file.framework.rawValue == entry.framework)
        #expect(file.tensorNames == entry.tensors.map(\.name))
        for expected in entry.tensors {
            let tensor = try file.read(expected.name)
            #expect(tensor.name == expected.name)
            #expect(tensor.dtype.numpyName == expected.dtype, "\(path) \(expected.name)")
            #expect(tensor.shape == expected.shape, "\(path) \(expected.name)")
            let info = try file.info(expected.name)
            #expect(info == TensorInfo(name: expected.name, dtype: tensor.dtype, shape: tensor.shape))
            let values = tensor.doubles()
            try #require(values.count == expected.values.count, "\(path) \(expected.name)")
            let mismatches = zip(expected.values, values).enumerated().filter { !$0.element.0.isIdentical(to: $0.element.1) }
            #expect(mismatches.isEmpty, "\(path) \(expected.name): first differing element \(mismatches.first.map { "\($0.offset): \($0.element.1) vs \($0.element.0.value)" } ?? "")")
        }
    }

    @Test(arguments: FixtureManifest.paths(formats: formats))
    func statisticsMatchNumPy(path: String) throws {
        let entry = try FixtureManifest.file(path)
        let file = try WeightFileOpener.open(Fixtures.url(path))
        for expected in entry.tensors {
            let statistics = try file.read(expected.name).statistics()
            #expect(statistics.nanCount == expected.nanCount)
            #expect(statistics.infCount == expected.infCount)
            // min and max are elements: exact. mean and std differ from
            // NumPy's pairwise summation only in the last bits.
            #expect(statistics.min == expected.min?.value)
            #expect(statistics.max == expected.max?.value)
            for (ours, theirs) in [(statistics.mean, expected.mean), (statistics.std, expected.std)] {
                guard let ours, let theirs = theirs?.value else { #expect(ours == nil && theirs == nil); continue }
                #expect(abs(ours - theirs) <= 1e-12 * max(1, abs(theirs)), "\(path) \(expected.name): \(ours) vs \(theirs)")
            }
        }
    }

    @Test func npyHeaderDetailsAreRead() throws {
        let v1 = try NPYFile(url: Fixtures.url("npy/f32_le_v1.npy"))
        #expect(v1.version.major == 1 && v1.byteOrder == .little && !v1.isFortranOrder)
        #expect(try NPYFile(url: Fixtures.url("npy/v2.npy")).version.major == 2)
        #expect(try NPYFile(url: Fixtures.url("npy/v3.npy")).version.major == 3)
        #expect(try NPYFile(url: Fixtures.url("npy/f32_be.npy")).byteOrder == .big)
        #expect(try NPYFile(url: Fixtures.url("npy/f64_fortran.npy")).isFortranOrder)
        let bf16 = try NPYFile(url: Fixtures.url("npy/bf16_void.npy"))
        #expect(bf16.array.header.descr.text == "|V2")
        #expect(try bf16.info("bf16_void").dtype == .bfloat16)
        #expect(try NPYFile(url: Fixtures.url("npy/scalar.npy")).info("scalar").shape == [])
    }

    @Test func npzMembersKeepTheirCompressionMethod() throws {
        let stored = try NPZFile(url: Fixtures.url("torch_mlp/model.npz"))
        let deflated = try NPZFile(url: Fixtures.url("torch_mlp/model_compressed.npz"))
        for name in stored.tensorNames {
            #expect(try stored.isCompressed(name) == false)
            #expect(try deflated.isCompressed(name) == true)
        }
    }

    @Test func safetensorsMetadataIsKept() throws {
        let file = try SafetensorsFile(url: Fixtures.url("torch_mlp/model.safetensors"))
        #expect(file.metadata == ["format": "pt"])
    }

    @Test func freeOpenFunctionSniffsTheContentsNotTheExtension() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A safetensors file with a misleading extension is still safetensors.
        let renamed = directory.appendingPathComponent("weights.npy")
        try FileManager.default.copyItem(at: Fixtures.url("torch_mlp/model.safetensors"), to: renamed)
        let file = try WeightFiles.open(renamed)
        #expect(file.format == .safetensors)
        #expect(try WeightFileOpener.sniff(Fixtures.url("torch_mlp/model.npz")) == .zip)
        #expect(try WeightFileOpener.sniff(Fixtures.url("torch_mlp/model.h5")) == .hdf5)
        #expect(try WeightFileOpener.sniff(Fixtures.url("npy/v3.npy")) == .npy)
    }
}
