import Foundation
import WeightFiles

/// A weight file held in memory, for handing test tensors to code that
/// takes a `WeightFile` (the network analysis). Writing is not supported.
struct MemoryWeightFile: WeightFile {
    var url: URL
    var format: FileFormat = .safetensors
    var framework: Framework
    var tensors: [Tensor]
    var tensorNames: [String] { tensors.map(\.name) }
    var architectureJSON: String? { nil }
    var layerWeights: [LayerWeights] { [] }
    var optimizerTensorNames: [String] { [] }

    init(path: String, framework: Framework, tensors: [Tensor]) {
        url = URL(fileURLWithPath: path); self.framework = framework; self.tensors = tensors
    }

    func info(_ name: String) throws -> TensorInfo {
        let tensor = try read(name)
        return TensorInfo(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape)
    }

    func read(_ name: String) throws -> Tensor {
        guard let tensor = tensors.first(where: { $0.name == name }) else {
            throw WeightFileError.noSuchTensor(path: url.path, name: name)
        }
        return tensor
    }

    func write(replacing replacements: [Tensor], to destination: URL) throws {
        throw WeightFileError.io(path: destination.path, reason: "memory test files are not written")
    }
}
