import Foundation
import Testing
@testable import WeightFiles
import TestSupport

/// `layerWeights` of every Keras fixture against the layers its own
/// architecture (model_config / config.json) declares.
@Suite struct HDF5KerasLayerTests {
    static let files = HDF5ManifestFile.load(formats: ["keras_h5", "keras_archive"])

    static let weightless: Set<String> = ["InputLayer", "Activation", "ReLU", "LeakyReLU", "MaxPooling2D", "AveragePooling2D",
                                          "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Flatten", "Add", "Concatenate",
                                          "Dropout", "Reshape"]

    @Test(arguments: files)
    func layerWeightsMatchTheConfig(_ fixture: HDF5ManifestFile) throws {
        let file: any WeightFile = fixture.format == "keras_archive"
            ? try KerasArchive.open(fixture.url) : try HDF5WeightFile.open(fixture.url)
        let text = try #require(file.architectureJSON)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let layers = try #require((config["config"] as? [String: Any])?["layers"] as? [[String: Any]])
        var expected: [String] = []
        for layer in layers {
            let className = layer["class_name"] as? String ?? ""
            let settings = layer["config"] as? [String: Any] ?? [:]
            let name = settings["name"] as? String ?? ""
            if Self.weightless.contains(className) {
                #expect(!file.layerWeights.contains { $0.layer == name }, "\(name) has no weights")
                continue
            }
            expected.append(name)
            let weights = try #require(file.layerWeights.first { $0.layer == name }, "\(className) \(name)")
            let shapes = try weights.tensors.map { try file.info($0).shape }
            let useBias = settings["use_bias"] as? Bool ?? true
            switch className {
            case "Dense":
                let units = settings["units"] as? Int ?? -1
                #expect(shapes.count == (useBias ? 2 : 1))
                #expect(shapes[0].count == 2 && shapes[0][1] == units, "\(name) kernel \(shapes[0])")
                if useBias { #expect(shapes[1] == [units]) }
            case "Conv2D":
                let filters = settings["filters"] as? Int ?? -1
                let kernelSize = settings["kernel_size"] as? [Int] ?? []
                #expect(shapes.count == (useBias ? 2 : 1))
                #expect(Array(shapes[0].prefix(2)) == kernelSize && shapes[0].count == 4 && shapes[0][3] == filters, "\(name) kernel \(shapes[0])")
                if useBias { #expect(shapes[1] == [filters]) }
            case "BatchNormalization":
                let count = 2 + ((settings["scale"] as? Bool ?? true) ? 1 : 0) + ((settings["center"] as? Bool ?? true) ? 1 : 0)
                #expect(shapes.count == count)
                #expect(Set(shapes).count == 1 && shapes[0].count == 1, "\(name) \(shapes)")
            default:
                Issue.record("\(fixture.path): no expectation for layer class \(className)")
            }
        }
        #expect(file.layerWeights.map(\.layer) == expected)
        // Every layer tensor is a tensor of the file, and no tensor is in two layers.
        let all = file.layerWeights.flatMap(\.tensors)
        #expect(Set(all).count == all.count)
        #expect(Set(all).isSubset(of: Set(file.tensorNames)))
        #expect(Set(all).isDisjoint(with: Set(file.optimizerTensorNames)))
    }
}
