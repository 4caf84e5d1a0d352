import Foundation

/// The container format of a weight file.
public enum FileFormat: String, Sendable, Codable {
    case npy, npz, safetensors
    /// Keras 2/3 legacy full model `.h5` (root `model_config`, `model_weights`).
    case kerasH5 = "keras_h5"
    /// Keras `save_weights` `.h5` (layer groups with `weight_names` at the root).
    case kerasWeightsH5 = "keras_weights_h5"
    /// Keras 3 `.weights.h5` (`/layers/<name>/vars/<i>`).
    case keras3WeightsH5 = "keras3_weights_h5"
    /// Keras 3 `.keras` zip archive (config.json + model.weights.h5).
    case kerasArchive = "keras_archive"
    /// A flat HDF5 state dict: one dataset per tensor (`fc1.weight`).
    case hdf5StateDict = "hdf5_state_dict"
}

/// The framework whose conventions the file follows (kernel orientation,
/// flatten order).
public enum Framework: String, Sendable, Codable {
    case keras, pytorch, unknown
}

/// What a tensor is, without its data.
public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name; self.dtype = dtype; self.shape = shape
    }
}

/// Keras layer → its weight tensors, in Keras's load order
/// (Dense: kernel, bias; BatchNormalization: gamma, beta, moving_mean,
/// moving_variance, each only if present).
public struct LayerWeights: Sendable, Equatable {
    /// The layer's name as the architecture (model_config / config.json) spells it.
    public var layer: String
    /// Tensor names as `WeightFile.tensorNames` spells them.
    public var tensors: [String]
    public init(layer: String, tensors: [String]) { self.layer = layer; self.tensors = tensors }
}

/// An opened weight file. Implementations read lazily or eagerly as suits
/// the format, but never modify the file; write-back goes through
/// `write(replacing:to:)`, which is atomic.
public protocol WeightFile: Sendable {
    /// The path the file was opened from.
    var url: URL { get }
    var format: FileFormat { get }
    var framework: Framework { get }
    /// Every tensor's name, in the file's own order.
    var tensorNames: [String] { get }
    /// The architecture the file carries, as the JSON text Keras wrote
    /// (`model_config` attribute or the archive's config.json), else nil.
    var architectureJSON: String? { get }
    /// For Keras files: every layer that has weights, in file order.
    /// Empty for formats that carry no layer structure.
    var layerWeights: [LayerWeights] { get }
    /// Tensors the file stores beside the weights that a rescaling leaves
    /// stale (optimizer moments); write-back keeps them byte-identical and
    /// callers warn about them.
    var optimizerTensorNames: [String] { get }

    /// Shape and dtype of one tensor; throws `noSuchTensor`.
    func info(_ name: String) throws -> TensorInfo
    /// One tensor with its data (C order, native byte order).
    func read(_ name: String) throws -> Tensor
    /// Writes a copy of this file to `destination` (which may equal `url`)
    /// in which each tensor of `replacements` (same name, dtype and shape as
    /// stored) has new data and every other byte is kept where the format
    /// allows. Atomic: a temporary file in the destination's directory,
    /// fsync, rename; on failure the destination is untouched.
    func write(replacing replacements: [Tensor], to destination: URL) throws
}

extension WeightFile {
    /// Every tensor, in file order.
    public func readAll() throws -> [Tensor] { try tensorNames.map { try read($0) } }
}
