import Foundation

/// The scale factors of the link blocks at one point z, gathered per slot so
/// that every sum over a block row or column is a contiguous dot product.
///
/// Each segment s has reference exponents (integers near the middle of its
/// rows' and its columns' z, so that the factors stay near 1 and never
/// overflow before the entries themselves would): row slot k of s holds
/// 4^(rowReference[s] − z[group]) and column slot k holds
/// 4^(z[group] − columnReference[s]). A link (out, in) of s has entry
/// g·4^(z[in] − z[out]) = g · columnFactor · rowFactor · 4^(columnReference − rowReference).
struct LinkFactors: Sendable {
    var rowFactors: [Double]
    var columnFactors: [Double]
    var rowReference: [Double]
    var columnReference: [Double]

    /// The factors at `z` (fresh references).
    init(links: KernelAlignmentLinks, z: [Double]) {
        rowFactors = [Double](repeating: 1, count: links.rowGroups.count)
        columnFactors = [Double](repeating: 1, count: links.columnGroups.count)
        rowReference = [Double](repeating: 0, count: links.segments.count)
        columnReference = rowReference
        refresh(links: links, z: z)
    }

    /// Re-centres every reference on the current z and recomputes all factors.
    mutating func refresh(links: KernelAlignmentLinks, z: [Double]) {
        for (s, seg) in links.segments.enumerated() {
            rowReference[s] = Self.middle(links.rowGroups[seg.rowStart..<(seg.rowStart + seg.rowCount)], z)
            columnReference[s] = Self.middle(links.columnGroups[seg.columnStart..<(seg.columnStart + seg.columnCount)], z)
        }
        for k in rowFactors.indices {
            rowFactors[k] = exp2(2 * (rowReference[Int(links.rowSegment[k])] - z[Int(links.rowGroups[k])]))
        }
        for k in columnFactors.indices {
            columnFactors[k] = exp2(2 * (z[Int(links.columnGroups[k])] - columnReference[Int(links.columnSegment[k])]))
        }
    }

    /// Updates the slots of group `h` after its scale changed to `zh`.
    mutating func update(group h: Int, to zh: Double, links: KernelAlignmentLinks) {
        for k in links.rowOccurrenceStart[h]..<links.rowOccurrenceStart[h + 1] {
            let slot = Int(links.rowOccurrences[k])
            rowFactors[slot] = exp2(2 * (rowReference[Int(links.rowSegment[slot])] - zh))
        }
        for k in links.columnOccurrenceStart[h]..<links.columnOccurrenceStart[h + 1] {
            let slot = Int(links.columnOccurrences[k])
            columnFactors[slot] = exp2(2 * (zh - columnReference[Int(links.columnSegment[slot])]))
        }
    }

    /// The integer nearest the middle of the groups' z range.
    private static func middle(_ groups: ArraySlice<Int32>, _ z: [Double]) -> Double {
        var low = Double.infinity, high = -Double.infinity
        for g in groups { low = Swift.min(low, z[Int(g)]); high = Swift.max(high, z[Int(g)]) }
        guard low <= high else { return 0 }
        return ((low + high) / 2).rounded()
    }
}

/// The passes over the links: per-group sums and the grand total.
extension KernelAlignmentLinks {
    /// The producers' sum C (entries of elements with out == h ≠ in) and the
    /// consumers' sum B (in == h ≠ out) of each group of `groups`, at `z`
    /// with `factors` gathered at `z`, stored at index h of `sums`. The dot
    /// product of each of the groups' block rows and columns with the
    /// factors is stored at its slot in `dots`, except for blocks without a
    /// column-major copy, whose column dots must already be there (from
    /// `columnPass` at the same point).
    func groupSums(_ groups: ArraySlice<Int32>, z: [Double], factors: LinkFactors,
                   into sums: (producers: DisjointSlots<Double>, consumers: DisjointSlots<Double>),
                   dots: (rows: DisjointSlots<Double>, columns: DisjointSlots<Double>)) {
        let (producers, consumers) = sums
        rowMajor.withUnsafeBufferPointer { rowMajor in
        columnMajor.withUnsafeBufferPointer { columnMajor in
        factors.rowFactors.withUnsafeBufferPointer { rowFactors in
        factors.columnFactors.withUnsafeBufferPointer { columnFactors in
            // Each base is nil only when nothing is stored behind it, and
            // then no occurrence reads it.
            let rowBase = rowMajor.baseAddress, columnBase = columnMajor.baseAddress
            let rowF = rowFactors.baseAddress, columnF = columnFactors.baseAddress
            for g in groups {
                let h = Int(g), zh = z[h]
                var c = producedFixed[h] == 0 ? 0 : producedFixed[h] * exp2(-2 * zh)
                for k in rowOccurrenceStart[h]..<rowOccurrenceStart[h + 1] {
                    guard let rowBase, let columnF else { break }
                    let slot = Int(rowOccurrences[k]), s = Int(rowSegment[slot])
                    let seg = segments[s]
                    let d = AlignmentKernels.dot(rowBase + seg.offset + (slot - seg.rowStart) * seg.columnCount,
                                                 columnF + seg.columnStart, seg.columnCount)
                    dots.rows.store(d, at: slot)
                    if d != 0 { c += d * exp2(2 * (factors.columnReference[s] - zh)) }
                }
                var b = consumedFixed[h] == 0 ? 0 : consumedFixed[h] * exp2(2 * zh)
                for k in columnOccurrenceStart[h]..<columnOccurrenceStart[h + 1] {
                    let slot = Int(columnOccurrences[k]), s = Int(columnSegment[slot])
                    let seg = segments[s]
                    let d: Double
                    if seg.columnOffset >= 0, let columnBase, let rowF {
                        d = AlignmentKernels.dot(columnBase + seg.columnOffset + (slot - seg.columnStart) * seg.rowCount,
                                                 rowF + seg.rowStart, seg.rowCount)
                        dots.columns.store(d, at: slot)
                    } else {
                        d = dots.columns.load(at: slot)
                    }
                    if d != 0 { b += d * exp2(2 * (zh - factors.rowReference[s])) }
                }
                producers.store(c, at: h)
                consumers.store(b, at: h)
            }
        }}}}
    }

    /// One chunk of a column pass: Σ over its rows r of row r times its row
    /// factor, into `partials` at `chunk.partialOffset` (one per column).
    func columnPass(_ chunk: SweepSchedule.ColumnPassChunk, factors: LinkFactors, into partials: DisjointSlots<Double>) {
        let seg = segments[chunk.segment]
        let target = partials.base + chunk.partialOffset
        target.update(repeating: 0, count: seg.columnCount)
        rowMajor.withUnsafeBufferPointer { rowMajor in
        factors.rowFactors.withUnsafeBufferPointer { rowF in
            guard let rowBase = rowMajor.baseAddress else { return }
            for r in chunk.rowBegin..<chunk.rowEnd {
                let f = rowF[seg.rowStart + r]
                if f != 0 {
                    AlignmentKernels.addScaled(f, rowBase + seg.offset + r * seg.columnCount, into: target, seg.columnCount)
                }
            }
        }}
    }

    /// Σ of the entries of the block rows of `chunk` at the point `factors`
    /// were gathered at.
    func blockTotal(_ chunk: RowChunk, factors: LinkFactors) -> Double {
        let seg = segments[chunk.segment]
        var sum = 0.0
        rowMajor.withUnsafeBufferPointer { rowMajor in
        factors.rowFactors.withUnsafeBufferPointer { rowF in
        factors.columnFactors.withUnsafeBufferPointer { columnF in
            guard let rowBase = rowMajor.baseAddress, let rowF = rowF.baseAddress,
                  let columnF = columnF.baseAddress else { return }
            for r in chunk.rowBegin..<chunk.rowEnd {
                let d = AlignmentKernels.dot(rowBase + seg.offset + r * seg.columnCount, columnF + seg.columnStart,
                                             seg.columnCount)
                sum += d * rowF[seg.rowStart + r]
            }
        }}}
        let scale = exp2(2 * (factors.columnReference[chunk.segment] - factors.rowReference[chunk.segment]))
        return sum == 0 ? 0 : sum * scale
    }

    /// Σ e over every kept element at `z` (`factors` gathered at `z`), by a
    /// pass over every block: in parallel chunks when large, summed in
    /// chunk order, so the result does not depend on the number of threads.
    func total(z: [Double], factors: LinkFactors, schedule: SweepSchedule) -> Double {
        fixedTotal(z: z) + blockTotals(schedule.totalChunks, work: schedule.totalWork, factors: factors)
    }

    /// Σ e at `z` right after a sweep that ended there, `dots` being the
    /// dot products that sweep computed (`groupSums`): settled segments from
    /// their dots and final factors, the others by a pass.
    func sweptTotal(z: [Double], factors: LinkFactors, schedule: SweepSchedule,
                    rowDots: [Double], columnDots: [Double]) -> Double {
        var sum = fixedTotal(z: z)
        for (s, seg) in segments.enumerated() {
            var blockSum = 0.0
            switch schedule.settlement[s] {
            case .rows:
                for k in seg.rowStart..<(seg.rowStart + seg.rowCount) { blockSum += rowDots[k] * factors.rowFactors[k] }
            case .columns:
                for k in seg.columnStart..<(seg.columnStart + seg.columnCount) {
                    blockSum += columnDots[k] * factors.columnFactors[k]
                }
            case .none: continue
            }
            if blockSum != 0 { sum += blockSum * exp2(2 * (factors.columnReference[s] - factors.rowReference[s])) }
        }
        return sum + blockTotals(schedule.unsettledChunks, work: schedule.unsettledWork, factors: factors)
    }

    /// The entries that never move and those with one fixed side.
    private func fixedTotal(z: [Double]) -> Double {
        var sum = constant
        for h in 0..<groupCount {
            if producedFixed[h] != 0 { sum += producedFixed[h] * exp2(-2 * z[h]) }
            if consumedFixed[h] != 0 { sum += consumedFixed[h] * exp2(2 * z[h]) }
        }
        return sum
    }

    /// Σ over `chunks` of `blockTotal`, in parallel when `work` is large,
    /// added in chunk order.
    private func blockTotals(_ chunks: [RowChunk], work: Int, factors: LinkFactors) -> Double {
        guard !chunks.isEmpty else { return 0 }
        var partials = [Double](repeating: 0, count: chunks.count)
        partials.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let slots = DisjointSlots(base: base)
            let body: @Sendable (Int) -> Void = { j in slots.store(self.blockTotal(chunks[j], factors: factors), at: j) }
            if work >= SweepSchedule.parallelWork {
                ParallelRows.run(chunks.count, body)
            } else {
                for j in chunks.indices { body(j) }
            }
        }
        return partials.reduce(0, +)
    }
}
