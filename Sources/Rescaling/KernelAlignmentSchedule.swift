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

    var runCount: Int { runStart.count - 1 }

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
        var order: [Int32] = [], runStart: [Int] = [], work: [Int] = []
        var runFirst = Int.max
        for h in 0..<groupCount where active[h] {
            if runStart.isEmpty || linkedBelow[h] >= runFirst {
                runStart.append(order.count)
                runFirst = h
            }
            order.append(Int32(h))
            var w = 1
            for k in links.rowOccurrenceStart[h]..<links.rowOccurrenceStart[h + 1] {
                w += links.segments[Int(links.rowSegment[Int(links.rowOccurrences[k])])].columnCount
            }
            for k in links.columnOccurrenceStart[h]..<links.columnOccurrenceStart[h + 1] {
                w += links.segments[Int(links.columnSegment[Int(links.columnOccurrences[k])])].rowCount
            }
            work.append(w)
        }
        runStart.append(order.count)

        var chunkStart: [Int] = [], runChunks: [Int] = [], runWork: [Int] = []
        for k in 0..<(runStart.count - 1) {
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
        var runOf = [Int](repeating: -1, count: groupCount)
        for k in 0..<(runStart.count - 1) {
            for index in runStart[k]..<runStart[k + 1] { runOf[Int(order[index])] = k }
        }
        let settlement = links.segments.map { seg -> Settlement in
            let rows = links.rowGroups[seg.rowStart..<(seg.rowStart + seg.rowCount)].map { runOf[Int($0)] }
            let columns = links.columnGroups[seg.columnStart..<(seg.columnStart + seg.columnCount)].map { runOf[Int($0)] }
            // Runs of the moving groups on each side (−1: never moves).
            let rowRuns = rows.filter { $0 >= 0 }, columnRuns = columns.filter { $0 >= 0 }
            if rowRuns.count == rows.count, (columnRuns.max() ?? -1) < (rowRuns.min() ?? Int.max) { return .rows }
            if columnRuns.count == columns.count, (rowRuns.max() ?? -1) < (columnRuns.min() ?? Int.max) { return .columns }
            return .none
        }
        let unsettledChunks = totalChunks.filter { settlement[$0.segment] == .none }
        self.settlement = settlement
        self.unsettledChunks = unsettledChunks
        self.unsettledWork = unsettledChunks.reduce(0) {
            $0 + ($1.rowEnd - $1.rowBegin) * links.segments[$1.segment].columnCount
        }
        self.order = order; self.runStart = runStart; self.chunkStart = chunkStart
        self.runChunks = runChunks; self.runWork = runWork
        self.totalChunks = totalChunks; self.totalWork = totalWork
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
