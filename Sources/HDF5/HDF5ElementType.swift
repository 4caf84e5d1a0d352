import CHDF5

/// The numeric element types this layer reads and writes, named as NumPy
/// names them. `bfloat16` is a 16-bit float with an 8-bit exponent.
public enum HDF5ElementType: String, Sendable, CaseIterable {
    case float16, bfloat16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    /// h5py's boolean: an 8-bit enum FALSE = 0, TRUE = 1.
    case bool

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// A new HDF5 datatype for this element type in `order`, as h5py would
    /// write it (f16 and bf16 as 16-bit IEEE-style floats, bool as an int8
    /// enum). Call with the lock held.
    func fileType(_ order: HDF5ByteOrder, _ location: HDF5Location) throws -> HDF5Handle {
        let base: hid_t
        switch self {
        case .float16, .bfloat16, .float32: base = fulcrum_H5T_IEEE_F32LE()
        case .float64: base = fulcrum_H5T_IEEE_F64LE()
        case .int8, .bool: base = fulcrum_H5T_STD_I8LE()
        case .int16: base = fulcrum_H5T_STD_I16LE()
        case .int32: base = fulcrum_H5T_STD_I32LE()
        case .int64: base = fulcrum_H5T_STD_I64LE()
        case .uint8: base = fulcrum_H5T_STD_U8LE()
        case .uint16: base = fulcrum_H5T_STD_U16LE()
        case .uint32: base = fulcrum_H5T_STD_U32LE()
        case .uint64: base = fulcrum_H5T_STD_U64LE()
        }
        if self == .bool {
            let type = try HDF5Handle(H5Tenum_create(base), .datatype, location, "create bool type")
            var no: Int8 = 0, yes: Int8 = 1
            try location.check(H5Tenum_insert(type.id, "FALSE", &no), "create bool type")
            try location.check(H5Tenum_insert(type.id, "TRUE", &yes), "create bool type")
            return type
        }
        let type = try HDF5Handle(H5Tcopy(base), .datatype, location, "copy datatype")
        switch self {
        case .float16:
            try location.check(H5Tset_fields(type.id, 15, 10, 5, 0, 10), "define float16")
            try location.check(H5Tset_size(type.id, 2), "define float16")
            try location.check(H5Tset_ebias(type.id, 15), "define float16")
        case .bfloat16:
            try location.check(H5Tset_fields(type.id, 15, 7, 8, 0, 7), "define bfloat16")
            try location.check(H5Tset_size(type.id, 2), "define bfloat16")
            try location.check(H5Tset_ebias(type.id, 127), "define bfloat16")
        default: break
        }
        if order == .big, byteCount > 1 {
            try location.check(H5Tset_order(type.id, H5T_ORDER_BE), "set byte order")
        }
        return type
    }
}

/// The byte order of a stored type.
public enum HDF5ByteOrder: String, Sendable {
    case little, big
    /// One-byte types, strings and opaque data have no byte order.
    case none
}

/// What a stored datatype is, and which element type it reads as.
public struct HDF5TypeDescription: Sendable, Equatable {
    /// HDF5's class: "float", "integer", "string", "enum", "opaque", "compound", …
    public var typeClass: String
    /// Bytes per element in the file.
    public var size: Int
    /// The stored byte order (`none` for one-byte types, strings, opaque).
    public var byteOrder: HDF5ByteOrder
    /// The element type the data reads as, or nil when this layer cannot
    /// read the type as numbers (then `unsupportedReason` says why).
    public var elementType: HDF5ElementType?
    /// Why `elementType` is nil.
    public var unsupportedReason: String?
    /// For strings: how they are stored.
    public var stringStorage: HDF5StringStorage?

    /// Describes the datatype `id`. Call with the lock held.
    static func describe(_ id: hid_t, _ location: HDF5Location) throws -> HDF5TypeDescription {
        let typeClass = H5Tget_class(id)
        guard typeClass != H5T_NO_CLASS else { throw location.failure("get datatype class") }
        let size = H5Tget_size(id)
        guard size > 0 else { throw location.failure("get datatype size") }
        var order = HDF5ByteOrder.none
        switch H5Tget_order(id) {
        case H5T_ORDER_LE: order = .little
        case H5T_ORDER_BE: order = .big
        default: order = .none
        }
        if size == 1 { order = .none }
        var description = HDF5TypeDescription(typeClass: className(typeClass), size: size, byteOrder: order,
                                              elementType: nil, unsupportedReason: nil, stringStorage: nil)
        switch typeClass {
        case H5T_FLOAT:
            var spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0
            try location.check(H5Tget_fields(id, &spos, &epos, &esize, &mpos, &msize), "get float fields")
            let ebias = H5Tget_ebias(id)
            let precision = H5Tget_precision(id)
            let offset = H5Tget_offset(id)
            let layout = [size, spos, epos, esize, mpos, msize, ebias]
            if precision != size * 8 || offset != 0 {
                description.unsupportedReason = "float with \(precision) bits of precision at offset \(offset) in \(size) bytes"
            } else if layout == [2, 15, 10, 5, 0, 10, 15] {
                description.elementType = .float16
            } else if layout == [2, 15, 7, 8, 0, 7, 127] {
                description.elementType = .bfloat16
            } else if layout == [4, 31, 23, 8, 0, 23, 127] {
                description.elementType = .float32
            } else if layout == [8, 63, 52, 11, 0, 52, 1023] {
                description.elementType = .float64
            } else {
                description.unsupportedReason = "\(size)-byte float with \(esize)-bit exponent, \(msize)-bit mantissa, bias \(ebias)"
            }
            if description.elementType != nil, order == .none {
                description.elementType = nil
                description.unsupportedReason = "float in VAX or mixed byte order"
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(id) == H5T_SGN_2
            let precision = H5Tget_precision(id)
            let types: [Int: (HDF5ElementType, HDF5ElementType)] = [1: (.int8, .uint8), 2: (.int16, .uint16), 4: (.int32, .uint32), 8: (.int64, .uint64)]
            if let pair = types[size], precision == size * 8, H5Tget_offset(id) == 0 {
                description.elementType = signed ? pair.0 : pair.1
            } else {
                description.unsupportedReason = "\(size)-byte integer with \(precision) bits of precision"
            }
        case H5T_ENUM:
            if try isBoolEnum(id, size, location) {
                description.elementType = .bool
            } else {
                description.unsupportedReason = "enum other than h5py's bool (FALSE = 0, TRUE = 1)"
            }
        case H5T_OPAQUE:
            let tag = H5Tget_tag(id).map { pointer -> String in
                defer { H5free_memory(pointer) }
                return String(cString: pointer)
            } ?? ""
            let lower = tag.lowercased()
            if size == 2, tag.isEmpty || lower.contains("bfloat16") || lower.contains("bf16") {
                // h5py stores ml_dtypes' bfloat16 as a 2-byte opaque type with
                // an empty tag; the bytes are those of a little-endian machine.
                description.elementType = .bfloat16
                description.byteOrder = .little
            } else {
                description.unsupportedReason = "\(size)-byte opaque data tagged '\(tag)'"
            }
        case H5T_STRING:
            description.stringStorage = try HDF5StringStorage.describe(id, location)
            description.unsupportedReason = "strings are not numbers"
        default:
            description.unsupportedReason = "\(description.typeClass) data are not numbers"
        }
        return description
    }

    private static func isBoolEnum(_ id: hid_t, _ size: Int, _ location: HDF5Location) throws -> Bool {
        guard size == 1, H5Tget_nmembers(id) == 2 else { return false }
        var names: [String: Int8] = [:]
        for index in 0..<UInt32(2) {
            guard let pointer = H5Tget_member_name(id, index) else { throw location.failure("get enum member") }
            let name = String(cString: pointer)
            H5free_memory(pointer)
            var value: Int8 = 0
            try location.check(H5Tget_member_value(id, index, &value), "get enum value")
            names[name] = value
        }
        return names == ["FALSE": 0, "TRUE": 1]
    }

    private static func className(_ typeClass: H5T_class_t) -> String {
        switch typeClass {
        case H5T_INTEGER: return "integer"
        case H5T_FLOAT: return "float"
        case H5T_TIME: return "time"
        case H5T_STRING: return "string"
        case H5T_BITFIELD: return "bitfield"
        case H5T_OPAQUE: return "opaque"
        case H5T_COMPOUND: return "compound"
        case H5T_REFERENCE: return "reference"
        case H5T_ENUM: return "enum"
        case H5T_VLEN: return "variable-length sequence"
        case H5T_ARRAY: return "array"
        default: return "unknown"
        }
    }

    /// A memory type for reading or writing this type's data as native
    /// little-endian bytes: a copy of the file type in little-endian order
    /// (HDF5 swaps bytes on the way). Call with the lock held.
    static func memoryType(matching fileType: hid_t, _ description: HDF5TypeDescription, _ location: HDF5Location) throws -> HDF5Handle {
        let type = try HDF5Handle(H5Tcopy(fileType), .datatype, location, "copy datatype")
        if description.byteOrder == .big {
            try location.check(H5Tset_order(type.id, H5T_ORDER_LE), "set byte order")
        }
        return type
    }
}
