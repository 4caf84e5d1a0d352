/// The order of the bytes inside one stored element.
public enum ByteOrder: String, Sendable, Equatable {
    case little, big
}

/// An `.npy` dtype descriptor such as `<f4`, `>i8`, `|u1`, `|b1` or `<V2`.
///
/// Understood: byte order `<` (little), `>` (big), `|` (not applicable) and
/// `=` (native, little endian on every machine fulcrum runs on), followed by
/// `f2 f4 f8`, `i1 i2 i4 i8`, `u1 u2 u4 u8`, `b1` (bool), and `V2`, which is
/// read as **bfloat16**: NumPy has no bfloat16 type, and the `ml_dtypes`
/// bfloat16 that PyTorch and JAX export is saved as a 2-byte void (`<V2` or
/// `|V2`). A `|` on a multi-byte type means native order, as NumPy reads it.
struct NPYDescr: Equatable, Sendable {
    var dtype: DType
    var byteOrder: ByteOrder
    /// The descriptor exactly as the header spells it.
    var text: String

    /// Parses a descriptor; nil when fulcrum does not read that type.
    init?(_ text: String) {
        guard let first = text.unicodeScalars.first else { return nil }
        var body = Substring(text)
        var order = ByteOrder.little
        switch first {
        case "<", "|", "=": body = body.dropFirst()
        case ">": order = .big; body = body.dropFirst()
        default: break
        }
        guard let dtype = NPYDescr.types[String(body)] else { return nil }
        self.dtype = dtype
        self.byteOrder = dtype.byteCount == 1 ? .little : order
        self.text = text
    }

    /// The descriptor NumPy writes for `dtype` in a new little-endian file.
    static func canonical(for dtype: DType) -> String {
        switch dtype {
        case .bool: return "|b1"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        case .bfloat16: return "<V2"
        case .float16: return "<f2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int16: return "<i2"
        case .int32: return "<i4"
        case .int64: return "<i8"
        case .uint16: return "<u2"
        case .uint32: return "<u4"
        case .uint64: return "<u8"
        }
    }

    /// Type codes (without byte order) and what they mean.
    static let types: [String: DType] = [
        "f2": .float16, "f4": .float32, "f8": .float64,
        "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
        "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64,
        "b1": .bool, "V2": .bfloat16,
    ]

    /// The list of readable codes, for error messages.
    static let supportedSummary = "f2 f4 f8, i1 i2 i4 i8, u1 u2 u4 u8, b1, and V2 read as bfloat16"
}
