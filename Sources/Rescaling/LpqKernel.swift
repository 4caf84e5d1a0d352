import Foundation
import Network
import WeightFiles

/// The ℓ_{p,q} objective in compact form, and the one-pass sweep every
/// ℓ_{p,q} solver is built on.
///
/// Storage: per segment a row-major Float block A[r, c] = Σ (|w|·2^(−k_r))^p
/// over the row's elements consuming column c's group (kernel taps, flatten
/// positions and biases folded together), where 2^(k_r) is the row's largest
/// magnitude rounded down to a power of two (`rowLogScale[r] = p·k_r`), so
/// every stored value lies in [0, 2^p) whatever the weights' scale. With
/// s_g = 2^(−p z_g) and T_r = Σ_c A[r, c]·s[col c], the row's term is
///   R_r = 2^(q z_out(r)) · (2^(rowLogScale_r) T_r)^(q/p),
/// handled in log2 and divided by 2^logOffset (the largest term at z = 0).
struct LpqKernel: Sendable {
    let layout: RowLayout
    let p: Double
    let q: Double
    let values: [Float]
    let rowLogScale: [Double]
    /// log2 of the unit the kernel's totals are expressed in.
    let logOffset: Double

    /// Builds the kernel, reading each node's tensors once from the
    /// problem's source (only one node's tensors are held at a time).
    init(problem: BalanceProblem, p: Double, q: Double) throws {
        let layout = problem.layout
        self.layout = layout
        self.p = p
        self.q = q
        let roles = problem.structure.parameters
        var values = [Float](repeating: 0, count: layout.valueCount)
        var rowLogScale = [Double](repeating: 0, count: layout.rowCount)
        for n in 0..<layout.nodeNames.count {
            let rowStart = layout.nodeRowStart[n]
            let rowEnd = n + 1 < layout.nodeNames.count ? layout.nodeRowStart[n + 1] : layout.rowCount
            let rows = rowEnd - rowStart
            let segs = layout.segments.indices.filter { layout.segments[$0].node == n }
            guard let firstSegment = segs.first, let lastSegment = segs.last else { continue }
            let base = layout.segments[firstSegment].valueOffset
            let end = layout.segments[lastSegment].valueOffset
                + layout.segments[lastSegment].rowCount * layout.segments[lastSegment].columnCount
            // Per local row: where its values start.
            var rowPosition = [Int](repeating: 0, count: rows)
            var rowSegmentSlot = [Int](repeating: 0, count: rows)
            for (slot, s) in segs.enumerated() {
                let seg = layout.segments[s]
                for r in 0..<seg.rowCount {
                    rowPosition[seg.rowStart + r - rowStart] = seg.valueOffset + r * seg.columnCount
                    rowSegmentSlot[seg.rowStart + r - rowStart] = slot
                }
            }
            let nodeRoles = layout.nodeRoles[n]
            let nodeTensors = try nodeRoles.map { try problem.tensor(roles[$0].tensor) }
            // Largest magnitude per row → the row's power-of-two exponent.
            var rowMax = [Double](repeating: 0, count: rows)
            rowMax.withUnsafeMutableBufferPointer { rowMax in
                for (slot, k) in nodeRoles.enumerated() {
                    if let matrix = Float32Rows(roles[k], nodeTensors[slot]) {
                        matrix.foldRowLargest(of: nodeTensors[slot], into: rowMax)
                        continue
                    }
                    RoleValues.forEach(roles[k], nodeTensors[slot]) { _, o, _, value in
                        let magnitude = Swift.abs(value)
                        if magnitude > rowMax[o] { rowMax[o] = magnitude }
                    }
                }
            }
            var exponent = [Int](repeating: 0, count: rows)
            for r in 0..<rows where rowMax[r] > 0 {
                exponent[r] = Int(rowMax[r].exponent)
                rowLogScale[rowStart + r] = p * Double(exponent[r])
            }
            // Each position receives one element when no role has axes
            // besides out and in (kernel taps, flatten positions) and the
            // roles' columns are distinct within every segment: then the
            // Float value is written directly, else summed in Double first.
            var direct = true
            for k in nodeRoles {
                let role = roles[k]
                let lineElements = role.shape.indices.reduce(1) { $1 == role.outAxis || $1 == role.inAxis ? $0 : $0 * role.shape[$1] }
                if lineElements != 1 { direct = false }
            }
            for s in segs where direct {
                var seen = Set<Int32>()
                for columns in layout.segments[s].roleColumns {
                    for c in columns where !seen.insert(c).inserted { direct = false; break }
                    if !direct { break }
                }
            }
            var sums = direct ? [] : [Double](repeating: 0, count: end - base)
            for (r, k) in nodeRoles.enumerated() {
                let role = roles[k]
                let tensor = nodeTensors[r]
                let hasIn = role.inAxis != nil
                // This role's columns, per segment slot, flattened.
                var columnOffset: [Int] = []
                var columns: [Int32] = []
                for s in segs {
                    columnOffset.append(columns.count)
                    columns.append(contentsOf: layout.segments[s].roleColumns[r])
                }
                // A PyTorch linear weight whose columns are the segment's
                // first ones, in order: whole rows at a time.
                if direct, p == 1 || p == 2, segs.count == 1, let matrix = Float32Rows(role, tensor),
                   columns.elementsEqual(0..<Int32(matrix.columns)) {
                    values.withUnsafeMutableBufferPointer { v in
                        matrix.kernelValues(of: tensor, p: p, exponent: exponent, rowStart: rowPosition, into: v)
                    }
                    continue
                }
                values.withUnsafeMutableBufferPointer { v in
                sums.withUnsafeMutableBufferPointer { sums in
                rowPosition.withUnsafeBufferPointer { rowPosition in
                rowSegmentSlot.withUnsafeBufferPointer { rowSegmentSlot in
                columnOffset.withUnsafeBufferPointer { columnOffset in
                columns.withUnsafeBufferPointer { columns in
                exponent.withUnsafeBufferPointer { exponent in
                    RoleValues.forEach(role, tensor) { _, o, i, value in
                        guard value != 0 else { return }
                        let position = rowPosition[o] + Int(columns[columnOffset[rowSegmentSlot[o]] + (hasIn ? i : 0)])
                        let scaled = Double(sign: .plus, exponent: -exponent[o], significand: Swift.abs(value))
                        let powered = p == 1 ? scaled : (p == 2 ? scaled * scaled : pow(scaled, p))
                        if direct { v[position] = Float(powered) } else { sums[position - base] += powered }
                    }
                }}}}}}}
            }
            if !direct { for k in 0..<sums.count { values[base + k] = Float(sums[k]) } }
        }
        self.values = values
        self.rowLogScale = rowLogScale
        // Express totals in units of the largest row term at z = 0.
        var largest = -Double.infinity
        values.withUnsafeBufferPointer { v in
            for seg in layout.segments {
                for r in 0..<seg.rowCount {
                    var t = 0.0
                    let row = seg.valueOffset + r * seg.columnCount
                    for c in 0..<seg.columnCount { t += Double(v[row + c]) }
                    if t > 0 { largest = Swift.max(largest, (q / p) * (rowLogScale[seg.rowStart + r] + log2(t))) }
                }
            }
        }
        logOffset = largest.isFinite ? largest : 0
    }

    /// s_g = 2^(−p z_g) for every internal group (sentinel 1).
    func consumerFactors(_ z: [Double], into s: inout [Double]) {
        for g in 0..<z.count { s[g] = exp2(-p * z[g]) }
    }

    /// Visits the rows of `chunks` at scales `z` (with `s` from
    /// `consumerFactors`), spread over `accumulators` (one slot per worker,
    /// each slot laid out as [I (free+1) | O (free+1) | total, per-node...]).
    /// Adds each row term R_r to I[out(r)] when `producerMask[out]`, and its
    /// consumer shares R_r·A[r,c]·s_c/T_r to O[col] when `consumerMask[col]`
    /// (nil masks mean all groups), its term to the total and, when
    /// `perNode`, to its node's sum.
    ///
    /// Rows go through `RowKernels` four at a time. For p = q the factor
    /// R_r/T_r = 2^(p z_out + rowLogScale_r − logOffset) does not depend on
    /// T_r, so row sums and consumer shares come from one pass over the row
    /// (`RowKernels.dotAdd4`); otherwise the four row sums come first. The
    /// consumer shares are summed per column without s_c, which multiplies
    /// the column's sum once per chunk.
    func accumulate(z: [Double], s: [Double], chunks: [RowChunk], workers: Int,
                    producerMask: [Bool]?, consumerMask: [Bool]?, perNode: Bool,
                    accumulators: ChunkAccumulators) {
        let groups = layout.freeGroups.count + 1
        let qp = q / p
        let pEqualsQ = p == q
        let offset = logOffset
        accumulators.reset(workers)
        ParallelRows.run(workers) { worker in
            let acc = accumulators.slice(worker)
            let inTotals = UnsafeMutableBufferPointer(rebasing: acc[0..<groups])
            let outTotals = UnsafeMutableBufferPointer(rebasing: acc[groups..<(2 * groups)])
            let totalSlot = 2 * groups
            self.values.withUnsafeBufferPointer { v in
            self.layout.columnGroups.withUnsafeBufferPointer { cols in
            self.layout.rowOut.withUnsafeBufferPointer { rowOut in
            self.rowLogScale.withUnsafeBufferPointer { logScale in
            s.withUnsafeBufferPointer { s in
            z.withUnsafeBufferPointer { z in
                // Per chunk, the segment's consumer factors gathered into a
                // contiguous row (sCols) and its consumer shares summed per
                // column (oCols), scattered into the totals once per chunk:
                // the per-value loops stay contiguous and vectorise.
                var widest = 0
                var k = worker
                while k < chunks.count { widest = Swift.max(widest, self.layout.segments[chunks[k].segment].columnCount); k += workers }
                let sCols = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(widest, 1))
                let oCols = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(widest, 1))
                defer { sCols.deallocate(); oCols.deallocate() }
                k = worker
                while k < chunks.count {
                    let chunk = chunks[k]
                    k += workers
                    let seg = self.layout.segments[chunk.segment]
                    let n = seg.columnCount
                    let colBase = seg.columnStart
                    var scatter = false
                    if let mask = consumerMask {
                        for c in 0..<n where mask[Int(cols[colBase + c])] { scatter = true; break }
                    } else { scatter = true }
                    for c in 0..<n { sCols[c] = s[Int(cols[colBase + c])]; oCols[c] = 0 }
                    guard let base = v.baseAddress else { continue }
                    var r = chunk.rowBegin
                    while r < chunk.rowEnd {
                        // Up to four rows; a short block repeats its last row
                        // with factor 0 and ignores the repeats' sums.
                        let count = Swift.min(4, chunk.rowEnd - r)
                        let first = base + seg.valueOffset + r * n
                        let rows: RowKernels.Rows = (first, first + n * Swift.min(1, count - 1),
                                                     first + n * Swift.min(2, count - 1), first + n * Swift.min(3, count - 1))
                        var t: SIMD4<Double>
                        var factor = SIMD4<Double>()
                        var terms = SIMD4<Double>()
                        if pEqualsQ {
                            for j in 0..<count {
                                let globalRow = seg.rowStart + r + j
                                factor[j] = exp2(p * z[Int(rowOut[globalRow])] + logScale[globalRow] - offset)
                            }
                            t = scatter ? RowKernels.dotAdd4(factor, rows, sCols, into: oCols, n) : RowKernels.dot4(rows, sCols, n)
                            for j in 0..<count where t[j] > 0 { terms[j] = factor[j] * t[j] }
                        } else {
                            t = RowKernels.dot4(rows, sCols, n)
                            for j in 0..<count where t[j] > 0 {
                                let globalRow = seg.rowStart + r + j
                                terms[j] = exp2(q * z[Int(rowOut[globalRow])] + qp * (logScale[globalRow] + log2(t[j])) - offset)
                                factor[j] = terms[j] / t[j]
                            }
                            if scatter { RowKernels.add4(factor, rows, into: oCols, n) }
                        }
                        for j in 0..<count where t[j] > 0 {
                            let term = terms[j]
                            acc[totalSlot] += term
                            if perNode { acc[totalSlot + 1 + seg.node] += term }
                            let o = Int(rowOut[seg.rowStart + r + j])
                            if producerMask?[o] ?? true { inTotals[o] += term }
                        }
                        r += count
                    }
                    if scatter {
                        for c in 0..<n {
                            let g = Int(cols[colBase + c])
                            if consumerMask?[g] ?? true { outTotals[g] += oCols[c] * sCols[c] }
                        }
                    }
                }
            }}}}}}
        }
    }

    /// Width of one accumulator slot: I, O, total, per-node totals.
    var accumulatorWidth: Int { 2 * (layout.freeGroups.count + 1) + 1 + layout.nodeNames.count }

    /// Objective (in true units) and per-node sums of row terms (true units).
    func evaluate(_ z: [Double]) -> (objective: Double, nodeSums: [Double]) {
        var s = [Double](repeating: 1, count: z.count)
        consumerFactors(z, into: &s)
        let all = Array(layout.segments.indices)
        let work = layout.valueCount
        let workers = ParallelRows.chunkCount(work: work)
        let chunks = ParallelRows.chunks(layout: layout, segments: all, count: workers)
        let acc = ChunkAccumulators(width: accumulatorWidth, slots: workers)
        accumulate(z: z, s: s, chunks: chunks, workers: workers, producerMask: [Bool](repeating: false, count: z.count),
                   consumerMask: [Bool](repeating: false, count: z.count), perNode: true, accumulators: acc)
        var summed = [Double](repeating: 0, count: accumulatorWidth)
        acc.sum(workers, into: &summed)
        let scale = exp2(logOffset)
        let totalSlot = 2 * (layout.freeGroups.count + 1)
        let nodeSums = (0..<layout.nodeNames.count).map { summed[totalSlot + 1 + $0] * scale }
        return (summed[totalSlot] * scale, nodeSums)
    }
}
