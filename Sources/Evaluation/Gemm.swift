/// Matrix products on Swift arrays through BLAS: the one place the forward
/// pass touches pointers for BLAS.
enum Gemm {
    /// C[cOffset…] = op(A)·op(B) (row-major; `transposeA` reads A stored as
    /// k×m, `transposeB` reads B stored as n×k). Empty products write zeros.
    /// Precondition: every addressed element lies inside its array.
    static func multiply<S: EvaluationScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: [S], aOffset: Int, lda: Int, b: [S], bOffset: Int, ldb: Int,
        c: inout [S], cOffset: Int, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                             a: a, aOffset: aOffset, lda: lda, b: b, bOffset: bOffset, ldb: ldb,
                             c: c, cOffset: cOffset, ldc: ldc)
                }
            }
        }
    }

    /// The same product over buffers already borrowed by the caller.
    static func multiply<S: EvaluationScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafeBufferPointer<S>, aOffset: Int, lda: Int, b: UnsafeBufferPointer<S>, bOffset: Int, ldb: Int,
        c: UnsafeMutableBufferPointer<S>, cOffset: Int, ldc: Int
    ) {
        guard m > 0, n > 0, let cBase = c.baseAddress else { return }
        let cStart = cBase + cOffset
        guard k > 0, let aBase = a.baseAddress, let bBase = b.baseAddress else {
            for row in 0..<m { (cStart + row * ldc).update(repeating: 0, count: n) }
            return
        }
        S.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
               a: aBase + aOffset, lda: max(lda, 1), b: bBase + bOffset, ldb: max(ldb, 1),
               c: cStart, ldc: max(ldc, 1), accumulate: false)
    }
}
