import Foundation
import Testing
import TestSupport
import WeightFiles

/// `fulcrum convert` keeps names and bytes exactly.
@Suite struct ConvertCommandTests {
    @Test(arguments: ["torch_mlp/model.npz", "torch_mlp/model_compressed.npz", "npy/positional.npz"])
    func npzToSafetensorsAndBackKeepsEveryBit(path: String) throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-convert")
        defer { try? FileManager.default.removeItem(at: directory) }
        let middle = directory.appendingPathComponent("model.safetensors")
        let back = directory.appendingPathComponent("back.npz")

        let first = try Tool.run(["convert", Fixtures.url(path).path, middle.path])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try Tool.run(["convert", middle.path, back.path])
        #expect(second.status == 0, "\(second.stderr)")

        let original = try NPZFile(url: Fixtures.url(path))
        let converted = try SafetensorsFile(url: middle)
        let returned = try NPZFile(url: back)
        #expect(converted.tensorNames == original.tensorNames)
        #expect(returned.tensorNames == original.tensorNames)
        for name in original.tensorNames {
            let tensor = try original.read(name)
            #expect(try converted.read(name) == tensor)
            #expect(try returned.read(name) == tensor)
            // NumPy wrote C-order little-endian members: ours are the same bytes.
            #expect(try returned.memberBytes(name) == original.memberBytes(name))
        }
    }

    @Test func safetensorsToNpzKeepsValuesOfEveryDtype() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-convert")
        defer { try? FileManager.default.removeItem(at: directory) }
        for path in ["torch_mlp_bf16/model.safetensors", "torch_mlp_f16/model.safetensors"] {
            let output = directory.appendingPathComponent(path.replacingOccurrences(of: "/", with: "_") + ".npz")
            let result = try Tool.run(["convert", Fixtures.url(path).path, output.path])
            #expect(result.status == 0, "\(result.stderr)")
            let original = try SafetensorsFile(url: Fixtures.url(path))
            let converted = try NPZFile(url: output)
            #expect(try converted.readAll() == original.readAll())
        }
    }

    @Test func npyConvertsToSafetensorsInCOrder() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-convert")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.safetensors")
        let result = try Tool.run(["convert", Fixtures.url("npy/f64_fortran.npy").path, output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let entry = try FixtureManifest.file("npy/f64_fortran.npy")
        let tensor = try SafetensorsFile(url: output).read("f64_fortran")
        #expect(tensor.doubles() == entry.tensors[0].values.map(\.value))
    }

    @Test func npzToHDF5AndBackKeepsEveryBit() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-convert")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = Fixtures.url("torch_cnn/model.npz")
        let middle = directory.appendingPathComponent("model.h5")
        let back = directory.appendingPathComponent("back.npz")
        #expect(try Tool.run(["convert", source.path, middle.path]).status == 0)
        #expect(try Tool.run(["convert", middle.path, back.path]).status == 0)
        let original = try NPZFile(url: source)
        let viaHDF5 = try WeightFileOpener.open(middle)
        #expect(viaHDF5.format == .hdf5StateDict)
        #expect(viaHDF5.tensorNames == original.tensorNames)
        #expect(try viaHDF5.readAll() == original.readAll())
        #expect(try NPZFile(url: back).readAll() == original.readAll())
    }

    @Test func hdf5StateDictConvertsToTheSameSafetensorsTensors() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-convert")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("model.safetensors")
        let result = try Tool.run(["convert", Fixtures.url("torch_mlp/model.h5").path, output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let converted = try SafetensorsFile(url: output)
        let reference = try SafetensorsFile(url: Fixtures.url("torch_mlp/model.safetensors"))
        #expect(Set(converted.tensorNames) == Set(reference.tensorNames))
        for name in reference.tensorNames {
            #expect(try converted.read(name) == reference.read(name))
        }
    }

    @Test func kerasArchiveConvertsToNpzWithItsTensorNames() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-convert")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = Fixtures.url("keras_mlp/model.keras")
        let output = directory.appendingPathComponent("weights.npz")
        let result = try Tool.run(["convert", source.path, output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let original = try WeightFileOpener.open(source)
        #expect(original.format == .kerasArchive)
        let converted = try NPZFile(url: output)
        #expect(converted.tensorNames == original.tensorNames)
        #expect(try converted.readAll() == original.readAll())
    }

    @Test func unknownOutputExtensionIsAUsageError() throws {
        let result = try Tool.run(["convert", Fixtures.url("npy/v3.npy").path, "/tmp/out.weights"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("cannot tell the output format of '/tmp/out.weights'"))
    }

    @Test func badInputExitsWithCodeTwoAndWritesNothing() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-convert")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("cut.npz")
        let bytes = try Data(contentsOf: Fixtures.url("torch_mlp/model.npz"))
        try bytes.prefix(100).write(to: bad)
        let output = directory.appendingPathComponent("out.safetensors")
        let result = try Tool.run(["convert", bad.path, output.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(bad.path): not a readable zip archive"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["cut.npz"])
    }
}
