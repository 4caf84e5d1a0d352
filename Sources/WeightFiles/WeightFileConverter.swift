import Foundation

/// Writes a set of tensors as a new file of a chosen format, for
/// `fulcrum convert`. Names, dtypes, shapes and bytes are kept exactly;
/// writes are atomic.
public enum WeightFileConverter {
    /// The formats a new file can be created in.
    public static let creatableFormats: [FileFormat] = [.npz, .safetensors, .hdf5StateDict, .npy]

    /// Writes `tensors`, in order, to a new file at `url` in `format`:
    /// `.npz` (stored members, like `np.savez`), `.safetensors`,
    /// `.hdf5StateDict` (one dataset per tensor) or `.npy` (exactly one
    /// tensor). Other formats throw `unsupportedFormat`.
    public static func write(_ tensors: [Tensor], to url: URL, as format: FileFormat) throws {
        switch format {
        case .npz:
            try NPZFile.create(at: url, tensors: tensors)
        case .safetensors:
            try SafetensorsFile.create(at: url, tensors: tensors)
        case .hdf5StateDict:
            try WeightFileOpener.createHDF5StateDict(at: url, tensors: tensors)
        case .npy:
            guard tensors.count == 1, let tensor = tensors.first else {
                throw WeightFileError.unsupportedFormat(path: url.path,
                    reason: "an .npy file holds exactly one array, but there are \(tensors.count) tensors")
            }
            try NPYFile.create(at: url, tensor: tensor)
        case .kerasH5, .kerasWeightsH5, .keras3WeightsH5, .kerasArchive:
            throw WeightFileError.unsupportedFormat(path: url.path,
                reason: "new \(format.rawValue) files cannot be created from bare tensors (they need a Keras model)")
        }
    }
}
