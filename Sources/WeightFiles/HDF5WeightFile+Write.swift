import Foundation
import HDF5

extension HDF5WeightFile {
    /// Writes a copy of the file to `destination` (which may be `url`) in
    /// which each dataset named by a replacement holds the replacement's
    /// data; nothing else changes: every dataset keeps its datatype (byte
    /// order included), shape, chunking, filters and attributes, and every
    /// other object is untouched (`h5diff` finds differences only in the
    /// replaced datasets).
    ///
    /// Steps: check every replacement (known name, same dtype and shape, not
    /// named twice, every filter of its dataset able to encode here — h5py's
    /// LZF is not) before anything is written; then, atomically, copy the
    /// file to a temporary path beside `destination`, open the copy
    /// read-write, overwrite each replaced dataset whole (`H5Dwrite`; HDF5
    /// converts to the stored byte order and re-applies the filters), close
    /// it, and rename it over `destination`. On failure `destination` is
    /// untouched and the temporary file is removed.
    public func write(replacing replacements: [Tensor], to destination: URL) throws {
        try checkReplacements(replacements)
        try AtomicFileWriter.write(to: destination) { temporary in
            do {
                // Copy the file's contents, not a symbolic link to it (a copied
                // link would send the writes to the original or nowhere).
                try FileManager.default.copyItem(at: AtomicFileWriter.resolvedTarget(of: url), to: temporary)
            } catch {
                throw WeightFileError.io(path: destination.path,
                    reason: "cannot copy \(displayPath) to a temporary file: \(SystemErrorText.describe(error))")
            }
            try HDF5WeightFile.overwrite(temporary, with: replacements, reportingAs: destination.path)
        }
    }

    /// Checks that every replacement names a dataset of this file, matches
    /// its dtype and shape, appears once, and that the dataset's filters can
    /// encode. Throws before anything is written.
    func checkReplacements(_ replacements: [Tensor]) throws {
        var seen = Set<String>()
        for tensor in replacements {
            guard seen.insert(tensor.name).inserted else {
                throw WeightFileError.mismatchedReplacement(path: displayPath, name: tensor.name, reason: "given twice")
            }
            let entry = try entry(tensor.name)
            guard tensor.dtype == entry.info.dtype else {
                throw WeightFileError.mismatchedReplacement(path: displayPath, name: tensor.name,
                    reason: "dtype \(tensor.dtype.numpyName) differs from the stored \(entry.info.dtype.numpyName)")
            }
            guard tensor.shape == entry.info.shape else {
                throw WeightFileError.mismatchedReplacement(path: displayPath, name: tensor.name,
                    reason: "shape \(tensor.shape) differs from the stored \(entry.info.shape)")
            }
            if let filter = entry.filters.first(where: { !$0.canEncode }) {
                throw WeightFileError.unsupportedFormat(path: displayPath, reason:
                    "cannot rewrite dataset '\(tensor.name)': it is compressed with filter \(filter.summary), " +
                    "which libhdf5 \(HDF5Library.version) cannot write; nothing was written")
            }
        }
    }

    /// When set (tests only), write-back fails with this reason right
    /// after the file has been copied and before any dataset is rewritten:
    /// a write that fails halfway.
    @TaskLocal static var injectedFailureAfterCopy: String?

    /// Opens the HDF5 file at `copy` read-write, overwrites each replaced
    /// dataset whole, and closes it (flushing). Errors name `reported`.
    static func overwrite(_ copy: URL, with replacements: [Tensor], reportingAs reported: String) throws {
        if let injected = injectedFailureAfterCopy { throw WeightFileError.io(path: reported, reason: injected) }
        do {
            let file = try HDF5File.open(copy.path, mode: .readWrite)
            for tensor in replacements {
                try file.dataset(tensor.name).write(tensor.bytes)
            }
            try file.flush()
            try file.close()
        } catch let error as HDF5Error {
            let object = error.object.map { "\($0): " } ?? ""
            throw WeightFileError.io(path: reported, reason: "\(object)\(error.operation) failed: \(error.message)")
        }
    }
}
