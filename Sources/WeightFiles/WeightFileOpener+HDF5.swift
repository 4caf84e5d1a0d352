import Foundation

extension WeightFileOpener {
    /// Opens an HDF5 weight file. The HDF5 readers (Keras `.h5` layouts and
    /// flat state dicts) live on the `hdf5` branch and are not part of this
    /// build yet, so this refuses honestly.
    static func openHDF5(_ url: URL) throws -> any WeightFile {
        throw WeightFileError.unsupportedFormat(path: url.path,
            reason: "an HDF5 file, but this build of fulcrum does not include the HDF5 readers yet")
    }

    /// Opens a Keras `.keras` archive; refuses until the HDF5 readers are
    /// part of the build (see `openHDF5`).
    static func openKerasArchive(_ url: URL) throws -> any WeightFile {
        throw WeightFileError.unsupportedFormat(path: url.path,
            reason: "a Keras .keras archive, but this build of fulcrum does not include the HDF5 readers yet")
    }

    /// Writes a flat HDF5 state dict; refuses until the HDF5 writers are
    /// part of the build.
    static func createHDF5StateDict(at url: URL, tensors: [Tensor]) throws {
        throw WeightFileError.unsupportedFormat(path: url.path,
            reason: "writing HDF5 state dicts is not included in this build of fulcrum yet")
    }
}
