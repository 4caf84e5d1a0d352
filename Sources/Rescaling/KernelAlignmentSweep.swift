import Foundation

/// Group h's share of Σe when its turn comes: the consumers' sum B, the
/// producers' sum C, and how many elements each counts.
struct GroupSums {
    var consumers: Double
    var producers: Double
    var consumerCount: Int
    var producerCount: Int
}

/// The moving point of a series of sweeps: z, the link factors gathered at
/// z, and the sums of the run being updated.
struct SweepState {
    private(set) var z: [Double]
    private var factors: LinkFactors
    private var producerSums: [Double]
    private var consumerSums: [Double]
    /// Per block row and column slot, its dot product with the factors when
    /// its group's run last computed its sums.
    private var rowDots: [Double]
    private var columnDots: [Double]
    /// Scratch for the partial column sums of a run's column passes.
    private var partials: [Double]

    init(problem: KernelAlignmentProblem, z: [Double]) {
        self.z = z
        factors = LinkFactors(links: problem.links, z: z)
        producerSums = [Double](repeating: 0, count: problem.groupCount)
        consumerSums = producerSums
        rowDots = [Double](repeating: 0, count: problem.links.rowGroups.count)
        columnDots = [Double](repeating: 0, count: problem.links.columnGroups.count)
        partials = [Double](repeating: 0, count: problem.schedule.partialCount)
    }

    /// Σe at the current z, by a pass over every link.
    func total(_ problem: KernelAlignmentProblem) -> Double {
        problem.links.total(z: z, factors: factors, schedule: problem.schedule)
    }

    /// Σe at the current z right after a sweep: the same number as `total`
    /// up to rounding, with no pass over the segments the sweep settled.
    func sweptTotal(_ problem: KernelAlignmentProblem) -> Double {
        problem.links.sweptTotal(z: z, factors: factors, schedule: problem.schedule,
                                 rowDots: rowDots, columnDots: columnDots)
    }

    /// Re-centres the factors' references on the current z (which keeps the
    /// factors near 1 however far the sweeps move).
    mutating func recentre(_ problem: KernelAlignmentProblem) {
        factors.refresh(links: problem.links, z: z)
    }

    /// Computes B and C of every group of run `k` at the current z: first
    /// the column sums of the blocks whose columns all move in this run, by
    /// passes over their rows, then each group's sums; large runs in
    /// parallel chunks (fixed chunks, each result from one of them, so the
    /// numbers do not depend on the number of threads).
    mutating func computeSums(run k: Int, problem: KernelAlignmentProblem) {
        let links = problem.links, schedule = problem.schedule
        let order = schedule.order, chunkStart = schedule.chunkStart
        let chunks = schedule.runChunks[k]..<schedule.runChunks[k + 1]
        let z = self.z, factors = self.factors
        // The dot buffers may be empty (no blocks): a dummy slot keeps the
        // pointers valid; nothing is stored through them then.
        if rowDots.isEmpty { rowDots = [0] }
        if columnDots.isEmpty { columnDots = [0] }
        if !schedule.columnPasses[k].isEmpty { columnPasses(run: k, problem: problem) }
        producerSums.withUnsafeMutableBufferPointer { producerBuffer in
        consumerSums.withUnsafeMutableBufferPointer { consumerBuffer in
        rowDots.withUnsafeMutableBufferPointer { rowDotBuffer in
        columnDots.withUnsafeMutableBufferPointer { columnDotBuffer in
            guard let producerBase = producerBuffer.baseAddress, let consumerBase = consumerBuffer.baseAddress,
                  let rowDotBase = rowDotBuffer.baseAddress, let columnDotBase = columnDotBuffer.baseAddress else { return }
            let sums = (producers: DisjointSlots(base: producerBase), consumers: DisjointSlots(base: consumerBase))
            let dots = (rows: DisjointSlots(base: rowDotBase), columns: DisjointSlots(base: columnDotBase))
            let body: @Sendable (Int) -> Void = { j in
                let chunk = chunks.lowerBound + j
                links.groupSums(order[chunkStart[chunk]..<chunkStart[chunk + 1]], z: z, factors: factors,
                                into: sums, dots: dots)
            }
            if schedule.runWork[k] >= SweepSchedule.parallelWork {
                ParallelRows.run(chunks.count, body)
            } else {
                for j in 0..<chunks.count { body(j) }
            }
        }}}}
    }

    /// The column dots of run `k`'s column-pass blocks, into `columnDots`.
    private mutating func columnPasses(run k: Int, problem: KernelAlignmentProblem) {
        let links = problem.links, passes = problem.schedule.columnPasses[k], factors = self.factors
        partials.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let slots = DisjointSlots(base: base)
            let body: @Sendable (Int) -> Void = { j in links.columnPass(passes[j], factors: factors, into: slots) }
            if problem.schedule.columnPassWork[k] >= SweepSchedule.parallelWork {
                ParallelRows.run(passes.count, body)
            } else {
                for j in passes.indices { body(j) }
            }
        }
        // Each segment's chunks are consecutive, its first starts at row 0.
        for pass in passes {
            let seg = links.segments[pass.segment]
            for c in 0..<seg.columnCount {
                let value = partials[pass.partialOffset + c]
                columnDots[seg.columnStart + c] = pass.rowBegin == 0 ? value : columnDots[seg.columnStart + c] + value
            }
        }
    }

    /// The sums of group `h` from the last `computeSums` of its run.
    func sums(of h: Int, problem: KernelAlignmentProblem) -> GroupSums {
        GroupSums(consumers: consumerSums[h], producers: producerSums[h],
                  consumerCount: problem.links.consumerCount[h], producerCount: problem.links.producerCount[h])
    }

    /// Moves z[h] by `delta` and regathers its factors.
    mutating func move(_ h: Int, by delta: Double, problem: KernelAlignmentProblem) {
        z[h] += delta
        factors.update(group: h, to: z[h], links: problem.links)
    }
}

extension KernelAlignmentProblem {
    /// One Gauss–Seidel sweep over the groups in id order (frozen groups
    /// and groups without elements skipped). Σe is `sum` at the start; for
    /// each group, `step(h, its sums, current Σe)` returns how far to move
    /// z[h] and Σe after the move, or nil to leave z[h] and Σe alone.
    /// - Returns: Σe as tracked through the steps.
    func sweep(_ state: inout SweepState, sum start: Double,
               step: (Int, GroupSums, Double) -> (delta: Double, sum: Double)?) -> Double {
        var sum = start
        state.recentre(self)
        for k in 0..<schedule.runCount {
            state.computeSums(run: k, problem: self)
            for index in schedule.runStart[k]..<schedule.runStart[k + 1] {
                let h = Int(schedule.order[index])
                guard let move = step(h, state.sums(of: h, problem: self), sum) else { continue }
                if move.delta != 0 { state.move(h, by: move.delta, problem: self) }
                sum = move.sum
            }
        }
        return sum
    }
}
