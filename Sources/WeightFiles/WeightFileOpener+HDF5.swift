import Foundation

extension WeightFileOpener {
    /// Opens an HDF5 weight file (Keras `.h5` layouts, Keras 3
    /// `.weights.h5`, flat state dicts) with `HDF5WeightFile`.
    static func openHDF5(_ url: URL) throws -> any WeightFile {
        try HDF5WeightFile.open(url)
    }

    /// Opens a Keras `.keras` archive (config.json + model.weights.h5) with
    /// `KerasArchive`.
    static func openKerasArchive(_ url: URL) throws -> any WeightFile {
        try KerasArchive.open(url)
    }

    /// Writes a flat HDF5 state dict (see `HDF5WeightFile.createStateDict`).
    static func createHDF5StateDict(at url: URL, tensors: [Tensor]) throws {
        try HDF5WeightFile.createStateDict(at: url, tensors: tensors)
    }
}
