import Foundation

extension Tensor {
    /// Creates a floating-point tensor from values in C order, rounding each
    /// to `dtype` (round to nearest even). Integer dtypes truncate toward zero.
    public init(name: String, dtype: DType, shape: [Int], values: [Double]) throws {
        guard let count = Tensor.elementCount(of: shape), count == values.count else {
            throw WeightFileError.invalidTensor(name: name,
                reason: "shape \(shape) does not hold \(values.count) values")
        }
        try self.init(name: name, dtype: dtype, shape: shape,
                      bytes: [UInt8](repeating: 0, count: count * dtype.byteCount))
        setValues(values)
    }

    /// Every element converted to Double, in C order. Exact for all float
    /// types and for integers up to 2^53.
    public func doubles() -> [Double] {
        let n = elementCount
        if n == 0 { return [] }
        return bytes.withUnsafeBytes { raw -> [Double] in
            switch dtype {
            case .float64:
                return LargeArray.make(count: n) { $0.baseAddress!.initialize(from: raw.bindMemory(to: Double.self).baseAddress!, count: n) }
            case .float32:
                let source = raw.bindMemory(to: Float.self)
                return LargeArray.make(count: n) { out in for k in 0..<n { out[k] = Double(source[k]) } }
            case .float16: return raw.bindMemory(to: UInt16.self).prefix(n).map { Double(Float(Float16(bitPattern: $0))) }
            case .bfloat16: return raw.bindMemory(to: UInt16.self).prefix(n).map { Double(Float(bitPattern: UInt32($0) << 16)) }
            case .int8: return raw.bindMemory(to: Int8.self).prefix(n).map(Double.init)
            case .int16: return raw.bindMemory(to: Int16.self).prefix(n).map(Double.init)
            case .int32: return raw.bindMemory(to: Int32.self).prefix(n).map(Double.init)
            case .int64: return raw.bindMemory(to: Int64.self).prefix(n).map(Double.init)
            case .uint8: return raw.bindMemory(to: UInt8.self).prefix(n).map(Double.init)
            case .uint16: return raw.bindMemory(to: UInt16.self).prefix(n).map(Double.init)
            case .uint32: return raw.bindMemory(to: UInt32.self).prefix(n).map(Double.init)
            case .uint64: return raw.bindMemory(to: UInt64.self).prefix(n).map(Double.init)
            case .bool: return raw.bindMemory(to: UInt8.self).prefix(n).map { $0 == 0 ? 0 : 1 }
            }
        }
    }

    /// Every element as Float (exact for f16, bf16 and f32; rounded for f64).
    public func floats() -> [Float] {
        let n = elementCount
        if n == 0 { return [] }
        return bytes.withUnsafeBytes { raw -> [Float] in
            switch dtype {
            case .float32:
                return LargeArray.make(count: n) { $0.baseAddress!.initialize(from: raw.bindMemory(to: Float.self).baseAddress!, count: n) }
            case .float16: return raw.bindMemory(to: UInt16.self).prefix(n).map { Float(Float16(bitPattern: $0)) }
            case .bfloat16: return raw.bindMemory(to: UInt16.self).prefix(n).map { Float(bitPattern: UInt32($0) << 16) }
            default: return doubles().map(Float.init)
            }
        }
    }

    /// Replaces every element by `values[i]` rounded to the tensor's dtype.
    /// Precondition: `values.count == elementCount`.
    public mutating func setValues(_ values: [Double]) {
        let n = elementCount
        precondition(values.count == n, "setValues: \(values.count) values for \(n) elements")
        let type = dtype
        bytes.withUnsafeMutableBytes { raw in
            switch type {
            case .float64: for i in 0..<n { raw.storeBytes(of: values[i], toByteOffset: i * 8, as: Double.self) }
            case .float32: for i in 0..<n { raw.storeBytes(of: Float(values[i]), toByteOffset: i * 4, as: Float.self) }
            case .float16: for i in 0..<n { raw.storeBytes(of: Float16(values[i]).bitPattern, toByteOffset: i * 2, as: UInt16.self) }
            case .bfloat16: for i in 0..<n { raw.storeBytes(of: Tensor.bfloat16Bits(values[i]), toByteOffset: i * 2, as: UInt16.self) }
            case .int8: for i in 0..<n { raw.storeBytes(of: Int8(values[i]), toByteOffset: i, as: Int8.self) }
            case .int16: for i in 0..<n { raw.storeBytes(of: Int16(values[i]), toByteOffset: i * 2, as: Int16.self) }
            case .int32: for i in 0..<n { raw.storeBytes(of: Int32(values[i]), toByteOffset: i * 4, as: Int32.self) }
            case .int64: for i in 0..<n { raw.storeBytes(of: Int64(values[i]), toByteOffset: i * 8, as: Int64.self) }
            case .uint8: for i in 0..<n { raw.storeBytes(of: UInt8(values[i]), toByteOffset: i, as: UInt8.self) }
            case .uint16: for i in 0..<n { raw.storeBytes(of: UInt16(values[i]), toByteOffset: i * 2, as: UInt16.self) }
            case .uint32: for i in 0..<n { raw.storeBytes(of: UInt32(values[i]), toByteOffset: i * 4, as: UInt32.self) }
            case .uint64: for i in 0..<n { raw.storeBytes(of: UInt64(values[i]), toByteOffset: i * 8, as: UInt64.self) }
            case .bool: for i in 0..<n { raw.storeBytes(of: UInt8(values[i] != 0 ? 1 : 0), toByteOffset: i, as: UInt8.self) }
            }
        }
    }

    /// The bfloat16 bit pattern nearest to `value` (round to nearest even;
    /// NaN stays NaN).
    static func bfloat16Bits(_ value: Double) -> UInt16 {
        let bits = Float(value).bitPattern
        if Float(value).isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
