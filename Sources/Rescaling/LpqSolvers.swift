import Foundation

/// What a continuous ℓ_{p,q} solver returns (internal scales: free groups,
/// then the sentinel 0).
struct ContinuousSolution: Sendable {
    var x: [Double]
    /// Updates of every group applied (sweeps).
    var sweeps: Int
    /// Passes over the stored weights, counted as values visited / values stored.
    var weightPasses: Double
    /// Objective (true units) at the start of every sweep and at the returned point.
    var history: [Double]
    var converged: Bool
}

/// Shared state of the ℓ_{p,q} solvers: the kernel, the box, scratch, and
/// the objective of the first and the latest pass over every row.
struct LpqSweeper {
    let kernel: LpqKernel
    let lo: [Double]
    let hi: [Double]
    let free: Int
    private(set) var passes = 0.0
    private var s: [Double]
    private let accumulators: ChunkAccumulators
    private let workers: Int
    private var summed: [Double]
    /// What a pass over every row established at exactly `x`.
    private struct Evaluation {
        var x: [Double]
        /// Kernel units.
        var total: Double
        /// True units.
        var nodeSums: [Double]
    }
    private var firstEvaluation: Evaluation?
    private var latestEvaluation: Evaluation?

    init(kernel: LpqKernel, lo: [Double], hi: [Double]) {
        self.kernel = kernel
        self.lo = lo
        self.hi = hi
        free = kernel.layout.freeGroups.count
        s = [Double](repeating: 1, count: free + 1)
        workers = ParallelRows.chunkCount(work: kernel.layout.valueCount)
        accumulators = ChunkAccumulators(width: kernel.accumulatorWidth, slots: workers)
        summed = [Double](repeating: 0, count: kernel.accumulatorWidth)
    }

    /// Producer totals I and consumer totals O (kernel units) of the groups
    /// selected by `mask` (nil: all), over `segments`, at scales x; returns
    /// (I, O, objective over the visited rows in kernel units). A pass over
    /// every segment also sums the rows per node and is remembered for
    /// `evaluate` (the first such pass and the latest).
    mutating func totals(_ x: [Double], segments: [Int], mask: [Bool]?) -> (I: ArraySlice<Double>, O: ArraySlice<Double>, total: Double) {
        let everyRow = segments.count == kernel.layout.segments.count
        kernel.consumerFactors(x, into: &s)
        let chunks = ParallelRows.chunks(layout: kernel.layout, segments: segments, count: workers)
        kernel.accumulate(z: x, s: s, chunks: chunks, workers: workers, producerMask: mask, consumerMask: mask,
                          perNode: everyRow, accumulators: accumulators)
        for k in 0..<summed.count { summed[k] = 0 }
        accumulators.sum(workers, into: &summed)
        let visited = segments.reduce(0) { $0 + kernel.layout.segments[$1].rowCount * kernel.layout.segments[$1].columnCount }
        passes += Double(visited) / Double(Swift.max(kernel.layout.valueCount, 1))
        let g = free + 1
        if everyRow {
            let scale = unit
            let evaluation = Evaluation(x: x, total: summed[2 * g],
                                        nodeSums: (0..<kernel.layout.nodeNames.count).map { summed[2 * g + 1 + $0] * scale })
            if firstEvaluation == nil { firstEvaluation = evaluation }
            latestEvaluation = evaluation
        }
        return (summed[0..<g], summed[g..<(2 * g)], summed[2 * g])
    }

    /// Objective and per-node sums at x in true units, as
    /// `LpqKernel.evaluate` gives them (the same chunks and order, so the
    /// same bits): taken from the first or the latest pass over every row
    /// when that pass was at exactly x, else from a new pass.
    mutating func evaluate(_ x: [Double]) -> (objective: Double, nodeSums: [Double]) {
        for case let evaluation? in [latestEvaluation, firstEvaluation] where evaluation.x == x {
            return (evaluation.total * unit, evaluation.nodeSums)
        }
        let none = [Bool](repeating: false, count: free + 1)
        let (_, _, total) = totals(x, segments: allSegments, mask: none)
        return (total * unit, latestEvaluation?.nodeSums ?? [])
    }

    var allSegments: [Int] { Array(kernel.layout.segments.indices) }
    var unit: Double { exp2(kernel.logOffset) }

    func clamp(_ v: Double, _ g: Int) -> Double { Swift.min(hi[g], Swift.max(lo[g], v)) }
}

/// Saul's multiplicative update, the reference solver (L. K. Saul,
/// "Weight-balancing fixes and flows for deep learning", TMLR 2023): the
/// rescaling factors of all hidden units are updated in parallel, with no
/// learning rate, and the ℓ_{p,q} norm decreases monotonically to its
/// minimum over the orbit.
///
/// Each unit's factor is multiplied by a power of the ratio of the unit's
/// outgoing to incoming contributions:
///   a_g ← a_g · (O_g / I_g)^κ,  i.e.  z_g ← z_g + κ·log2(O_g / I_g),
/// where I_g = Σ_{rows r producing g} (Σ_j |w_rj|^p)^(q/p) is the unit's
/// incoming (row) contribution and O_g = Σ_r ρ_r Σ_{j consuming g} |w_rj|^p,
/// ρ_r = (Σ_j |w_rj|^p)^(q/p − 1), its outgoing one; O_g = I_g is exactly
/// the stationarity (balance) condition of the ℓ_{p,q} objective.
///
/// The exponent κ is the one the auxiliary-function (majorisation) argument
/// for the parallel update yields, derived here: with a_g = e^(u_g), each row term
/// e^(q u_o)·Y^(q/p), Y = Σ_j π_j e^(−p u_j), is bounded (convexity of exp,
/// then Jensen) by θ e^(q u_o/θ) + (1−θ) Σ_j π_j e^(−q u_j/(1−θ)), which is
/// tight at u = 0 and separable over units; its exact minimiser is
/// u_g = θ(1−θ)/q · ln(O_g/I_g). The largest step allowed by Jensen is
/// θ = max(1/2, 1 − q/p), so κ = θ(1−θ)/q (1/(4p) when p = q). Minimising
/// the bound can only lower the objective: the update decreases it
/// monotonically and its fixed points are the balanced networks.
///
/// Scales are clamped to the problem's box after each update (a clamped
/// minimiser of a separable convex bound still decreases it).
struct MultiplicativeSolver {
    let p: Double
    let q: Double

    var kappa: Double {
        let theta = Swift.max(0.5, 1 - q / p)
        return theta * (1 - theta) / q
    }

    func solve(_ sweeper: inout LpqSweeper, from start: [Double], tolerance: Double, maxSweeps: Int) -> ContinuousSolution {
        var x = start
        var history: [Double] = []
        var sweeps = 0
        var converged = false
        let all = sweeper.allSegments
        while true {
            let (inTotals, outTotals, total) = sweeper.totals(x, segments: all, mask: nil)
            let objective = total * sweeper.unit
            if let previous = history.last, previous - objective <= tolerance * previous {
                history.append(objective)
                converged = true
                break
            }
            history.append(objective)
            if sweeps >= maxSweeps { break }
            for g in 0..<sweeper.free {
                let i = inTotals[inTotals.startIndex + g], o = outTotals[outTotals.startIndex + g]
                guard i > 0, o > 0 else { continue }
                x[g] = sweeper.clamp(x[g] + kappa * log2(o / i), g)
            }
            sweeps += 1
        }
        return ContinuousSolution(x: x, sweeps: sweeps, weightPasses: sweeper.passes, history: history, converged: converged)
    }
}

/// The production solver: exact block-coordinate updates over color classes
/// of non-interacting groups (red-black over layers for an MLP).
///
/// For one color class C (no element joins two of its groups), every row
/// producing a group of C consumes none, so the objective restricted to C
/// is Σ_g I_g 2^(q Δ_g) + Σ_r R_r·Y_r^(q/p) with Y_r = Σ_j π_rj 2^(−p Δ_j).
/// - p = q: Y^(q/p) = Y is linear, the groups of C separate exactly and each
///   minimises a·2^(pΔ) + b·2^(−pΔ): Δ = log2(b/a)/(2p) — the exact
///   minimiser over the whole class at once.
/// - q > p: Jensen bounds Y^(q/p) by Σ_j π_j 2^(−q Δ_j), tight at Δ = 0:
///   Δ = log2(O/I)/(2q).
/// - q < p: the tangent bound Y^(q/p) ≤ 1 − q/p + (q/p)·Y gives
///   Δ = log2(O/I)/(p+q).
/// Each step exactly minimises a majoriser that is tight at the current
/// point, so the objective decreases monotonically; compared with the
/// multiplicative update (κ = θ(1−θ)/q ≤ 1/(4q)) the step is at least twice
/// as long for every p, q (1/(2q) resp. 1/(p+q)), and classes are updated in
/// sequence with fresh totals (Gauss–Seidel instead of Jacobi).
///
/// Passes: one per class and sweep (the first class's over every row). For
/// p = q the last entry of the history, the objective at the returned point,
/// is tracked from the totals rather than summed by a pass of its own.
struct BlockCoordinateSolver {
    let p: Double
    let q: Double
    let coloring: GroupColoring

    var divisor: Double { q >= p ? 2 * q : p + q }

    func solve(_ sweeper: inout LpqSweeper, from start: [Double], tolerance: Double, maxSweeps: Int) -> ContinuousSolution {
        var x = start
        var history: [Double] = []
        var sweeps = 0
        var converged = false
        let all = sweeper.allSegments
        let masks: [[Bool]] = coloring.classes.map { members in
            var mask = [Bool](repeating: false, count: sweeper.free + 1)
            for g in members { mask[g] = true }
            return mask
        }
        guard !coloring.classes.isEmpty else {
            // No free group: the start is the optimum; one pass reports it.
            let (_, _, total) = sweeper.totals(x, segments: all, mask: [Bool](repeating: false, count: sweeper.free + 1))
            return ContinuousSolution(x: x, sweeps: 0, weightPasses: sweeper.passes, history: [total * sweeper.unit], converged: true)
        }
        // For p = q the groups of a class separate exactly, so each update's
        // change of the objective follows from the class's totals: the
        // objective at the end of a sweep is known without a pass, the stop
        // test runs there, and the pass at the start of the next sweep
        // replaces the tracked value in the history by its own sum.
        let tracked = p == q
        var current = 0.0
        outer: while true {
            for k in 0..<coloring.classes.count {
                // The first class visits every row so that its pass also
                // yields the objective at the start of the sweep.
                let (inTotals, outTotals, total) = sweeper.totals(x, segments: k == 0 ? all : coloring.relevantSegments[k], mask: masks[k])
                if k == 0 {
                    let objective = total * sweeper.unit
                    if tracked && !history.isEmpty {
                        history[history.count - 1] = objective
                    } else {
                        if let previous = history.last, previous - objective <= tolerance * previous {
                            history.append(objective)
                            converged = true
                            break outer
                        }
                        history.append(objective)
                        if sweeps >= maxSweeps { break outer }
                    }
                    current = total
                }
                for g in coloring.classes[k] {
                    let i = inTotals[inTotals.startIndex + g], o = outTotals[outTotals.startIndex + g]
                    guard i > 0, o > 0 else { continue }
                    let old = x[g]
                    x[g] = sweeper.clamp(x[g] + log2(o / i) / divisor, g)
                    if tracked {
                        let step: Double = x[g] - old
                        let grown: Double = exp2(p * step) - 1, shrunk: Double = exp2(-p * step) - 1
                        current += i * grown + o * shrunk
                    }
                }
            }
            sweeps += 1
            if tracked {
                let objective = current * sweeper.unit
                let previous = history[history.count - 1]
                history.append(objective)
                if previous - objective <= tolerance * previous { converged = true; break }
                if sweeps >= maxSweeps { break }
            }
        }
        return ContinuousSolution(x: x, sweeps: sweeps, weightPasses: sweeper.passes, history: history, converged: converged)
    }
}
