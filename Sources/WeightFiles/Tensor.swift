import Foundation

/// A named n-dimensional array as fulcrum holds it in memory.
///
/// Contract: `bytes` are the elements in C (row-major) order and in the
/// machine's native (little-endian) byte order, whatever the file stored;
/// readers convert from the file's layout (Fortran order, big endian) and
/// writers convert back, so nothing above the format layer sees either.
/// `bytes.count == elementCount * dtype.byteCount` always holds.
public struct Tensor: Sendable, Equatable {
    /// The name exactly as the file spells it (`fc1.weight`,
    /// `model_weights/dense/dense/kernel:0`, `arr_0`).
    public var name: String
    public var dtype: DType
    /// The shape as the file stores it (no transposition).
    public var shape: [Int]
    /// Elements, C order, native byte order.
    public var bytes: [UInt8]

    /// Creates a tensor; throws when the byte count does not match the shape.
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        guard let count = Tensor.elementCount(of: shape), count * dtype.byteCount == bytes.count else {
            throw WeightFileError.invalidTensor(name: name,
                reason: "shape \(shape) of \(dtype.numpyName) needs a different byte count than \(bytes.count)")
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Number of elements; 1 for a scalar (empty shape).
    public var elementCount: Int { bytes.count / dtype.byteCount }

    /// The product of `shape`, or nil if a dimension is negative or the
    /// product overflows `Int`.
    public static func elementCount(of shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = result
        }
        return product
    }
}
