extension Tensor {
    /// The flat (C-order) index of the first element that is NaN or ±Inf,
    /// or nil when every element is finite (always nil for integer dtypes).
    /// float32 and float64 are checked on their exponent bits in blocks
    /// that vectorise, without converting the tensor.
    public func firstNonFiniteIndex() -> Int? {
        switch dtype {
        case .float32:
            return bytes.withUnsafeBytes { raw in
                Tensor.firstWithAllOnesExponent(raw.bindMemory(to: UInt32.self), mask: 0x7F80_0000)
            }
        case .float64:
            return bytes.withUnsafeBytes { raw in
                Tensor.firstWithAllOnesExponent(raw.bindMemory(to: UInt64.self), mask: 0x7FF0_0000_0000_0000)
            }
        case .float16, .bfloat16:
            return doubles().firstIndex { !$0.isFinite }
        default:
            return nil
        }
    }

    /// The element at flat index `index` as a Double.
    /// Precondition: `index < elementCount`.
    public func value(at index: Int) -> Double {
        bytes.withUnsafeBytes { raw -> Double in
            switch dtype {
            case .float32: return Double(raw.load(fromByteOffset: 4 * index, as: Float.self))
            case .float64: return raw.load(fromByteOffset: 8 * index, as: Double.self)
            default: return doubles()[index]
            }
        }
    }

    private static func firstWithAllOnesExponent<T: FixedWidthInteger & UnsignedInteger>(_ bits: UnsafeBufferPointer<T>, mask: T) -> Int? {
        let block = 4096
        var start = 0
        while start < bits.count {
            let end = Swift.min(bits.count, start + block)
            var flagged: T = 0
            for k in start..<end { flagged |= (bits[k] & mask) ^ mask == 0 ? 1 : 0 }
            if flagged != 0 {
                for k in start..<end where bits[k] & mask == mask { return k }
            }
            start = end
        }
        return nil
    }
}
