import CHDF5

/// Owns one libhdf5 identifier and closes it exactly once, in `deinit`
/// (or earlier through `close()`), under `HDF5Library.lock`.
final class HDF5Handle: @unchecked Sendable {
    /// Which libhdf5 close function the identifier needs.
    enum Kind {
        case file, group, dataset, datatype, dataspace, attribute, propertyList, object

        func close(_ id: hid_t) -> herr_t {
            switch self {
            case .file: return H5Fclose(id)
            case .group: return H5Gclose(id)
            case .dataset: return H5Dclose(id)
            case .datatype: return H5Tclose(id)
            case .dataspace: return H5Sclose(id)
            case .attribute: return H5Aclose(id)
            case .propertyList: return H5Pclose(id)
            case .object: return H5Oclose(id)
            }
        }
    }

    private(set) var id: hid_t
    let kind: Kind

    /// Takes ownership of `id`; throws the current HDF5 error stack at
    /// `location` when `id` is negative (the call that produced it failed).
    /// Call with `HDF5Library.lock` held.
    init(_ id: hid_t, _ kind: Kind, _ location: HDF5Location, _ operation: String) throws {
        if id < 0 { throw location.failure(operation) }
        self.id = id
        self.kind = kind
    }

    /// Closes the identifier now, reporting failure (a file's close flushes
    /// it, so its failure matters). Later calls do nothing.
    func close(_ location: HDF5Location) throws {
        try HDF5Library.call {
            guard id >= 0 else { return }
            let status = kind.close(id)
            id = -1
            if status < 0 { throw location.failure("close") }
        }
    }

    deinit {
        let id = self.id, kind = self.kind
        guard id >= 0 else { return }
        HDF5Library.call { _ = kind.close(id) }
    }
}
