import Foundation
import HDF5

extension HDF5WeightFile {
    /// Writes `tensors` as a new flat HDF5 state dict at `url` (for
    /// `fulcrum convert … out.h5`): one contiguous, unfiltered dataset per
    /// tensor, created in order in a root group that records creation order
    /// (so readers, this one and h5py included, list them in that order);
    /// a name with `/` becomes nested groups. Types are little-endian
    /// (f16 as IEEE half, bf16 as a 16-bit float with an 8-bit exponent,
    /// bool as h5py's enum). No timestamps are recorded: the same tensors
    /// give the same bytes. Atomic (see `AtomicFileWriter`).
    ///
    /// Throws `invalidTensor` before writing when two tensors share a name,
    /// or a name is empty, starts or ends with `/`, or has an empty, `.` or
    /// `..` component, or one tensor's name is a group of another's.
    public static func createStateDict(at url: URL, tensors: [Tensor]) throws {
        try checkStateDictNames(tensors.map(\.name), url: url)
        try AtomicFileWriter.write(to: url) { temporary in
            do {
                let file = try HDF5File.create(temporary.path, tracksCreationOrder: true)
                let root = try file.root()
                for tensor in tensors {
                    try createDataset(tensor, in: root)
                }
                try file.flush()
                try file.close()
            } catch let error as HDF5Error {
                let object = error.object.map { "\($0): " } ?? ""
                throw WeightFileError.io(path: url.path, reason: "\(object)\(error.operation) failed: \(error.message)")
            }
        }
    }

    /// Creates one tensor's dataset, making its groups (which record
    /// creation order) first.
    private static func createDataset(_ tensor: Tensor, in root: HDF5Group) throws {
        var components = tensor.name.split(separator: "/").map(String.init)
        let leaf = components.removeLast()
        var parent = root
        for component in components {
            parent = try parent.contains(component) ? parent.group(component)
                : parent.createGroup(component, tracksCreationOrder: true)
        }
        try parent.createDataset(leaf, element: tensor.dtype.hdf5ElementType, shape: tensor.shape, bytes: tensor.bytes)
    }

    static func checkStateDictNames(_ names: [String], url: URL) throws {
        var seen = Set<String>()
        for name in names {
            let components = name.split(separator: "/", omittingEmptySubsequences: false)
            guard !name.isEmpty, !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
                throw WeightFileError.invalidTensor(name: name,
                    reason: "cannot be an HDF5 dataset path in \(url.path) (empty, '.' or '..' component, or a leading or trailing '/')")
            }
            guard seen.insert(name).inserted else {
                throw WeightFileError.invalidTensor(name: name, reason: "appears twice; \(url.path) cannot hold two datasets of one name")
            }
        }
        for name in names {
            var prefix = ""
            for component in name.split(separator: "/").dropLast() {
                prefix += prefix.isEmpty ? String(component) : "/" + component
                if seen.contains(prefix) {
                    throw WeightFileError.invalidTensor(name: name,
                        reason: "needs a group '\(prefix)' in \(url.path), but a tensor has that name")
                }
            }
        }
    }
}
