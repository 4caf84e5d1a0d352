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
    /// Where the block starts in `rowMajor` (rows × columns) and in
    /// `columnMajor` (its transpose).
    var offset: Int
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
///   blocks of `segments`, stored twice (row-major for the producers' sums,
///   column-major for the consumers'), so every per-group sum is a
///   contiguous dot product with a gathered row of scale factors.
struct KernelAlignmentLinks: Sendable {
    var segments: [LinkSegment] = []
    /// The blocks' aggregated entries, each block rows × columns, row-major.
    var rowMajor: [Double] = []
    /// The same blocks transposed (columns × rows, row-major).
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
        var slotOf = [Int32](repeating: -1, count: groupCount)
        for name in kernel.tensorOrder {
            let values = kernel.values[name] ?? []
            if let role = roles[name] {
                add(role, values: values, slotOf: &slotOf)
            } else {
                for g in values {
                    if g > 0 { count += 1; logDiagonalSum += log(g); constant += g } else { zeroEntries += 1 }
                }
            }
        }
        columnMajor = [Double](repeating: 0, count: rowMajor.count)
        rowMajor.withUnsafeBufferPointer { source in
            columnMajor.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                for seg in segments {
                    AlignmentKernels.transpose(from + seg.offset, rows: seg.rowCount, columns: seg.columnCount,
                                               into: to + seg.offset)
                }
            }
        }
        (rowOccurrenceStart, rowOccurrences) = Self.occurrences(of: rowGroups, groupCount: groupCount)
        (columnOccurrenceStart, columnOccurrences) = Self.occurrences(of: columnGroups, groupCount: groupCount)
    }

    /// Adds the elements of one tensor with a role.
    private mutating func add(_ role: ParameterRole, values: [Double], slotOf: inout [Int32]) {
        let outSize = role.shape[role.outAxis]
        let inSize = role.inAxis.map { role.shape[$0] } ?? 1
        let blocks = role.inAxis == nil ? 1 : role.inBlocks
        let rowsPerBlock = outSize / blocks
        // Per out coordinate its row slot, per (block, in coordinate) its
        // column slot, local to the block's segment (−1: fixed group).
        var rowSlot = [Int](repeating: -1, count: outSize)
        var columnSlot = [Int](repeating: -1, count: blocks * inSize)
        var blockSegment = [Int](repeating: -1, count: blocks)
        if role.inAxis != nil {
            for b in 0..<blocks {
                var rows: [Int32] = [], columns: [Int32] = []
                for o in (b * rowsPerBlock)..<((b + 1) * rowsPerBlock) where role.outGroups[o] >= 0 {
                    rowSlot[o] = Self.slot(Int32(role.outGroups[o]), in: &rows, slotOf: &slotOf)
                }
                for r in rows { slotOf[Int(r)] = -1 }
                for i in 0..<inSize where role.inGroups[b * inSize + i] >= 0 {
                    columnSlot[b * inSize + i] = Self.slot(Int32(role.inGroups[b * inSize + i]), in: &columns, slotOf: &slotOf)
                }
                for c in columns { slotOf[Int(c)] = -1 }
                guard !rows.isEmpty, !columns.isEmpty else { continue }
                let s = segments.count
                blockSegment[b] = s
                segments.append(LinkSegment(rowStart: rowGroups.count, rowCount: rows.count,
                                            columnStart: columnGroups.count, columnCount: columns.count,
                                            offset: rowMajor.count))
                rowGroups += rows
                rowSegment += [Int32](repeating: Int32(s), count: rows.count)
                columnGroups += columns
                columnSegment += [Int32](repeating: Int32(s), count: columns.count)
                rowMajor += [Double](repeating: 0, count: rows.count * columns.count)
            }
        }
        // Running totals carried through (Σ ln g keeps one left-to-right order).
        var count = self.count, zeros = self.zeroEntries, logSum = self.logDiagonalSum, constant = self.constant
        let outGroups = role.outGroups, inGroups = role.inGroups, segments = self.segments
        let hasIn = role.inAxis != nil
        producedFixed.withUnsafeMutableBufferPointer { producedFixed in
        consumedFixed.withUnsafeMutableBufferPointer { consumedFixed in
        producerCount.withUnsafeMutableBufferPointer { producerCount in
        consumerCount.withUnsafeMutableBufferPointer { consumerCount in
        rowMajor.withUnsafeMutableBufferPointer { entries in
            forEachCoordinate(shape: role.shape, outAxis: role.outAxis, inAxis: role.inAxis) { index, o, i in
                let g = values[index]
                guard g > 0 else { zeros += 1; return }
                count += 1
                logSum += log(g)
                let out = outGroups[o]
                let b = blocks == 1 ? 0 : o / rowsPerBlock
                let input = hasIn ? inGroups[b * inSize + i] : -1
                if out == input {
                    constant += g
                } else if input < 0 {
                    producedFixed[out] += g; producerCount[out] += 1
                } else if out < 0 {
                    consumedFixed[input] += g; consumerCount[input] += 1
                } else {
                    let seg = segments[blockSegment[b]]
                    entries[seg.offset + rowSlot[o] * seg.columnCount + columnSlot[b * inSize + i]] += g
                    producerCount[out] += 1; consumerCount[input] += 1
                }
            }
        }}}}}
        self.count = count; self.zeroEntries = zeros; self.logDiagonalSum = logSum; self.constant = constant
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
