import Foundation
import Network

/// The factors one `ParameterRole` applies, precomputed once per tensor:
/// 2^z[out] per out coordinate and 2^(−z[in]) per (block, in coordinate),
/// so that moving a tensor costs one multiply per element and no
/// per-element index arithmetic, closure call or `exp2`.
///
/// Element e with coordinates (o, i) becomes `dtype(Double(w) · (r[o] · c[i]))`.
/// For integer z both factors are powers of two, the product is exact and
/// the result is w·2^(z[o] − z[i]) rounded once to the dtype: bit for bit
/// what a Double computation of w·exp2(z[o] − z[i]) rounded to the dtype
/// gives. For other z the product r·c may differ from exp2(z[o] − z[i]) in
/// the last bit of a Double, far below float rounding.
struct RoleScaling {
    let shape: [Int]
    let outAxis: Int
    let inAxis: Int?
    /// Out units per in block (shape[outAxis] / inBlocks).
    let blockSize: Int
    let inSize: Int
    /// 2^z[outGroups[o]] (1 for fixed units).
    let rowFactor: [Double]
    /// 2^(−z[inGroups[k]]) for k = block · inSize + i (1 for fixed units).
    let columnFactor: [Double]

    init(role: ParameterRole, z: LogScales) {
        shape = role.shape
        outAxis = role.outAxis
        inAxis = role.inAxis
        let outSize = role.shape[role.outAxis]
        blockSize = role.inBlocks > 0 ? Swift.max(1, outSize / role.inBlocks) : outSize
        inSize = role.inAxis.map { role.shape[$0] } ?? 1
        rowFactor = role.outGroups.map { $0 >= 0 && z[$0] != 0 ? exp2(z[$0]) : 1 }
        columnFactor = role.inAxis == nil ? [1] : role.inGroups.map { $0 >= 0 && z[$0] != 0 ? exp2(-z[$0]) : 1 }
    }

    /// True when every factor is 1 (nothing moves).
    var isIdentity: Bool { rowFactor.allSatisfy { $0 == 1 } && columnFactor.allSatisfy { $0 == 1 } }

    /// Multiplies every element of `buffer` (C order, `shape`) by its
    /// factor, rounding to `T` once.
    func apply<T: BinaryFloatingPoint>(to buffer: UnsafeMutableBufferPointer<T>) {
        let rank = shape.count
        guard rank > 0 else {
            if let first = buffer.baseAddress { first.pointee = T(Double(first.pointee) * rowFactor[0] * columnFactor[0]) }
            return
        }
        guard !shape.contains(0), let base = buffer.baseAddress else { return }
        let last = rank - 1
        let inner = shape[last]
        var coords = [Int](repeating: 0, count: rank)
        var line = 0
        rowFactor.withUnsafeBufferPointer { rows in
        columnFactor.withUnsafeBufferPointer { columns in
            while true {
                let start = base + line * inner
                if outAxis == last {
                    // Factor varies with o along the line; i is fixed.
                    if let axis = inAxis, blockSize < inner {
                        let i = coords[axis]
                        for k in 0..<inner { start[k] = T(Double(start[k]) * (rows[k] * columns[(k / blockSize) * inSize + i])) }
                    } else {
                        let c = columns[inAxis.map { coords[$0] } ?? 0]
                        for k in 0..<inner { start[k] = T(Double(start[k]) * (rows[k] * c)) }
                    }
                } else if let axis = inAxis, axis == last {
                    // Factor varies with i along the line; o is fixed.
                    let o = coords[outAxis]
                    let r = rows[o]
                    let offset = (o / blockSize) * inSize
                    for k in 0..<inner { start[k] = T(Double(start[k]) * (r * columns[offset + k])) }
                } else {
                    let o = coords[outAxis]
                    let c = inAxis.map { columns[(o / blockSize) * inSize + coords[$0]] } ?? columns[0]
                    let f = rows[o] * c
                    if f != 1 { for k in 0..<inner { start[k] = T(Double(start[k]) * f) } }
                }
                line += 1
                var axis = last - 1
                while axis >= 0 {
                    coords[axis] += 1
                    if coords[axis] < shape[axis] { break }
                    coords[axis] = 0
                    axis -= 1
                }
                if axis < 0 { return }
            }
        }}
    }
}
