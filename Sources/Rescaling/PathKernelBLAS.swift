import CBLAS

/// The one place the path-kernel code calls OpenBLAS: row-major double
/// matrix products over Swift arrays, with every size checked up front so
/// the pointers handed to BLAS stay inside the arrays.
enum KernelBLAS {
    /// `c[cOffset…] = op(a)·op(b) + (accumulate ? c : 0)`, all row-major.
    ///
    /// `op(a)` is m×k (stored k×m when `transposeA`), `op(b)` is k×n (stored
    /// n×k when `transposeB`), `c` is m×n. Offsets are element indices of
    /// each matrix's first element. Preconditions (internal invariants, not
    /// user input): the arrays hold the matrices at those offsets.
    static func multiply(_ a: [Double], offsetA: Int = 0, transposeA: Bool,
                         _ b: [Double], offsetB: Int = 0, transposeB: Bool,
                         into c: inout [Double], offsetC: Int = 0,
                         m: Int, n: Int, k: Int, accumulate: Bool) {
        precondition(m >= 0 && n >= 0 && k >= 0 && max(m, n, k) <= Int(Int32.max), "gemm: bad sizes")
        precondition(offsetA >= 0 && offsetA + m * k <= a.count, "gemm: A out of range")
        precondition(offsetB >= 0 && offsetB + k * n <= b.count, "gemm: B out of range")
        precondition(offsetC >= 0 && offsetC + m * n <= c.count, "gemm: C out of range")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in offsetC..<(offsetC + m * n) { c[i] = 0 } }
            return
        }
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let baseA = pa.baseAddress, let baseB = pb.baseAddress,
                          let baseC = pc.baseAddress else { return }
                    cblas_dgemm(CblasRowMajor,
                                transposeA ? CblasTrans : CblasNoTrans,
                                transposeB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k),
                                1.0, baseA + offsetA, Int32(lda),
                                baseB + offsetB, Int32(ldb),
                                accumulate ? 1.0 : 0.0, baseC + offsetC, Int32(n))
                }
            }
        }
    }
}
