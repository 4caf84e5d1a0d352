#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeightFiles

/// Reads the elements of a tensor's bytes in place, converted exactly to
/// Double, so the certificate never copies a whole tensor. The only
/// pointer code of the certificate lives in this file.
///
/// Contract: a loader is only valid inside the `withUnsafeBytes` call that
/// made it, and is only called with indices below the tensor's element
/// count (callers walk a `RoleGeometry` of the tensor's own shape).
protocol ElementLoader {
    /// Element `index` (C order), exactly as `Tensor.doubles()[index]`.
    func callAsFunction(_ index: Int) -> Double
}

/// float32 elements.
struct Float32Loader: ElementLoader {
    let base: UnsafeRawPointer
    @inline(__always) func callAsFunction(_ index: Int) -> Double {
        Double(base.loadUnaligned(fromByteOffset: index &* 4, as: Float.self))
    }
}

/// float64 elements.
struct Float64Loader: ElementLoader {
    let base: UnsafeRawPointer
    @inline(__always) func callAsFunction(_ index: Int) -> Double {
        base.loadUnaligned(fromByteOffset: index &* 8, as: Double.self)
    }
}

/// float16 elements.
struct Float16Loader: ElementLoader {
    let base: UnsafeRawPointer
    @inline(__always) func callAsFunction(_ index: Int) -> Double {
        Double(Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self))))
    }
}

/// bfloat16 elements (the top half of a float32).
struct BFloat16Loader: ElementLoader {
    let base: UnsafeRawPointer
    @inline(__always) func callAsFunction(_ index: Int) -> Double {
        Double(Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)) << 16))
    }
}

/// Elements of any dtype (integers and booleans included), converted as
/// `Tensor.doubles()` converts them; one switch per element.
struct ConvertingLoader: ElementLoader {
    let base: UnsafeRawPointer
    let dtype: DType
    func callAsFunction(_ index: Int) -> Double {
        switch dtype {
        case .float32: return Float32Loader(base: base)(index)
        case .float64: return Float64Loader(base: base)(index)
        case .float16: return Float16Loader(base: base)(index)
        case .bfloat16: return BFloat16Loader(base: base)(index)
        case .int8: return Double(base.loadUnaligned(fromByteOffset: index, as: Int8.self))
        case .int16: return Double(base.loadUnaligned(fromByteOffset: index &* 2, as: Int16.self))
        case .int32: return Double(base.loadUnaligned(fromByteOffset: index &* 4, as: Int32.self))
        case .int64: return Double(base.loadUnaligned(fromByteOffset: index &* 8, as: Int64.self))
        case .uint8: return Double(base.loadUnaligned(fromByteOffset: index, as: UInt8.self))
        case .uint16: return Double(base.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self))
        case .uint32: return Double(base.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self))
        case .uint64: return Double(base.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self))
        case .bool: return base.loadUnaligned(fromByteOffset: index, as: UInt8.self) == 0 ? 0 : 1
        }
    }
}

/// A computation over two tensors of one dtype, specialised per dtype
/// (`Tensor.visitElements(with:_:)` picks the loader once per tensor).
protocol ElementPairVisitor {
    associatedtype Output
    mutating func visit<L: ElementLoader>(_ a: L, _ b: L) -> Output
}

extension Tensor {
    /// Runs `visitor` over this tensor's and `other`'s bytes in place, with
    /// the typed loader of their dtype (float32, float64, float16, bfloat16;
    /// a converting loader for the rest). Precondition: both have this
    /// tensor's dtype and element count (the caller checked dtype and shape).
    func visitElements<V: ElementPairVisitor>(with other: Tensor, _ visitor: inout V) -> V.Output {
        precondition(dtype == other.dtype && bytes.count == other.bytes.count,
                     "visitElements: \(name) and \(other.name) differ in dtype or size")
        return Tensor.withBase(bytes) { a in
            Tensor.withBase(other.bytes) { b in
                switch dtype {
                case .float32: return visitor.visit(Float32Loader(base: a), Float32Loader(base: b))
                case .float64: return visitor.visit(Float64Loader(base: a), Float64Loader(base: b))
                case .float16: return visitor.visit(Float16Loader(base: a), Float16Loader(base: b))
                case .bfloat16: return visitor.visit(BFloat16Loader(base: a), BFloat16Loader(base: b))
                default: return visitor.visit(ConvertingLoader(base: a, dtype: dtype), ConvertingLoader(base: b, dtype: dtype))
                }
            }
        }
    }

    /// Calls `body` with the address of `bytes`' storage, or of a zeroed
    /// placeholder when there is none (an empty tensor, never read).
    private static func withBase<R>(_ bytes: [UInt8], _ body: (UnsafeRawPointer) -> R) -> R {
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { return body(base) }
            var placeholder: (UInt64, UInt64) = (0, 0)
            return withUnsafePointer(to: &placeholder) { body(UnsafeRawPointer($0)) }
        }
    }

    /// Element `index` (C order) as Double, exactly as `doubles()[index]`,
    /// without converting the rest. Precondition: `index < elementCount`.
    func doubleValue(at index: Int) -> Double {
        precondition(index >= 0 && index < elementCount, "doubleValue(at:): \(index) outside \(name)")
        return Tensor.withBase(bytes) { ConvertingLoader(base: $0, dtype: dtype)(index) }
    }

    /// The index of the first byte that differs from `other`'s, or nil when
    /// the bytes are equal (a tensor that is a prefix of the other differs
    /// at the shorter one's end).
    func firstDifferingByte(from other: Tensor) -> Int? {
        bytes.withUnsafeBytes { a in
            other.bytes.withUnsafeBytes { b -> Int? in
                let common = min(a.count, b.count)
                if common > 0, let x = a.baseAddress, let y = b.baseAddress, memcmp(x, y, common) != 0 {
                    // Find the byte in 4 KB blocks (memcmp is fast; the byte loop runs over one block).
                    var start = 0
                    while start < common {
                        let length = min(4096, common - start)
                        if memcmp(x + start, y + start, length) != 0 {
                            return (start..<start + length).first { a[$0] != b[$0] }
                        }
                        start += length
                    }
                }
                return a.count == b.count ? nil : common
            }
        }
    }
}
