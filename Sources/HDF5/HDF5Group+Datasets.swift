import CHDF5

/// How a new dataset is stored.
public struct HDF5DatasetOptions: Sendable {
    /// Byte order of the stored elements.
    public var byteOrder: HDF5ByteOrder
    /// Chunk dimensions; nil for contiguous storage (required for filters).
    public var chunks: [Int]?
    /// Filters, in application order.
    public var filters: [HDF5FilterRequest]
    /// Store bfloat16 as h5py stores ml_dtypes' bfloat16: a 2-byte opaque
    /// type with an empty tag (little-endian bytes), instead of a 16-bit
    /// float with an 8-bit exponent.
    public var bfloat16AsOpaque: Bool

    /// Options for a new dataset; the defaults give a contiguous,
    /// unfiltered, little-endian dataset.
    public init(byteOrder: HDF5ByteOrder = .little, chunks: [Int]? = nil, filters: [HDF5FilterRequest] = [],
                bfloat16AsOpaque: Bool = false) {
        self.byteOrder = byteOrder
        self.chunks = chunks
        self.filters = filters
        self.bfloat16AsOpaque = bfloat16AsOpaque
    }
}

/// A filter to put in a new dataset's pipeline.
public enum HDF5FilterRequest: Sendable, Equatable {
    case shuffle
    /// gzip at `level` 0…9.
    case deflate(level: Int)
    case fletcher32
    /// Any registered filter id with its parameters; an optional filter
    /// that is not available is recorded in the pipeline and skipped.
    case custom(id: Int32, optional: Bool, parameters: [UInt32])
}

extension HDF5Group {
    /// Creates dataset `name` (intermediate groups are created as needed)
    /// holding `bytes` (C order, native little-endian) of `element` in
    /// `shape`, and returns it. Nothing records modification times, so the
    /// same calls give the same file bytes.
    @discardableResult
    public func createDataset(_ name: String, element: HDF5ElementType, shape: [Int], bytes: [UInt8],
                              options: HDF5DatasetOptions = HDF5DatasetOptions()) throws -> HDF5Dataset {
        let path = HDF5Object.joined(self.path, name)
        let location = HDF5Location(file: file.path, object: path)
        var components = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !name.hasPrefix("/"), !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw location.error("create dataset", "invalid dataset name '\(name)'")
        }
        guard let count = HDF5Object.elementCount(shape), bytes.count == count * element.byteCount else {
            throw location.error("create dataset", "\(bytes.count) bytes do not fill shape \(shape) of \(element.rawValue)")
        }
        let leaf = components.removeLast()
        let parent = components.isEmpty ? self : try createGroup(components.joined(separator: "/"))
        try HDF5Library.call {
            let opaque = element == .bfloat16 && options.bfloat16AsOpaque
            let fileType = opaque
                ? try HDF5Handle(H5Tcreate(H5T_OPAQUE, 2), .datatype, location, "create opaque type")
                : try element.fileType(options.byteOrder, location)
            let space = try HDF5Extent.create(shape, location)
            let dcpl = try HDF5Handle(H5Pcreate(fulcrum_H5P_DATASET_CREATE()), .propertyList, location, "create dataset property list")
            try location.check(H5Pset_obj_track_times(dcpl.id, false), "switch off time tracking")
            if let chunks = options.chunks {
                guard chunks.count == shape.count, chunks.allSatisfy({ $0 > 0 }) else {
                    throw location.error("create dataset", "chunk shape \(chunks) does not fit shape \(shape)")
                }
                try location.check(H5Pset_chunk(dcpl.id, Int32(chunks.count), chunks.map { hsize_t($0) }), "set chunking")
            } else if !options.filters.isEmpty {
                throw location.error("create dataset", "filters need chunked storage")
            }
            for filter in options.filters {
                switch filter {
                case .shuffle: try location.check(H5Pset_shuffle(dcpl.id), "add shuffle filter")
                case .deflate(let level): try location.check(H5Pset_deflate(dcpl.id, UInt32(clamping: level)), "add deflate filter")
                case .fletcher32: try location.check(H5Pset_fletcher32(dcpl.id), "add fletcher32 filter")
                case let .custom(id, optional, parameters):
                    let flags = UInt32(optional ? H5Z_FLAG_OPTIONAL : H5Z_FLAG_MANDATORY)
                    try location.check(H5Pset_filter(dcpl.id, id, flags, parameters.count, parameters), "add filter \(id)")
                }
            }
            let id = H5Dcreate2(parent.handle.id, leaf, fileType.id, space.id, fulcrum_H5P_DEFAULT(), dcpl.id, fulcrum_H5P_DEFAULT())
            let dataset = try HDF5Handle(id, .dataset, location, "create dataset")
            if count > 0 {
                let memoryType = opaque ? fileType : try element.fileType(.little, location)
                let status = bytes.withUnsafeBytes {
                    H5Dwrite(dataset.id, memoryType.id, fulcrum_H5S_ALL(), fulcrum_H5S_ALL(), fulcrum_H5P_DEFAULT(), $0.baseAddress)
                }
                try location.check(status, "write")
            }
        }
        return try parent.dataset(leaf)
    }
}
