import CBLAS

/// Singular values through LAPACK's divide-and-conquer SVD (`dgesdd_`,
/// shipped in OpenBLAS). The only code of the module that touches raw
/// pointers.
enum SingularValues {
    /// The min(rows, columns) singular values of the row-major
    /// `rows × columns` matrix `matrix`, in descending order. Throws
    /// `AuditError.lapack` naming `node` when LAPACK reports failure (it
    /// does not converge, or an argument is out of range).
    /// Precondition: `matrix.count == rows * columns`, all values finite.
    static func of(_ matrix: [Double], rows: Int, columns: Int, node: String) throws -> [Double] {
        precondition(matrix.count == rows * columns, "matrix of \(matrix.count) values is not \(rows)×\(columns)")
        guard rows > 0, columns > 0 else { return [] }
        guard rows <= Int(Int32.max), columns <= Int(Int32.max) else {
            throw AuditError.invalidLayer(node: node, reason: "matrix \(rows)×\(columns) is too large for LAPACK")
        }
        // LAPACK is column-major: the row-major rows×columns buffer is the
        // column-major columns×rows transpose, which has the same singular values.
        var a = matrix
        var m = Int32(columns), n = Int32(rows), lda = m
        let k = Int(min(m, n))
        var s = [Double](repeating: 0, count: k)
        var jobz = CChar(UInt8(ascii: "N"))
        var u = [Double](repeating: 0, count: 1), vt = [Double](repeating: 0, count: 1)
        var ldu: Int32 = 1, ldvt: Int32 = 1
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var info: Int32 = 0
        // Workspace query.
        var query = [Double](repeating: 0, count: 1)
        var lwork: Int32 = -1
        dgesdd_(&jobz, &m, &n, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &query, &lwork, &iwork, &info)
        guard info == 0 else { throw AuditError.lapack(node: node, routine: "dgesdd", info: Int(info)) }
        lwork = Int32(min(Double(Int32.max), max(1, query[0].rounded(.up))))
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(&jobz, &m, &n, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { throw AuditError.lapack(node: node, routine: "dgesdd", info: Int(info)) }
        return s
    }
}
