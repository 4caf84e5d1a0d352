import Foundation
import Testing
@testable import WeightFiles
import HDF5
import TestSupport

@Suite struct HDF5WeightFileTests {
    static let files = HDF5ManifestFile.load(formats: HDF5ManifestFile.hdf5Formats)

    @Test(arguments: files)
    func readsExactlyWhatTheManifestSays(_ expected: HDF5ManifestFile) throws {
        let file = try HDF5WeightFile.open(expected.url)
        #expect(file.format.rawValue == expected.format)
        #expect(file.framework.rawValue == expected.framework)
        #expect(file.tensorNames == expected.tensors.map(\.name))
        #expect(file.skippedDatasets.isEmpty)
        for tensor in expected.tensors {
            let info = try file.info(tensor.name)
            #expect(info.dtype.numpyName == tensor.dtype, "\(tensor.name)")
            #expect(info.shape == tensor.shape, "\(tensor.name)")
            let entry = try file.entry(tensor.name)
            if let filter = entry.filters.first(where: { !$0.canDecode }) {
                // Only h5py's LZF is undecodable here: the read must say so.
                let error = try #require(throws: WeightFileError.self) { try file.read(tensor.name) }
                #expect(error.description.contains(expected.url.path))
                #expect(error.description.contains("'\(tensor.name)'"))
                #expect(error.description.contains("\(filter.id)"))
                continue
            }
            let read = try file.read(tensor.name)
            #expect(read.name == tensor.name)
            #expect(read.shape == tensor.shape)
            #expect(sameValues(read.doubles(), tensor.doubles), "\(expected.path): \(tensor.name)")
        }
    }

    @Test func lzfDatasetIsNamedAndTheRestReads() throws {
        let url = Fixtures.url("hdf5_variants/lzf.h5")
        let file = try HDF5WeightFile.open(url)
        let filters = try file.entry("0.weight").filters
        #expect(filters.map(\.id) == [2, 32000])
        #expect(filters[1].isAvailable == false)
        let error = try #require(throws: WeightFileError.self) { try file.read("0.weight") }
        #expect(error.description.contains(url.path))
        #expect(error.description.contains("'0.weight'"))
        #expect(error.description.contains("lzf"))
        for name in file.tensorNames where name != "0.weight" { _ = try file.read(name) }
    }

    @Test func kerasLegacyFullModel() throws {
        let file = try HDF5WeightFile.open(Fixtures.url("keras_mlp_adam/model.h5"))
        #expect(file.format == .kerasH5)
        #expect(file.kerasVersion == "3.15.1")
        #expect(file.backend == "torch")
        let config = try #require(file.architectureJSON)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])
        #expect(json["class_name"] as? String == "Sequential")
        #expect(file.layerWeights.map(\.layer) == ["dense", "dense_1", "dense_2"])
        #expect(file.layerWeights[0].tensors == ["model_weights/dense/sequential/dense/kernel", "model_weights/dense/sequential/dense/bias"])
        #expect(file.optimizerTensorNames.count == 14)
        #expect(file.optimizerTensorNames.allSatisfy { $0.hasPrefix("optimizer_weights/adam/") })
        #expect(file.optimizerTensorNames.first == "optimizer_weights/adam/iteration")
        #expect(Set(file.tensorNames) == Set(file.layerWeights.flatMap(\.tensors) + file.optimizerTensorNames))
    }

    @Test func keras2FixedLengthStringsAndKernelColonZeroNames() throws {
        let url = Fixtures.url("hdf5_variants/keras2_fixed_strings.h5")
        let file = try HDF5WeightFile.open(url)
        #expect(file.format == .kerasWeightsH5)
        #expect(file.kerasVersion == "2.15.0")
        #expect(file.backend == "tensorflow")
        #expect(file.architectureJSON == nil)
        #expect(file.layerWeights == [
            LayerWeights(layer: "dense", tensors: ["dense/dense/kernel:0", "dense/dense/bias:0"]),
            LayerWeights(layer: "dense_1", tensors: ["dense_1/dense_1/kernel:0", "dense_1/dense_1/bias:0"]),
            LayerWeights(layer: "dense_2", tensors: ["dense_2/dense_2/kernel:0", "dense_2/dense_2/bias:0"]),
        ])
        // The attributes really are fixed-length, as h5py 2 wrote them.
        let root = try HDF5File.open(url.path).root()
        #expect(try root.attribute("layer_names").stringStorage == .fixedASCII(7))
        #expect(try root.group("dense").attribute("weight_names").stringStorage?.length == .fixed(14))
    }

    @Test func splitAttributeListsAreJoined() throws {
        let url = Fixtures.url("hdf5_variants/keras_split_attrs.h5")
        let root = try HDF5File.open(url.path).root()
        let modelWeights = try root.group("model_weights")
        #expect(try modelWeights.hasAttribute("layer_names") == false)
        #expect(try modelWeights.attribute("layer_names0").strings == ["dense", "dense_1"])
        #expect(try modelWeights.attribute("layer_names1").strings == ["dense_2"])
        let file = try HDF5WeightFile.open(url)
        #expect(file.format == .kerasH5)
        #expect(file.layerWeights == [
            LayerWeights(layer: "dense", tensors: ["model_weights/dense/m/dense/kernel", "model_weights/dense/m/dense/bias"]),
            LayerWeights(layer: "dense_1", tensors: ["model_weights/dense_1/m/dense_1/kernel", "model_weights/dense_1/m/dense_1/bias"]),
            LayerWeights(layer: "dense_2", tensors: ["model_weights/dense_2/m/dense_2/kernel", "model_weights/dense_2/m/dense_2/bias"]),
        ])
    }

    @Test func keras3WeightsFileNamesLayersByTheirVarsNameAttribute() throws {
        let file = try HDF5WeightFile.open(Fixtures.url("keras_mlp/model.weights.h5"))
        #expect(file.format == .keras3WeightsH5)
        #expect(file.layerWeights == [
            LayerWeights(layer: "dense", tensors: ["layers/dense/vars/0", "layers/dense/vars/1"]),
            LayerWeights(layer: "dense_1", tensors: ["layers/dense_1/vars/0", "layers/dense_1/vars/1"]),
            LayerWeights(layer: "dense_2", tensors: ["layers/dense_2/vars/0", "layers/dense_2/vars/1"]),
        ])
        #expect(file.optimizerTensorNames.isEmpty)
    }

    @Test func keras3VariablesAreInIndexOrder() {
        let names = ["o/vars/0", "o/vars/1", "o/vars/10", "o/vars/11", "o/vars/2", "o/vars/x"]
        #expect(Keras3WeightsLayout.indexOrder(names) == ["o/vars/0", "o/vars/1", "o/vars/2", "o/vars/10", "o/vars/11", "o/vars/x"])
        #expect(Keras3WeightsLayout.owner(of: "layers/seq/layers/dense/vars/3") == "layers/seq/layers/dense")
        #expect(Keras3WeightsLayout.owner(of: "vars/0") == "")
    }

    @Test func stateDictInCreationOrderOrNameOrder() throws {
        let tracked = try HDF5WeightFile.open(Fixtures.url("torch_mlp/model.h5"))
        #expect(tracked.tensorNames == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        #expect(tracked.framework == .pytorch)
        #expect(tracked.layerWeights.isEmpty)
        #expect(tracked.architectureJSON == nil)
        #expect(try tracked.entry("2.weight").layout == .chunked([3, 4]))
        let untracked = try HDF5WeightFile.open(Fixtures.url("torch_cnn/model.h5"))
        #expect(untracked.tensorNames.first == "0.bias")
        #expect(try untracked.info("1.num_batches_tracked") == TensorInfo(name: "1.num_batches_tracked", dtype: .int64, shape: []))
    }

    @Test(arguments: ["bad/not_hdf5.h5", "bad/truncated.h5"])
    func badFilesGiveErrorsNamingThePath(_ path: String) throws {
        let url = Fixtures.url(path)
        let error = try #require(throws: WeightFileError.self) { try HDF5WeightFile.open(url) }
        #expect(error.description.hasPrefix(url.path + ": "))
        #expect(error.description.contains(path.hasSuffix("not_hdf5.h5") ? "not an HDF5 file" : "truncated"))
    }

    @Test func missingFileAndUnknownTensor() throws {
        let missing = Fixtures.url("absent/model.h5")
        #expect(throws: WeightFileError.io(path: missing.path, reason: "no such file")) { try HDF5WeightFile.open(missing) }
        let file = try HDF5WeightFile.open(Fixtures.url("torch_mlp/model.h5"))
        #expect(throws: WeightFileError.noSuchTensor(path: file.url.path, name: "9.weight")) { try file.read("9.weight") }
    }
}
