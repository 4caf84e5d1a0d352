/// The Gauss–Seidel order of the alignment sweeps, cut into runs of
/// consecutive groups that share no link, and into chunks of work.
///
/// Within a run no group's producer or consumer sum depends on another
/// run member's scale, so all of a run's sums can be computed at once (in
/// parallel) at the run's start and the groups then updated one by one in
/// id order: exactly the sequential sweep, up to summation order. In an MLP
/// a run is a whole layer.
struct SweepSchedule: Sendable {
    /// The groups a sweep updates (not frozen, with at least one kept
    /// element), in id order.
    var order: [Int32]
    /// Run k is `order[runStart[k]..<runStart[k + 1]]`.
    var runStart: [Int]
    /// Chunk j is `order[chunkStart[j]..<chunkStart[j + 1]]`; chunks never
    /// straddle runs, run k owns chunks `runChunks[k]..<runChunks[k + 1]`.
    var chunkStart: [Int]
    var runChunks: [Int]
    /// Multiply-adds of each run's sums.
    var runWork: [Int]
    /// Row ranges of the segments for a pass over every link, and that pass's work.
    var totalChunks: [RowChunk]
    var totalWork: Int
    /// Per segment, whether a sweep leaves its entries' sum recoverable
    /// from the dot products it computed (see `Settlement`).
    var settlement: [Settlement]
    /// The chunks of `totalChunks` over unsettled segments, and their work.
    var unsettledChunks: [RowChunk]
    var unsettledWork: Int

    /// When a segment's final sum after a sweep is known from that sweep's
    /// own dot products, with no further pass over its entries.
    enum Settlement: Sendable {
        /// Every row group is updated in the sweep, after every moving
        /// column group: each row's dot product was taken with the final
        /// column factors, so Σ = Σ_rows dot·(final row factor)·scale.
        case rows
        /// The same with rows and columns exchanged.
        case columns
        /// Neither (groups linked both ways, or not every group updated).
        case none
    }

    /// Per run, the segments whose column sums it takes by a pass over
    /// their rows (every moving column group of theirs is in the run), the
    /// row chunks of those passes, and their work.
    var columnPassSegments: [[Int]]
    var columnPasses: [[ColumnPassChunk]]
    var columnPassWork: [Int]
    /// Partial column sums a run's passes need at most.
    var partialCount: Int
    /// The segments whose column sums are taken column by column, as their
    /// groups' turns come: they need a column-major copy.
    var columnCopies: [Int]

    /// Rows `rowBegin..<rowEnd` of a segment, whose column sums go to
    /// `partialOffset..<partialOffset + columns` of the partial sums.
    struct ColumnPassChunk: Sendable {
        var segment: Int
        var rowBegin: Int
        var rowEnd: Int
        var partialOffset: Int
    }

    var runCount: Int { runStart.count - 1 }

    /// Row chunks of one segment's column pass (fixed, so the sums do not
    /// depend on the number of threads).
    static let columnPassChunks = 16

    /// Work per chunk: big enough to amortise a dispatch, small enough to
    /// balance two to a few dozen cores.
    static let chunkWork = 1 << 16
    /// Passes with less work than this run on the calling thread.
    static let parallelWork = 1 << 18

    init(links: KernelAlignmentLinks, active: [Bool]) {
        let groupCount = active.count
        // The largest active group below h linked to h (−1: none).
        var linkedBelow = [Int](repeating: -1, count: groupCount)
        for seg in links.segments {
            let rows = links.rowGroups[seg.rowStart..<(seg.rowStart + seg.rowCount)].map(Int.init).filter { active[$0] }
            let columns = links.columnGroups[seg.columnStart..<(seg.columnStart + seg.columnCount)].map(Int.init).filter { active[$0] }
            Self.markLinks(rows, to: columns.sorted(), in: &linkedBelow)
            Self.markLinks(columns, to: rows.sorted(), in: &linkedBelow)
        }
        var order: [Int32] = [], runStart: [Int] = []
        var runFirst = Int.max
        for h in 0..<groupCount where active[h] {
            if runStart.isEmpty || linkedBelow[h] >= runFirst {
                runStart.append(order.count)
                runFirst = h
            }
            order.append(Int32(h))
        }
        runStart.append(order.count)
        let runCount = runStart.count - 1
        var runOf = [Int](repeating: -1, count: groupCount)
        for k in 0..<runCount {
            for index in runStart[k]..<runStart[k + 1] { runOf[Int(order[index])] = k }
        }
        // Per segment, the runs of its moving row and column groups.
        let rowRuns = links.segments.map { seg in
            links.rowGroups[seg.rowStart..<(seg.rowStart + seg.rowCount)].map { runOf[Int($0)] }
        }
        let columnRuns = links.segments.map { seg in
            links.columnGroups[seg.columnStart..<(seg.columnStart + seg.columnCount)].map { runOf[Int($0)] }
        }

        // Column sums by a pass over the rows, for every segment whose
        // moving column groups all lie in one run.
        var columnPassRun = [Int](repeating: -1, count: links.segments.count)
        var columnPasses = [[ColumnPassChunk]](repeating: [], count: runCount)
        var columnPassSegments = [[Int]](repeating: [], count: runCount)
        var partialCount = [Int](repeating: 0, count: runCount)
        for (s, seg) in links.segments.enumerated() {
            let moving = Set(columnRuns[s].filter { $0 >= 0 })
            guard moving.count == 1, let k = moving.first else { continue }
            columnPassRun[s] = k
            columnPassSegments[k].append(s)
            let pieces = Swift.min(seg.rowCount, Self.columnPassChunks)
            for piece in 0..<pieces {
                columnPasses[k].append(ColumnPassChunk(segment: s, rowBegin: piece * seg.rowCount / pieces,
                                                       rowEnd: (piece + 1) * seg.rowCount / pieces,
                                                       partialOffset: partialCount[k]))
                partialCount[k] += seg.columnCount
            }
        }

        var work: [Int] = []
        for h in order.map(Int.init) {
            var w = 1
            for k in links.rowOccurrenceStart[h]..<links.rowOccurrenceStart[h + 1] {
                w += links.segments[Int(links.rowSegment[Int(links.rowOccurrences[k])])].columnCount
            }
            for k in links.columnOccurrenceStart[h]..<links.columnOccurrenceStart[h + 1] {
                let s = Int(links.columnSegment[Int(links.columnOccurrences[k])])
                w += columnPassRun[s] >= 0 ? 1 : links.segments[s].rowCount
            }
            work.append(w)
        }
        var chunkStart: [Int] = [], runChunks: [Int] = [], runWork: [Int] = []
        for k in 0..<runCount {
            runChunks.append(chunkStart.count)
            var total = 0, inChunk = 0
            for index in runStart[k]..<runStart[k + 1] {
                if index == runStart[k] || inChunk >= Self.chunkWork {
                    chunkStart.append(index)
                    inChunk = 0
                }
                inChunk += work[index]
                total += work[index]
            }
            runWork.append(total)
        }
        runChunks.append(chunkStart.count)
        chunkStart.append(order.count)

        var totalChunks: [RowChunk] = [], totalWork = 0
        for (s, seg) in links.segments.enumerated() {
            let rowsPerChunk = Swift.max(1, Self.chunkWork / Swift.max(seg.columnCount, 1))
            var r = 0
            while r < seg.rowCount {
                let end = Swift.min(seg.rowCount, r + rowsPerChunk)
                totalChunks.append(RowChunk(segment: s, rowBegin: r, rowEnd: end))
                r = end
            }
            totalWork += seg.rowCount * seg.columnCount
        }
        let settlement = links.segments.indices.map { s -> Settlement in
            let rows = rowRuns[s], columns = columnRuns[s]
            let movingRows = rows.filter { $0 >= 0 }, movingColumns = columns.filter { $0 >= 0 }
            if movingRows.count == rows.count, (movingColumns.max() ?? -1) < (movingRows.min() ?? Int.max) { return .rows }
            if movingColumns.count == columns.count, (movingRows.max() ?? -1) < (movingColumns.min() ?? Int.max) {
                return .columns
            }
            return .none
        }
        let unsettledChunks = totalChunks.filter { settlement[$0.segment] == .none }
        self.order = order; self.runStart = runStart; self.chunkStart = chunkStart
        self.runChunks = runChunks; self.runWork = runWork
        self.totalChunks = totalChunks; self.totalWork = totalWork
        self.settlement = settlement
        self.unsettledChunks = unsettledChunks
        self.unsettledWork = unsettledChunks.reduce(0) {
            $0 + ($1.rowEnd - $1.rowBegin) * links.segments[$1.segment].columnCount
        }
        self.columnPasses = columnPasses
        self.columnPassSegments = columnPassSegments
        self.columnPassWork = (0..<runCount).map { k in
            columnPassSegments[k].reduce(0) { $0 + links.segments[$1].rowCount * links.segments[$1].columnCount }
        }
        self.partialCount = partialCount.max() ?? 0
        self.columnCopies = links.segments.indices.filter { s in
            columnPassRun[s] < 0 && columnRuns[s].contains { $0 >= 0 }
        }
    }

    /// For each group of `groups`, records the largest of `others` (sorted)
    /// below it.
    private static func markLinks(_ groups: [Int], to others: [Int], in linkedBelow: inout [Int]) {
        guard !others.isEmpty else { return }
        for h in groups {
            // First index with others[index] >= h.
            var low = 0, high = others.count
            while low < high {
                let mid = (low + high) / 2
                if others[mid] < h { low = mid + 1 } else { high = mid }
            }
            if low > 0 { linkedBelow[h] = Swift.max(linkedBelow[h], others[low - 1]) }
        }
    }
}
