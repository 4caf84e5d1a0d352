import Foundation
import Testing
@testable import WeightFiles
import HDF5
import TestSupport
import ZIPFoundation

@Suite struct HDF5KerasArchiveTests {
    static let archives = HDF5ManifestFile.load(formats: ["keras_archive"])

    /// The raw bytes of every member of the zip at `url`, in order, with
    /// whether each is compressed.
    static func members(_ url: URL) throws -> [(path: String, compressed: Bool, bytes: Data)] {
        let archive = try Archive(url: url, accessMode: .read)
        return try archive.map { entry in
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            return (entry.path, entry.isCompressed, data)
        }
    }

    @Test(arguments: archives)
    func readsExactlyWhatTheManifestSays(_ expected: HDF5ManifestFile) throws {
        let file = try KerasArchive.open(expected.url)
        #expect(file.format == .kerasArchive)
        #expect(file.framework == .keras)
        #expect(file.tensorNames == expected.tensors.map(\.name))
        for tensor in expected.tensors {
            #expect(try file.info(tensor.name) == TensorInfo(name: tensor.name, dtype: DType(rawValue: tensor.dtype) ?? .bool, shape: tensor.shape))
            #expect(sameValues(try file.read(tensor.name).doubles(), tensor.doubles), "\(tensor.name)")
        }
        let config = try #require(Self.members(expected.url).first { $0.path == "config.json" })
        #expect(file.architectureJSON == String(decoding: config.bytes, as: UTF8.self))
        #expect(file.metadataJSON?.contains("keras_version") == true)
    }

    @Test(arguments: archives)
    func savingLibNamingAgreesWithTheNamesKerasWrote(_ expected: HDF5ManifestFile) throws {
        let file = try KerasArchive.open(expected.url)
        let configText = try #require(file.architectureJSON)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(configText.utf8)) as? [String: Any])
        let placements = KerasSavingNames.placements(inModelConfig: config)
        // Every vars group carries its layer's name (Keras 3.15); the
        // group's path is the one saving_lib's naming predicts.
        #expect(file.weights.keras3Owners.allSatisfy { $0.nameAttribute != nil })
        for layer in file.layerWeights {
            let placement = try #require(placements.first { $0.layer == layer.layer })
            #expect(layer.tensors.allSatisfy { $0.hasPrefix(placement.path + "/vars/") }, "\(layer.layer) at \(placement.path)")
        }
        // Without the name attributes, the naming alone gives the same layers.
        let stripped = try HDF5Scratch()
        defer { stripped.remove() }
        let weightsURL = stripped.file("model.weights.h5")
        let weightsData = try #require(Self.members(expected.url).first { $0.path == "model.weights.h5" }).bytes
        try weightsData.write(to: weightsURL)
        do {
            let h5 = try HDF5File.open(weightsURL.path, mode: .readWrite)
            for owner in file.weights.keras3Owners {
                try h5.group(owner.path.isEmpty ? "vars" : owner.path + "/vars").removeAttribute("name")
            }
            try h5.close()
        }
        let bare = try HDF5WeightFile.open(weightsURL)
        #expect(bare.keras3Owners.allSatisfy { $0.nameAttribute == nil })
        #expect(KerasArchive.layerWeights(bare, config: config) == file.layerWeights)
    }

    @Test func resnetLayersAreNamedAsTheConfigNamesThem() throws {
        let file = try KerasArchive.open(Fixtures.url("keras_resnet/model.keras"))
        #expect(file.layerWeights.map(\.layer) == ["stem_conv", "stem_bn", "block_conv1", "block_bn1", "block_conv2", "block_bn2", "dense"])
        #expect(file.layerWeights[0].tensors == ["layers/conv2d/vars/0", "layers/conv2d/vars/1"])
        #expect(file.layerWeights[3].tensors == (0..<4).map { "layers/batch_normalization_1/vars/\($0)" })
        #expect(file.optimizerTensorNames.isEmpty)
        let adam = try KerasArchive.open(Fixtures.url("keras_mlp_adam/model.keras"))
        #expect(adam.optimizerTensorNames.count == 14)
        #expect(adam.optimizerTensorNames.allSatisfy { $0.hasPrefix("optimizer/vars/") })
    }

    @Test(arguments: [("Dense", "dense"), ("BatchNormalization", "batch_normalization"), ("ReLU", "re_lu"),
                      ("Conv2D", "conv2d"), ("GlobalAveragePooling2D", "global_average_pooling2d"),
                      ("LeakyReLU", "leaky_re_lu"), ("MaxPooling2D", "max_pooling2d"), ("InputLayer", "input_layer"),
                      ("Sequential", "sequential"), ("MyCustom>Layer", "my_custom_layer")])
    func snakeCaseAsKerasDoesIt(_ className: String, _ expected: String) {
        #expect(KerasSavingNames.snakeCase(className) == expected)
    }

    @Test func nestedModelsArePlacedInsideTheirContainer() {
        let config: [String: Any] = [
            "class_name": "Functional",
            "config": ["layers": [
                ["class_name": "InputLayer", "config": ["name": "in"]],
                ["class_name": "Dense", "config": ["name": "d1"]],
                ["class_name": "Sequential", "config": ["name": "head", "layers": [
                    ["class_name": "InputLayer", "config": ["name": "head_in"]],
                    ["class_name": "Dense", "config": ["name": "d2"]],
                    ["class_name": "Dense", "config": ["name": "d3"]],
                ]]],
                ["class_name": "Dense", "config": ["name": "d4"]],
            ]],
        ]
        #expect(KerasSavingNames.placements(inModelConfig: config) == [
            .init(layer: "in", path: "layers/input_layer"),
            .init(layer: "d1", path: "layers/dense"),
            .init(layer: "head", path: "layers/sequential"),
            .init(layer: "d2", path: "layers/sequential/layers/dense"),
            .init(layer: "d3", path: "layers/sequential/layers/dense_1"),
            .init(layer: "d4", path: "layers/dense_1"),
        ])
    }

    @Test(arguments: archives)
    func writeBackKeepsEveryOtherMemberAndDataset(_ fixture: HDF5ManifestFile) throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let file = try KerasArchive.open(fixture.url)
        let replaced = file.layerWeights.enumerated().filter { $0.offset % 2 == 0 }.flatMap(\.element.tensors)
        let replacements = try replaced.map { try changed(file.read($0)) }
        let output = scratch.file("out.keras")
        try file.write(replacing: replacements, to: output)
        #expect(try scratch.listing() == ["out.keras"])

        let before = try Self.members(fixture.url), after = try Self.members(output)
        #expect(after.map(\.path) == before.map(\.path))
        #expect(after.map(\.compressed) == before.map(\.compressed))
        for (old, new) in zip(before, after) where old.path != "model.weights.h5" {
            #expect(new.bytes == old.bytes, "\(old.path)")
        }
        let oldWeights = scratch.file("old.weights.h5"), newWeights = scratch.file("new.weights.h5")
        try #require(before.first { $0.path == "model.weights.h5" }).bytes.write(to: oldWeights)
        try #require(after.first { $0.path == "model.weights.h5" }).bytes.write(to: newWeights)
        #expect(try HDF5Tools.header(newWeights) == HDF5Tools.header(oldWeights))
        for name in file.tensorNames {
            #expect(try HDF5Tools.diff(oldWeights, newWeights, object: "/" + name).status == (replaced.contains(name) ? 1 : 0), "\(name)")
        }

        let reread = try KerasArchive.open(output)
        #expect(reread.layerWeights == file.layerWeights)
        #expect(reread.architectureJSON == file.architectureJSON)
        for name in file.tensorNames {
            let expected = try replacements.first { $0.name == name } ?? file.read(name)
            #expect(try reread.read(name) == expected, "\(name)")
        }
    }

    @Test func deflatedMembersStayDeflatedAndFoldersStay() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        // keras_mlp's archive re-zipped with config.json and
        // model.weights.h5 deflated (as zipfile.ZIP_DEFLATED would store them).
        let url = scratch.file("deflated.keras")
        let original = try Self.members(Fixtures.url("keras_mlp/model.keras"))
        do {
            let archive = try Archive(url: url, accessMode: .create)
            try archive.addEntry(with: "assets/", type: .directory, uncompressedSize: 0, compressionMethod: .none) { (_: Int64, _: Int) in Data() }
            for member in original {
                let data = member.bytes
                try archive.addEntry(with: member.path, type: .file, uncompressedSize: Int64(data.count),
                                     compressionMethod: member.path == "metadata.json" ? .none : .deflate) { position, size in
                    data.subdata(in: Int(position) ..< min(Int(position) + size, data.count))
                }
            }
        }
        let file = try KerasArchive.open(url)
        let kernel = try changed(file.read("layers/dense_1/vars/0"))
        let output = scratch.file("out.keras")
        try file.write(replacing: [kernel], to: output)
        let before = try Self.members(url), after = try Self.members(output)
        #expect(after.map(\.path) == ["assets/", "metadata.json", "config.json", "model.weights.h5"])
        #expect(after.map(\.compressed) == [false, false, true, true])
        #expect(after[1].bytes == before[1].bytes)
        #expect(after[2].bytes == before[2].bytes)
        #expect(try KerasArchive.open(output).read(kernel.name) == kernel)
    }

    @Test(arguments: ["after the copy", "before the rename"])
    func failedWriteLeavesTheArchiveIntact(_ moment: String) throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let url = scratch.file("model.keras")
        try FileManager.default.copyItem(at: Fixtures.url("keras_mlp/model.keras"), to: url)
        let before = try Data(contentsOf: url)
        let file = try KerasArchive.open(url)
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
        #expect(try scratch.listing() == ["model.keras"])
    }

    @Test func replacementsAreCheckedAgainstTheArchive() throws {
        let scratch = try HDF5Scratch()
        defer { scratch.remove() }
        let url = Fixtures.url("keras_mlp/model.keras")
        let file = try KerasArchive.open(url)
        let unknown = try Tensor(name: "layers/dense_9/vars/0", dtype: .float32, shape: [1], values: [0])
        #expect(throws: WeightFileError.noSuchTensor(path: url.path, name: unknown.name)) {
            try file.write(replacing: [unknown], to: scratch.file("out.keras"))
        }
        #expect(throws: WeightFileError.noSuchTensor(path: url.path, name: "nope")) { try file.read("nope") }
        #expect(try scratch.listing().isEmpty)
    }

    @Test func badArchivesGiveErrorsNamingThePath() throws {
        let truncated = Fixtures.url("bad/truncated.keras")
        let error = try #require(throws: WeightFileError.self) { try KerasArchive.open(truncated) }
        #expect(error.description.hasPrefix(truncated.path + ": "))
        #expect(error.description.contains("zip"))
        let npz = try #require(HDF5ManifestFile.load(formats: ["npz"]).first).url
        let notKeras = try #require(throws: WeightFileError.self) { try KerasArchive.open(npz) }
        #expect(notKeras.description.hasPrefix(npz.path + ": "))
        #expect(notKeras.description.contains("not a Keras archive"))
    }
}
