import Foundation

extension WeightFileOpener {
    /// Opens an HDF5 weight file (Keras `.h5` layouts, Keras 3
    /// `.weights.h5`, flat state dicts) with `HDF5WeightFile`.
    static func openHDF5(_ url: URL) throws -> any WeightFile {
        try HDF5WeightFile.open(url)
    }

    /// Opens a Keras `.keras` archive. The archive reader (`KerasArchive`)
    /// is not part of this build yet, so this refuses honestly.
    static func openKerasArchive(_ url: URL) throws -> any WeightFile {
        throw WeightFileError.unsupportedFormat(path: url.path,
            reason: "a Keras .keras archive, but this build of fulcrum does not read .keras archives yet")
    }

    /// Writes a flat HDF5 state dict (see `HDF5WeightFile.createStateDict`).
    static func createHDF5StateDict(at url: URL, tensors: [Tensor]) throws {
        try HDF5WeightFile.createStateDict(at: url, tensors: tensors)
    }
}
