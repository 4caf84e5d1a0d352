import CHDF5

#if canImport(Glibc)
import Glibc
#endif

/// How strings are stored: h5py 3 writes variable-length strings, h5py 2
/// and NumPy `S` arrays fixed-length ones. Write-back keeps whichever form
/// was found.
public struct HDF5StringStorage: Sendable, Equatable {
    /// Variable-length, or fixed at a number of bytes per string.
    public enum Length: Sendable, Equatable {
        case variable
        case fixed(Int)
    }
    /// The declared character set.
    public enum Charset: Sendable, Equatable { case ascii, utf8 }
    /// How the unused bytes of a fixed-length string are filled.
    public enum Padding: Sendable, Equatable { case nullTerminated, nullPadded, spacePadded }

    /// Variable or fixed length (in bytes).
    public var length: Length
    /// The declared character set.
    public var charset: Charset
    /// The padding of fixed-length strings.
    public var padding: Padding

    /// A string storage description.
    public init(length: Length, charset: Charset, padding: Padding) {
        self.length = length
        self.charset = charset
        self.padding = padding
    }

    /// What h5py 3 writes for a Python `str`: variable-length UTF-8.
    public static let variableUTF8 = HDF5StringStorage(length: .variable, charset: .utf8, padding: .nullTerminated)

    /// What h5py writes for a NumPy `S<n>` array: fixed-length, ASCII,
    /// null-padded, `n` bytes each.
    public static func fixedASCII(_ size: Int) -> HDF5StringStorage {
        HDF5StringStorage(length: .fixed(size), charset: .ascii, padding: .nullPadded)
    }

    /// Describes the string datatype `id`. Call with the lock held.
    static func describe(_ id: hid_t, _ location: HDF5Location) throws -> HDF5StringStorage {
        let variable = try location.check(H5Tis_variable_str(id), "inspect string type") > 0
        let charset: Charset = H5Tget_cset(id) == H5T_CSET_UTF8 ? .utf8 : .ascii
        let padding: Padding
        switch H5Tget_strpad(id) {
        case H5T_STR_NULLPAD: padding = .nullPadded
        case H5T_STR_SPACEPAD: padding = .spacePadded
        default: padding = .nullTerminated
        }
        return HDF5StringStorage(length: variable ? .variable : .fixed(H5Tget_size(id)), charset: charset, padding: padding)
    }

    /// A datatype storing `strings` this way; a fixed length grows to the
    /// longest string's UTF-8 byte count when that is longer (at least 1).
    /// Call with the lock held.
    func makeType(for strings: [String], _ location: HDF5Location) throws -> HDF5Handle {
        let type = try HDF5Handle(H5Tcopy(fulcrum_H5T_C_S1()), .datatype, location, "create string type")
        switch length {
        case .variable:
            try location.check(H5Tset_size(type.id, fulcrum_H5T_VARIABLE()), "set string size")
        case .fixed(let size):
            try location.check(H5Tset_size(type.id, fixedSize(for: strings, declared: size)), "set string size")
        }
        try location.check(H5Tset_cset(type.id, charset == .utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII), "set character set")
        let pad: H5T_str_t
        switch padding {
        case .nullTerminated: pad = H5T_STR_NULLTERM
        case .nullPadded: pad = H5T_STR_NULLPAD
        case .spacePadded: pad = H5T_STR_SPACEPAD
        }
        try location.check(H5Tset_strpad(type.id, pad), "set string padding")
        return type
    }

    /// The fixed size used for `strings`: the declared size, or the longest
    /// string (plus its terminator for null-terminated storage) if longer.
    func fixedSize(for strings: [String], declared: Int) -> Int {
        let longest = strings.map { $0.utf8.count }.max() ?? 0
        return max(declared, longest + (padding == .nullTerminated ? 1 : 0), 1)
    }

    /// Decodes one fixed-length string from its stored bytes.
    func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var content = bytes
        switch padding {
        case .nullTerminated:
            if let end = content.firstIndex(of: 0) { content = content[..<end] }
        case .nullPadded:
            while content.last == 0 { content = content.dropLast() }
        case .spacePadded:
            while content.last == 0x20 { content = content.dropLast() }
        }
        return String(decoding: content, as: UTF8.self)
    }

    /// Encodes strings into `size` bytes each, padded as declared.
    func encode(_ strings: [String], size: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(strings.count * size)
        let fill: UInt8 = padding == .spacePadded ? 0x20 : 0
        for string in strings {
            let utf8 = Array(string.utf8.prefix(size))
            bytes += utf8
            bytes += [UInt8](repeating: fill, count: size - utf8.count)
        }
        return bytes
    }
}
