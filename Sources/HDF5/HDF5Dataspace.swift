import CHDF5

/// The extent of a dataset or attribute.
struct HDF5Extent {
    /// Dimensions, C order; empty for a scalar; `[0]` for a null dataspace.
    var shape: [Int]
    /// Number of elements.
    var count: Int

    /// Reads the extent of dataspace `id`. Call with the lock held.
    static func of(_ id: hid_t, _ location: HDF5Location) throws -> HDF5Extent {
        switch H5Sget_simple_extent_type(id) {
        case H5S_SCALAR:
            return HDF5Extent(shape: [], count: 1)
        case H5S_NULL:
            return HDF5Extent(shape: [0], count: 0)
        case H5S_SIMPLE:
            let rank = Int(try location.check(H5Sget_simple_extent_ndims(id), "get rank"))
            var dims = [hsize_t](repeating: 0, count: rank)
            try location.check(H5Sget_simple_extent_dims(id, &dims, nil), "get dimensions")
            var count = 1
            for dim in dims {
                let (product, overflow) = count.multipliedReportingOverflow(by: Int(clamping: dim))
                guard !overflow, dim <= hsize_t(Int.max) else {
                    throw location.error("get dimensions", "shape \(dims) has too many elements")
                }
                count = product
            }
            return HDF5Extent(shape: dims.map { Int($0) }, count: count)
        default:
            throw location.failure("get dataspace")
        }
    }

    /// A new dataspace of `shape` (scalar when empty). Call with the lock held.
    static func create(_ shape: [Int], _ location: HDF5Location) throws -> HDF5Handle {
        if shape.isEmpty {
            return try HDF5Handle(H5Screate(H5S_SCALAR), .dataspace, location, "create dataspace")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw location.error("create dataspace", "negative dimension in \(shape)") }
        let dims = shape.map { hsize_t($0) }
        return try HDF5Handle(H5Screate_simple(Int32(dims.count), dims, nil), .dataspace, location, "create dataspace")
    }
}
