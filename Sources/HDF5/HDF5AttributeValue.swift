/// The value of an attribute: strings (with how they were stored) or numbers.
public enum HDF5AttributeValue: Sendable, Equatable {
    /// Strings in C order; `shape` is empty for a scalar string.
    case strings([String], shape: [Int], storage: HDF5StringStorage)
    /// Numbers: element type, shape (empty for a scalar), bytes in C order
    /// and native little-endian byte order.
    case numbers(HDF5ElementType, shape: [Int], bytes: [UInt8])

    /// A scalar string stored as h5py 3 stores a Python `str`.
    public static func string(_ value: String, storage: HDF5StringStorage = .variableUTF8) -> HDF5AttributeValue {
        .strings([value], shape: [], storage: storage)
    }

    /// A one-dimensional list of strings.
    public static func stringList(_ values: [String], storage: HDF5StringStorage) -> HDF5AttributeValue {
        .strings(values, shape: [values.count], storage: storage)
    }

    /// The string of a scalar (or one-element) string attribute, else nil.
    public var stringValue: String? {
        if case let .strings(values, _, _) = self, values.count == 1 { return values[0] }
        return nil
    }

    /// The strings of a string attribute; an empty numeric array (how h5py
    /// stores an empty Python list) counts as an empty list. Else nil.
    public var strings: [String]? {
        switch self {
        case let .strings(values, _, _): return values
        case let .numbers(_, _, bytes): return bytes.isEmpty ? [] : nil
        }
    }

    /// How the strings were stored, for string attributes.
    public var stringStorage: HDF5StringStorage? {
        if case let .strings(_, _, storage) = self { return storage }
        return nil
    }

    /// The shape of the value (empty for a scalar).
    public var shape: [Int] {
        switch self {
        case let .strings(_, shape, _), let .numbers(_, shape, _): return shape
        }
    }
}
