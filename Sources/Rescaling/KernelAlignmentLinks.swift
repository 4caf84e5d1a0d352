import Foundation
import Network

/// One dense block of links: the kernel-diagonal entries of one parameter
/// tensor (one block of a grouped convolution) between its free produced
/// groups (rows) and its free consumed groups (columns), summed over the
/// elements that join the same pair (kernel taps, flatten positions).
struct LinkSegment: Sendable {
    /// First row slot (index into `rowGroups`) and the number of rows.
    var rowStart: Int
    var rowCount: Int
    /// First column slot (index into `columnGroups`) and the number of columns.
    var columnStart: Int
    var columnCount: Int
    /// Where the block starts in `rowMajor` (rows × columns).
    var offset: Int
    /// Where its transpose starts in `columnMajor`, −1 when it has none
    /// (its column sums are taken by passes over its rows).
    var columnOffset = -1
}

/// The kernel diagonal regrouped for the alignment sweeps.
///
/// Every kept element (g > 0) with produced group `out` and consumed group
/// `in` (−1 = fixed) has rescaled entry g·4^(z[in] − z[out]). Elements that
/// always move together are summed once, at construction:
/// - `out == in` (both fixed, or one group on both sides): the entry never
///   moves; summed into `constant`.
/// - `in` fixed: summed per produced group into `producedFixed`.
/// - `out` fixed: summed per consumed group into `consumedFixed`.
/// - both free and different: summed per (out, in) pair into the dense
///   blocks of `segments`, row-major, so every per-group sum is a
///   contiguous dot product with a gathered row of scale factors (or, for
///   the consumers' sums, a contiguous pass over the rows); blocks whose
///   column sums are needed one group at a time also get a column-major copy.
struct KernelAlignmentLinks: Sendable {
    var segments: [LinkSegment] = []
    /// The blocks' aggregated entries, each block rows × columns, row-major.
    var rowMajor: [Double] = []
    /// The transposes (columns × rows, row-major) of the blocks that have one.
    var columnMajor: [Double] = []
    /// Group of each row slot and its segment.
    var rowGroups: [Int32] = []
    var rowSegment: [Int32] = []
    /// Group of each column slot and its segment.
    var columnGroups: [Int32] = []
    var columnSegment: [Int32] = []
    /// Per group, Σ g over elements producing it from a fixed input.
    var producedFixed: [Double]
    /// Per group, Σ g over elements consuming it into a fixed output.
    var consumedFixed: [Double]
    /// Σ g over elements whose entry never moves.
    var constant = 0.0
    /// Per group, the kept elements with out == h ≠ in, and with in == h ≠ out.
    var producerCount: [Int]
    var consumerCount: [Int]
    /// n: kept elements; elements left out (g = 0); Σ ln g over the kept ones
    /// (in tensor order, C order within a tensor).
    var count = 0
    var zeroEntries = 0
    var logDiagonalSum = 0.0
    /// Per group, its row slots and its column slots (CSR).
    var rowOccurrenceStart: [Int] = []
    var rowOccurrences: [Int32] = []
    var columnOccurrenceStart: [Int] = []
    var columnOccurrences: [Int32] = []

    var groupCount: Int { producedFixed.count }

    /// Regroups `kernel` by the roles (validated by the caller: shapes, axes,
    /// group ids in range, entry counts matching the shapes). Tensors without
    /// a role are fixed on both sides.
    init(kernel: PathKernelDiagonal, roles: [String: ParameterRole], groupCount: Int) {
        producedFixed = [Double](repeating: 0, count: groupCount)
        consumedFixed = producedFixed
        producerCount = [Int](repeating: 0, count: groupCount)
        consumerCount = producerCount
        let tensors = kernel.tensorOrder.map { kernel.values[$0] ?? [] }
        (count, zeroEntries, logDiagonalSum) = Self.logarithms(of: tensors)
        // Plan every block first, so the entries are allocated once.
        var slotOf = [Int32](repeating: -1, count: groupCount)
        let plans = kernel.tensorOrder.map { name in roles[name].map { plan($0, slotOf: &slotOf) } }
        rowMajor = [Double](repeating: 0, count: plans.reduce(0) { $0 + ($1?.size ?? 0) })
        for (values, plan) in zip(tensors, plans) {
            if let plan {
                add(plan, values: values)
            } else {
                for g in values where g > 0 { constant += g }
            }
        }
        (rowOccurrenceStart, rowOccurrences) = Self.occurrences(of: rowGroups, groupCount: groupCount)
        (columnOccurrenceStart, columnOccurrences) = Self.occurrences(of: columnGroups, groupCount: groupCount)
    }

    /// Where the elements of one tensor with a role go.
    private struct Plan {
        var role: ParameterRole
        /// Per out coordinate: the offset of its block row in `rowMajor`
        /// (−1: fixed group or no block), and where its block's column
        /// slots start in `columnSlot` (block × in size).
        var rowOffset: [Int]
        var blockColumns: [Int]
        /// Per (block, in coordinate): the column slot in its block (−1: fixed).
        var columnSlot: [Int]
        /// Entries of the blocks this tensor adds.
        var size: Int
    }

    /// Lays out the blocks of one tensor (appending segments and slots).
    private mutating func plan(_ role: ParameterRole, slotOf: inout [Int32]) -> Plan {
        let outSize = role.shape[role.outAxis]
        let inSize = role.inAxis.map { role.shape[$0] } ?? 1
        let blocks = role.inAxis == nil ? 1 : role.inBlocks
        let rowsPerBlock = outSize / blocks
        var result = Plan(role: role, rowOffset: [Int](repeating: -1, count: outSize),
                          blockColumns: (0..<outSize).map { ($0 / rowsPerBlock) * inSize },
                          columnSlot: [Int](repeating: -1, count: blocks * inSize), size: 0)
        guard role.inAxis != nil else { return result }
        let base = segments.last.map { $0.offset + $0.rowCount * $0.columnCount } ?? 0
        for b in 0..<blocks {
            var rows: [Int32] = [], columns: [Int32] = []
            var rowSlot: [(o: Int, slot: Int)] = []
            for o in (b * rowsPerBlock)..<((b + 1) * rowsPerBlock) where role.outGroups[o] >= 0 {
                rowSlot.append((o, Self.slot(Int32(role.outGroups[o]), in: &rows, slotOf: &slotOf)))
            }
            for r in rows { slotOf[Int(r)] = -1 }
            for i in 0..<inSize where role.inGroups[b * inSize + i] >= 0 {
                result.columnSlot[b * inSize + i] = Self.slot(Int32(role.inGroups[b * inSize + i]), in: &columns,
                                                              slotOf: &slotOf)
            }
            for c in columns { slotOf[Int(c)] = -1 }
            guard !rows.isEmpty, !columns.isEmpty else { continue }
            let s = segments.count, offset = base + result.size
            segments.append(LinkSegment(rowStart: rowGroups.count, rowCount: rows.count,
                                        columnStart: columnGroups.count, columnCount: columns.count, offset: offset))
            for (o, slot) in rowSlot { result.rowOffset[o] = offset + slot * columns.count }
            rowGroups += rows
            rowSegment += [Int32](repeating: Int32(s), count: rows.count)
            columnGroups += columns
            columnSegment += [Int32](repeating: Int32(s), count: columns.count)
            result.size += rows.count * columns.count
        }
        return result
    }

    /// Adds the elements of one tensor with a role where its plan says.
    private mutating func add(_ plan: Plan, values: [Double]) {
        let role = plan.role
        var constant = self.constant
        let hasIn = role.inAxis != nil
        values.withUnsafeBufferPointer { values in
        role.outGroups.withUnsafeBufferPointer { outGroups in
        role.inGroups.withUnsafeBufferPointer { inGroups in
        plan.rowOffset.withUnsafeBufferPointer { rowOffset in
        plan.blockColumns.withUnsafeBufferPointer { blockColumns in
        plan.columnSlot.withUnsafeBufferPointer { columnSlot in
        producedFixed.withUnsafeMutableBufferPointer { producedFixed in
        consumedFixed.withUnsafeMutableBufferPointer { consumedFixed in
        producerCount.withUnsafeMutableBufferPointer { producerCount in
        consumerCount.withUnsafeMutableBufferPointer { consumerCount in
        rowMajor.withUnsafeMutableBufferPointer { entries in
            forEachCoordinate(shape: role.shape, outAxis: role.outAxis, inAxis: role.inAxis) { index, o, i in
                let g = values[index]
                guard g > 0 else { return }
                let out = outGroups[o]
                let column = blockColumns[o] + i
                let input = hasIn ? inGroups[column] : -1
                if out != input, out >= 0, input >= 0 {
                    entries[rowOffset[o] + columnSlot[column]] += g
                    producerCount[out] += 1; consumerCount[input] += 1
                } else if out == input {
                    constant += g
                } else if input < 0 {
                    producedFixed[out] += g; producerCount[out] += 1
                } else {
                    consumedFixed[input] += g; consumerCount[input] += 1
                }
            }
        }}}}}}}}}}}
        self.constant = constant
    }

    /// n, the zero entries, and Σ ln g over the positive entries of every
    /// tensor: in fixed chunks (in parallel when large), the partial sums
    /// added in order, so the result does not depend on the thread count.
    private static func logarithms(of tensors: [[Double]]) -> (count: Int, zeros: Int, logSum: Double) {
        let chunk = SweepSchedule.chunkWork
        let chunks = tensors.enumerated().flatMap { t, values in
            stride(from: 0, to: values.count, by: chunk).map { (tensor: t, begin: $0, end: Swift.min(values.count, $0 + chunk)) }
        }
        var logSums = [Double](repeating: 0, count: chunks.count)
        var counts = [Int](repeating: 0, count: chunks.count)
        let work = tensors.reduce(0) { $0 + $1.count }
        logSums.withUnsafeMutableBufferPointer { logBuffer in
        counts.withUnsafeMutableBufferPointer { countBuffer in
            guard let logBase = logBuffer.baseAddress, let countBase = countBuffer.baseAddress else { return }
            let logSlots = DisjointSlots(base: logBase), countSlots = DisjointSlots(base: countBase)
            let body: @Sendable (Int) -> Void = { j in
                let (t, begin, end) = chunks[j]
                var sum = 0.0, kept = 0
                tensors[t].withUnsafeBufferPointer { values in
                    for k in begin..<end where values[k] > 0 { sum += log(values[k]); kept += 1 }
                }
                logSlots.store(sum, at: j)
                countSlots.store(kept, at: j)
            }
            if work >= SweepSchedule.parallelWork {
                ParallelRows.run(chunks.count, body)
            } else {
                for j in chunks.indices { body(j) }
            }
        }}
        let kept = counts.reduce(0, +)
        return (kept, work - kept, logSums.reduce(0, +))
    }

    /// Gives the blocks `chosen` their column-major copies (in parallel
    /// when large).
    mutating func makeColumnCopies(_ chosen: [Int]) {
        var size = 0
        for s in chosen {
            segments[s].columnOffset = size
            size += segments[s].rowCount * segments[s].columnCount
        }
        let segments = self.segments, rowMajor = self.rowMajor
        columnMajor = [Double](unsafeUninitializedCapacity: size) { buffer, initialized in
            if let base = buffer.baseAddress {
                let target = DisjointSlots(base: base)
                let body: @Sendable (Int) -> Void = { j in
                    let seg = segments[chosen[j]]
                    rowMajor.withUnsafeBufferPointer { source in
                        guard let from = source.baseAddress else { return }
                        AlignmentKernels.transpose(from + seg.offset, rows: seg.rowCount, columns: seg.columnCount,
                                                   into: target.base + seg.columnOffset)
                    }
                }
                if size >= SweepSchedule.parallelWork {
                    ParallelRows.run(chosen.count, body)
                } else {
                    for j in chosen.indices { body(j) }
                }
            }
            initialized = size
        }
    }

    /// The slot of `group` in `list`, appending it when new; `slotOf` marks
    /// the groups already listed (the caller clears it afterwards).
    private static func slot(_ group: Int32, in list: inout [Int32], slotOf: inout [Int32]) -> Int {
        if slotOf[Int(group)] < 0 {
            slotOf[Int(group)] = Int32(list.count)
            list.append(group)
        }
        return Int(slotOf[Int(group)])
    }

    /// For each group, the slots holding it, as CSR ranges.
    private static func occurrences(of groups: [Int32], groupCount: Int) -> (start: [Int], items: [Int32]) {
        var start = [Int](repeating: 0, count: groupCount + 1)
        for g in groups { start[Int(g) + 1] += 1 }
        for h in 0..<groupCount { start[h + 1] += start[h] }
        var fill = start, items = [Int32](repeating: 0, count: groups.count)
        for (slot, g) in groups.enumerated() {
            items[fill[Int(g)]] = Int32(slot)
            fill[Int(g)] += 1
        }
        return (start, items)
    }
}
