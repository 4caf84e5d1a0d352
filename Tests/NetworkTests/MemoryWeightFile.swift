import Foundation
import WeightFiles

/// A weight file held in memory, for tests of everything above the format
/// layer. Writing is refused: these tests never write.
struct MemoryWeightFile: WeightFile {
    var url: URL
    var format: FileFormat
    var framework: Framework
    var tensors: [Tensor]
    var architectureJSON: String?
    var layerWeights: [LayerWeights]
    var optimizerTensorNames: [String] = []

    init(path: String = "/tmp/memory.safetensors", format: FileFormat = .safetensors, framework: Framework = .pytorch,
         tensors: [Tensor], architectureJSON: String? = nil, layerWeights: [LayerWeights] = []) {
        url = URL(fileURLWithPath: path)
        self.format = format
        self.framework = framework
        self.tensors = tensors
        self.architectureJSON = architectureJSON
        self.layerWeights = layerWeights
    }

    var tensorNames: [String] { tensors.map(\.name) }

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
        throw WeightFileError.io(path: destination.path, reason: "in-memory test file cannot be written")
    }

    /// This file with `replacements` swapped in by name.
    func replacing(_ replacements: [Tensor]) -> MemoryWeightFile {
        var copy = self
        for replacement in replacements {
            if let index = copy.tensors.firstIndex(where: { $0.name == replacement.name }) {
                copy.tensors[index] = replacement
            }
        }
        return copy
    }
}

/// Seeded values for test tensors (SplitMix64 → uniform in [-1, 1)).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-52 - 1
    }
    mutating func values(_ count: Int) -> [Double] { (0..<count).map { _ in next() } }
}

/// A float64 tensor of `shape` with seeded values in [-1, 1), or in
/// [0.5, 1.5) when `positive` (variances).
func tensor(_ name: String, _ shape: [Int], random: inout TestRandom, positive: Bool = false) throws -> Tensor {
    let values = random.values(shape.reduce(1, *)).map { positive ? 0.5 + abs($0) : $0 }
    return try Tensor(name: name, dtype: .float64, shape: shape, values: values)
}
