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

    init(problem: KernelAlignmentProblem, z: [Double]) {
        self.z = z
        factors = LinkFactors(links: problem.links, z: z)
        producerSums = [Double](repeating: 0, count: problem.groupCount)
        consumerSums = producerSums
    }

    /// Σe at the current z (references re-centred on z first, which keeps
    /// the factors near 1 however far the sweeps move).
    mutating func total(_ problem: KernelAlignmentProblem) -> Double {
        factors.refresh(links: problem.links, z: z)
        return problem.links.total(z: z, factors: factors, schedule: problem.schedule)
    }

    /// Computes B and C of every group of run `k` at the current z; large
    /// runs in parallel chunks (each group's sums come from one chunk, so
    /// the numbers do not depend on the number of threads).
    mutating func computeSums(run k: Int, problem: KernelAlignmentProblem) {
        let links = problem.links, schedule = problem.schedule
        let order = schedule.order, chunkStart = schedule.chunkStart
        let chunks = schedule.runChunks[k]..<schedule.runChunks[k + 1]
        let z = self.z, factors = self.factors
        producerSums.withUnsafeMutableBufferPointer { producerBuffer in
        consumerSums.withUnsafeMutableBufferPointer { consumerBuffer in
            guard let producerBase = producerBuffer.baseAddress, let consumerBase = consumerBuffer.baseAddress else { return }
            let producers = DisjointSlots(base: producerBase), consumers = DisjointSlots(base: consumerBase)
            let body: @Sendable (Int) -> Void = { j in
                let chunk = chunks.lowerBound + j
                links.groupSums(order[chunkStart[chunk]..<chunkStart[chunk + 1]], z: z, factors: factors,
                                producers: producers, consumers: consumers)
            }
            if schedule.runWork[k] >= SweepSchedule.parallelWork {
                ParallelRows.run(chunks.count, body)
            } else {
                for j in 0..<chunks.count { body(j) }
            }
        }}
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
