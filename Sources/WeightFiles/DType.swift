/// The element type of a tensor, named as NumPy names it (`float32`,
/// `bfloat16`, …). bfloat16 has no Swift type: its values are handled as the
/// top 16 bits of a Float32.
public enum DType: String, Sendable, CaseIterable, Codable {
    case float16, bfloat16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
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

    /// True for the floating-point types (the only ones fulcrum rescales).
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// The name NumPy prints for this type.
    public var numpyName: String { rawValue }

    /// The smallest positive normal number and the largest finite number of
    /// the type, or nil for integer types. Scaling that would leave this range
    /// is no longer exact.
    public var normalRange: (min: Double, max: Double)? {
        switch self {
        case .float16: return (0x1p-14, 65504)
        case .bfloat16: return (0x1p-126, 0x1.FEp127)
        case .float32: return (Double(Float.leastNormalMagnitude), Double(Float.greatestFiniteMagnitude))
        case .float64: return (Double.leastNormalMagnitude, Double.greatestFiniteMagnitude)
        default: return nil
        }
    }
}
