import CHDF5

/// A dataset: an n-dimensional array of one datatype, with its storage
/// layout and filter pipeline.
public final class HDF5Dataset: HDF5Object, @unchecked Sendable {
    /// Dimensions in C order; empty for a scalar.
    public let shape: [Int]
    /// Number of elements.
    public let elementCount: Int
    /// The stored datatype.
    public let type: HDF5TypeDescription
    /// How the data are laid out in the file.
    public let layout: HDF5Layout
    /// The filter pipeline, in application order (empty when unfiltered).
    public let filters: [HDF5Filter]

    private init(file: HDF5File, path: String, handle: HDF5Handle, location: HDF5Location) throws {
        let space = try HDF5Handle(H5Dget_space(handle.id), .dataspace, location, "get dataspace")
        let extent = try HDF5Extent.of(space.id, location)
        let type = try HDF5Handle(H5Dget_type(handle.id), .datatype, location, "get datatype")
        let dcpl = try HDF5Handle(H5Dget_create_plist(handle.id), .propertyList, location, "get creation properties")
        shape = extent.shape
        elementCount = extent.count
        self.type = try HDF5TypeDescription.describe(type.id, location)
        layout = try HDF5Layout.read(dcpl.id, location)
        filters = try HDF5Filter.pipeline(dcpl.id, location)
        super.init(file: file, path: path, handle: handle)
    }

    static func open(in file: HDF5File, parentID: hid_t, parentLocation: HDF5Location, name: String) throws -> HDF5Dataset {
        let path = joined(parentLocation.object, name)
        let location = HDF5Location(file: file.path, object: path)
        return try HDF5Library.call {
            let handle = try HDF5Handle(H5Dopen2(parentID, name, fulcrum_H5P_DEFAULT()), .dataset, location, "open dataset")
            return try HDF5Dataset(file: file, path: path, handle: handle, location: location)
        }
    }

    /// The element type the data read as; throws naming the dataset and
    /// its stored type when this layer cannot read it as numbers.
    public func elementType() throws -> HDF5ElementType {
        guard let element = type.elementType else {
            throw location.error("read", "unsupported datatype: \(type.unsupportedReason ?? type.typeClass)")
        }
        return element
    }

    /// Every element, in C order and native little-endian byte order,
    /// whatever the stored byte order, layout and filters.
    public func read() throws -> [UInt8] {
        let element = try elementType()
        return try HDF5Library.call {
            var bytes = [UInt8](repeating: 0, count: elementCount * element.byteCount)
            guard elementCount > 0 else { return bytes }
            let fileType = try HDF5Handle(H5Dget_type(handle.id), .datatype, location, "get datatype")
            let memoryType = try HDF5TypeDescription.memoryType(matching: fileType.id, type, location)
            let status = bytes.withUnsafeMutableBytes {
                H5Dread(handle.id, memoryType.id, fulcrum_H5S_ALL(), fulcrum_H5S_ALL(), fulcrum_H5P_DEFAULT(), $0.baseAddress)
            }
            try location.check(status, "read")
            return bytes
        }
    }

    /// Overwrites the whole dataset with `bytes` (C order, native
    /// little-endian, `elementCount × byteCount` of them). The datatype,
    /// shape, layout, filters and attributes stay as they are: HDF5 converts
    /// to the stored byte order and re-applies the filters. Throws before
    /// writing when the file is read-only, the byte count is wrong, or a
    /// filter cannot encode here (`unwritableFilter`).
    public func write(_ bytes: [UInt8]) throws {
        let element = try elementType()
        guard file.mode == .readWrite else { throw location.error("write", "the file is open read-only") }
        guard bytes.count == elementCount * element.byteCount else {
            throw location.error("write", "\(bytes.count) bytes given for \(elementCount) elements of \(element.rawValue) (shape \(shape))")
        }
        if let filter = unwritableFilter {
            throw location.error("write", "filter \(filter.summary) is not available for writing in this libhdf5")
        }
        try HDF5Library.call {
            guard elementCount > 0 else { return }
            let fileType = try HDF5Handle(H5Dget_type(handle.id), .datatype, location, "get datatype")
            let memoryType = try HDF5TypeDescription.memoryType(matching: fileType.id, type, location)
            let status = bytes.withUnsafeBytes {
                H5Dwrite(handle.id, memoryType.id, fulcrum_H5S_ALL(), fulcrum_H5S_ALL(), fulcrum_H5P_DEFAULT(), $0.baseAddress)
            }
            try location.check(status, "write")
        }
    }

    /// The first filter of the pipeline that this libhdf5 cannot apply when
    /// writing (not available, or decode-only), or nil.
    public var unwritableFilter: HDF5Filter? { filters.first { !$0.canEncode } }
}

/// How a dataset's data are stored.
public enum HDF5Layout: Sendable, Equatable {
    case compact, contiguous
    /// Chunked, with the chunk's dimensions.
    case chunked([Int])
    case virtual

    static func read(_ dcpl: hid_t, _ location: HDF5Location) throws -> HDF5Layout {
        switch H5Pget_layout(dcpl) {
        case H5D_COMPACT: return .compact
        case H5D_CONTIGUOUS: return .contiguous
        case H5D_VIRTUAL: return .virtual
        case H5D_CHUNKED:
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = try location.check(H5Pget_chunk(dcpl, Int32(dims.count), &dims), "get chunk dimensions")
            return .chunked(dims.prefix(Int(rank)).map { Int($0) })
        default:
            throw location.failure("get layout")
        }
    }
}

/// One filter of a dataset's pipeline.
public struct HDF5Filter: Sendable, Equatable {
    /// The registered filter id (1 deflate, 2 shuffle, 3 fletcher32, 32000 LZF, …).
    public var id: Int32
    /// The name stored in the file (may be empty).
    public var name: String
    /// True when the filter may be skipped (`H5Z_FLAG_OPTIONAL`).
    public var isOptional: Bool
    /// The filter's client data values.
    public var parameters: [UInt32]
    /// `H5Zfilter_avail`: this libhdf5 has the filter (built in or plug-in).
    public var isAvailable: Bool
    /// Available and able to encode (write) data.
    public var canEncode: Bool
    /// Available and able to decode (read) data.
    public var canDecode: Bool

    /// "name (id N)" for messages.
    public var summary: String {
        let known: [Int32: String] = [1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
                                      32000: "lzf", 32001: "blosc", 32004: "lz4", 32008: "bitshuffle", 32015: "zstd"]
        let label = name.isEmpty ? (known[id] ?? "unnamed") : name
        return "'\(label)' (id \(id))"
    }

    static func pipeline(_ dcpl: hid_t, _ location: HDF5Location) throws -> [HDF5Filter] {
        let count = try location.check(H5Pget_nfilters(dcpl), "count filters")
        var filters: [HDF5Filter] = []
        for index in 0..<UInt32(count) {
            var flags: UInt32 = 0
            var parameterCount = 16
            var parameters = [UInt32](repeating: 0, count: parameterCount)
            var name = [CChar](repeating: 0, count: 256)
            var config: UInt32 = 0
            let id = H5Pget_filter2(dcpl, index, &flags, &parameterCount, &parameters, name.count, &name, &config)
            try location.check(id, "get filter \(index)")
            if parameterCount > parameters.count {
                parameters = [UInt32](repeating: 0, count: parameterCount)
                try location.check(H5Pget_filter2(dcpl, index, &flags, &parameterCount, &parameters, name.count, &name, &config),
                                   "get filter \(index)")
            }
            let available = try location.check(H5Zfilter_avail(id), "check filter \(id)") > 0
            var filterConfig: UInt32 = 0
            if available {
                try location.check(H5Zget_filter_info(id, &filterConfig), "get filter \(id) info")
            }
            filters.append(HDF5Filter(
                id: id, name: String(nulTerminated: name), isOptional: flags & UInt32(H5Z_FLAG_OPTIONAL) != 0,
                parameters: Array(parameters.prefix(parameterCount)), isAvailable: available,
                canEncode: available && filterConfig & UInt32(H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0,
                canDecode: available && filterConfig & UInt32(H5Z_FILTER_CONFIG_DECODE_ENABLED) != 0))
        }
        return filters
    }
}
