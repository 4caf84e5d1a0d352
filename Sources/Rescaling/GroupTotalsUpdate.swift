import Foundation

/// For p = q: carries every group's producer and consumer totals I, O
/// (kernel units, as `LpqSweeper.totals` gives them) through a set of ±1
/// moves of groups that share no element, reading only the rows and columns
/// the moves touch instead of every stored value.
///
/// For p = q each element's term e_rc = 2^(p z_out(r) + rowLogScale_r −
/// logOffset)·A[r,c]·s_c is a product of one factor per end, so moving
/// group g by σ multiplies the terms of g's producer rows by 2^(pσ) and those
/// of g's consumer columns by 2^(−pσ):
/// - I_g and O_g scale exactly (powers of two);
/// - every other group h consumed by a producer row r of g gains
///   e_rc·(2^(pσ) − 1) in O_h;
/// - every other group produced by a row r consuming g gains
///   e_rc·(2^(−pσ) − 1) in I.
/// No element joins two moved groups (they share a color), so all these
/// changes are taken at the point before the moves. The results equal a new
/// pass up to rounding (the sums are regrouped).
struct GroupTotalsUpdate {
    let kernel: LpqKernel
    private let incidence: GroupIncidence

    init(kernel: LpqKernel, incidence: GroupIncidence) {
        precondition(kernel.p == kernel.q)
        self.kernel = kernel
        self.incidence = incidence
    }

    /// Stored values `apply` reads for `moves`: each producer row whole, and
    /// one value per row of a segment for each consumer column.
    func cost(_ moves: [(group: Int, step: Int)]) -> Int {
        let layout = kernel.layout
        var total = 0
        for move in moves {
            for row in incidence.producerRows[move.group] { total += layout.segments[Int(layout.rowSegment[Int(row)])].columnCount }
            for entry in incidence.consumerColumns[move.group] { total += layout.segments[Int(entry.segment)].rowCount }
        }
        return total
    }

    /// Carries I and O (length free + 1) through `moves` of groups of one
    /// color class, from the point x before the moves (s = 2^(−p x), as
    /// `LpqKernel.consumerFactors`): the moved groups' own totals and those
    /// of every group sharing an element with them. Does not change x or s.
    func apply(_ moves: [(group: Int, step: Int)], x: [Double], s: [Double], inTotals: inout [Double], outTotals: inout [Double]) {
        let layout = kernel.layout
        let p = kernel.p
        let offset = kernel.logOffset
        var columnsOf = [Int: [(column: Int, weight: Double)]]()
        kernel.values.withUnsafeBufferPointer { v in
        layout.columnGroups.withUnsafeBufferPointer { cols in
        kernel.rowLogScale.withUnsafeBufferPointer { logScale in
            guard let base = v.baseAddress else { return }
            for move in moves {
                let g = move.group
                let sigma = Double(move.step)
                // Producer rows of g: their consumer shares grow by 2^(pσ) − 1.
                for row in incidence.producerRows[g] {
                    let r = Int(row)
                    let seg = layout.segments[Int(layout.rowSegment[r])]
                    let values = base + seg.valueOffset + (r - seg.rowStart) * seg.columnCount
                    let factor = exp2(p * x[g] + logScale[r] - offset) * (exp2(p * sigma) - 1)
                    for c in 0..<seg.columnCount where values[c] != 0 {
                        let h = Int(cols[seg.columnStart + c])
                        outTotals[h] += factor * Double(values[c]) * s[h]
                    }
                }
                // Consumer columns of g, gathered per segment.
                let weight = s[g] * (exp2(-p * sigma) - 1)
                for entry in incidence.consumerColumns[g] { columnsOf[Int(entry.segment), default: []].append((Int(entry.column), weight)) }
            }
            // Rows consuming moved groups: their terms change by
            // 2^(p z_out + rowLogScale − logOffset)·Σ A[r,c]·weight_c.
            for (segment, columns) in columnsOf.sorted(by: { $0.key < $1.key }) {
                let seg = layout.segments[segment]
                let sorted = columns.sorted { $0.column < $1.column }
                for r in 0..<seg.rowCount {
                    let values = base + seg.valueOffset + r * seg.columnCount
                    var change = 0.0
                    for entry in sorted { change += Double(values[entry.column]) * entry.weight }
                    guard change != 0 else { continue }
                    let row = seg.rowStart + r
                    let o = Int(layout.rowOut[row])
                    inTotals[o] += exp2(p * x[o] + logScale[row] - offset) * change
                }
            }
        }}}
        for move in moves {
            inTotals[move.group] *= exp2(p * Double(move.step))
            outTotals[move.group] *= exp2(-p * Double(move.step))
        }
    }
}
