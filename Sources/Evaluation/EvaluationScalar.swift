import CBLAS
import Foundation
import WeightFiles

/// The two arithmetic precisions the evaluator runs in.
public enum Precision: String, Sendable, CaseIterable, Codable {
    /// IEEE single precision, as PyTorch and Keras run float32 models.
    case float32
    /// IEEE double precision.
    case float64
}

/// A floating-point type the forward pass computes in: Float or Double,
/// with its BLAS matrix product and the elementary functions the
/// activations need.
protocol EvaluationScalar: BinaryFloatingPoint, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// C = A·B (β = 0) or C = A·B + C (β = 1), row-major; `transposeA`
    /// and `transposeB` read A (m×k) and B (k×n) from their transposes.
    /// `lda`, `ldb`, `ldc` are the row strides of the stored matrices.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     c: UnsafeMutablePointer<Self>, ldc: Int, accumulate: Bool)
    /// Every element of `tensor` converted to this type (exact for Float
    /// from f16/bf16/f32 and for Double from any float type).
    static func values(of tensor: Tensor) -> [Self]
    /// The dtype whose bytes are this type's values (used in place).
    static var storedDType: DType { get }
    static func tanh(_ x: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    /// The value as a Double (exact for both conforming types).
    var doubleValue: Double { get }
}

private func blasTranspose(_ flag: Bool) -> CBLAS_TRANSPOSE { flag ? CblasTrans : CblasNoTrans }

extension Float: EvaluationScalar {
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        cblas_sgemm(CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb),
                    accumulate ? 1 : 0, c, blasint(ldc))
    }
    static func values(of tensor: Tensor) -> [Float] { tensor.floats() }
    static var storedDType: DType { .float32 }
    static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    static func expm1(_ x: Float) -> Float { Foundation.expm1(x) }
    static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    static func log(_ x: Float) -> Float { Foundation.log(x) }
    static func erf(_ x: Float) -> Float { Foundation.erf(x) }
    var doubleValue: Double { Double(self) }
}

extension Double: EvaluationScalar {
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                     c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool) {
        cblas_dgemm(CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb),
                    accumulate ? 1 : 0, c, blasint(ldc))
    }
    static func values(of tensor: Tensor) -> [Double] { tensor.doubles() }
    static var storedDType: DType { .float64 }
    static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
    static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    static func log(_ x: Double) -> Double { Foundation.log(x) }
    static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    var doubleValue: Double { self }
}
