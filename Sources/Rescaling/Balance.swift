import Foundation
import Network

/// How `balance` runs.
public struct BalanceOptions: Sendable, Equatable {
    /// Which continuous ℓ_{p,q} solver runs (ignored for `Norm.max`).
    public enum Solver: String, Sendable, Equatable {
        /// Saul's multiplicative update (the reference).
        case multiplicative
        /// Exact block-coordinate updates over color classes (the default).
        case blockCoordinate = "block_coordinate"
    }

    /// Exact mode (the default): integer log2-scales, i.e. power-of-two
    /// scales, so rescaled outputs are bit-identical. False: the continuous
    /// optimum.
    public var exact: Bool
    /// Stop when a sweep lowers the objective by less than this fraction.
    public var tolerance: Double
    /// Stop after this many sweeps at the latest.
    public var maxSweeps: Int
    /// The continuous ℓ_{p,q} solver.
    public var solver: Solver
    /// Exact mode with p = q: the largest problem, counted in stored kernel
    /// values (about one per weight of a dense layer), on which the
    /// minimum-cut subset descent runs after the single-group moves. The
    /// descent proves the global integer optimum but builds a flow network
    /// with one edge per value (about 32 bytes each) and solves two maximum
    /// flows per step, which is several times the cost of everything else
    /// on large checkpoints. Above the limit the result is the point where no
    /// single group's ±1 move helps (`BalanceResult.subsetDescent` is false).
    public var subsetDescentLimit: Int

    /// The default `subsetDescentLimit`: 2^20 values (a 4 MB float32 model).
    public static let defaultSubsetDescentLimit = 1 << 20

    /// Defaults: exact mode, tolerance 1e-6, at most 1000 sweeps, the
    /// block-coordinate solver, subset descent up to 2^20 values.
    public init(exact: Bool = true, tolerance: Double = 1e-6, maxSweeps: Int = 1000, solver: Solver = .blockCoordinate,
                subsetDescentLimit: Int = BalanceOptions.defaultSubsetDescentLimit) {
        self.exact = exact; self.tolerance = tolerance; self.maxSweeps = maxSweeps; self.solver = solver
        self.subsetDescentLimit = subsetDescentLimit
    }
}

/// One node's norm before and after balancing.
public struct LayerNorm: Sendable, Equatable {
    /// The node's name as in `ParameterRole.node`.
    public var node: String
    /// ‖W_node‖_{p,q} (ℓ_{p,q}) or the largest magnitude (max) before balancing.
    public var before: Double
    /// The same after balancing.
    public var after: Double
    /// Memberwise.
    public init(node: String, before: Double, after: Double) { self.node = node; self.before = before; self.after = after }
}

/// A group whose scale was held at the edge of its box so that no element
/// overflows or goes subnormal in its dtype.
public struct ClampedGroup: Sendable, Equatable {
    /// Index in `RescalingStructure.groups`.
    public var group: Int
    /// The group's units ("node:index").
    public var units: [String]
    /// The log2-scale it was held at.
    public var z: Double
    /// "upper" (larger scales would overflow) or "lower" (smaller would go subnormal).
    public var side: String
    /// Memberwise.
    public init(group: Int, units: [String], z: Double, side: String) {
        self.group = group; self.units = units; self.z = z; self.side = side
    }
}

/// Everything `balance` found.
public struct BalanceResult: Sendable {
    /// log2-scales, one per group of the structure (integers in exact mode);
    /// apply with `BalanceProblem.rescaledTensors` or `Tensor.rescaled`.
    public var z: LogScales
    /// The objective that was minimised.
    public var norm: Norm
    /// Whether `z` was restricted to integers (exact mode).
    public var exact: Bool
    /// The objective at z = 0 (Σ_nodes Σ_rows (Σ_j |w_j|^p)^(q/p), or
    /// Σ_nodes max |w|). ℓ_{p,q} values come from |w|^p stored in Float,
    /// so they carry a relative error of about 1e-7.
    public var objectiveBefore: Double
    /// The objective at `z`; never above `objectiveBefore`.
    public var objectiveAfter: Double
    /// The continuous optimum's objective (a lower bound for exact mode up
    /// to the solver's tolerance).
    public var continuousObjective: Double
    /// Exact mode: the objective of the continuous optimum plainly rounded.
    public var roundedObjective: Double?
    /// Per node, in `BalanceProblem.nodes` order.
    public var layerNorms: [LayerNorm]
    /// Sweeps of the continuous solver (cutting-plane rounds for max).
    public var sweeps: Int
    /// Passes over the stored weights the continuous solver made.
    public var weightPasses: Double
    /// Objective at the start of each sweep (ℓ_{p,q}).
    public var objectiveHistory: [Double]
    /// Whether the continuous solver met its tolerance before `maxSweeps`.
    public var converged: Bool
    /// Exact mode: improving moves after rounding (single-group moves plus
    /// minimum-cut subset moves).
    public var integerMoves: Int
    /// Exact mode, p = q: whether the minimum-cut subset descent ran, so that
    /// `z` is a global optimum over the integers (within the box). False when
    /// the problem exceeds `BalanceOptions.subsetDescentLimit`: `z` is then a
    /// point no single group's ±1 move improves. Always false for p ≠ q and
    /// outside exact mode.
    public var subsetDescent: Bool
    /// Groups kept at z = 0 because all their producer or consumer weights are zero.
    public var deadGroups: [DeadGroup]
    /// Groups held at the edge of their dtype-safe box while the objective
    /// pulled them further (see `BalanceProblem.bounds`).
    public var clampedGroups: [ClampedGroup]
}

/// Balances `problem` under `norm`: finds log2-scales z minimising the
/// objective over the rescaling orbit (exactly over integers in exact mode),
/// keeping dead groups at 0 and every group inside its dtype-safe box.
/// Never returns a point whose objective exceeds that of z = 0.
/// Throws `BalanceError.invalidNorm` for p or q below 1.
public func balance(_ problem: BalanceProblem, norm: Norm = .l2, options: BalanceOptions = BalanceOptions()) throws -> BalanceResult {
    try norm.validate()
    guard options.tolerance >= 0, options.maxSweeps >= 0 else {
        throw BalanceError.invalidOption("tolerance must be ≥ 0 and max sweeps ≥ 0, got \(options.tolerance) and \(options.maxSweeps)")
    }
    let layout = problem.layout
    let free = layout.freeGroups.count
    let zero = [Double](repeating: 0, count: free + 1)
    switch norm {
    case let .lpq(p, q):
        let kernel = try LpqKernel(problem: problem, p: p, q: q)
        var sweeper = LpqSweeper(kernel: kernel, lo: layout.boxLo, hi: layout.boxHi)
        let continuous: ContinuousSolution
        let coloring = GroupColoring(layout: layout)
        switch options.solver {
        case .multiplicative:
            continuous = MultiplicativeSolver(p: p, q: q).solve(&sweeper, from: zero, tolerance: options.tolerance, maxSweeps: options.maxSweeps)
        case .blockCoordinate:
            continuous = BlockCoordinateSolver(p: p, q: q, coloring: coloring)
                .solve(&sweeper, from: zero, tolerance: options.tolerance, maxSweeps: options.maxSweeps)
        }
        // The solver's first pass was at z = 0, over every row: the sweeper
        // remembers it. The history ends with the objective at the result.
        let before = sweeper.evaluate(zero)
        let continuousValue = continuous.history.last ?? sweeper.evaluate(continuous.x).objective
        var x = continuous.x
        var roundedValue: Double? = nil
        var moves = 0
        var subsetDescent = false
        // Every free group's producer and consumer totals at x, when a pass
        // already gave them.
        var groupTotals: (I: [Double], O: [Double])? = nil
        if options.exact {
            let refiner = IntegerRefiner(kernel: kernel, lo: layout.boxLo, hi: layout.boxHi)
            let start = refiner.rounded(continuous.x)
            var point: [Double]
            if p == q {
                let search = ClassLocalSearch(p: p, coloring: coloring, lo: layout.boxLo, hi: layout.boxHi)
                    .run(start, sweeper: &sweeper)
                roundedValue = search.startObjective * sweeper.unit
                (point, moves, groupTotals) = (search.x, search.moves, search.totals)
            } else {
                roundedValue = sweeper.evaluate(start).objective
                (point, moves) = refiner.localSearch(start)
            }
            if p == q && layout.valueCount <= options.subsetDescentLimit {
                let (best, steps) = refiner.steepestDescent(point)
                if steps > 0 { groupTotals = nil }
                point = best
                moves += steps
                subsetDescent = true
            }
            x = point
        }
        // Every group's totals at x (a pass over every row, which the
        // sweeper remembers for the objective after), unless known already.
        func allTotals(_ x: [Double]) -> (I: [Double], O: [Double]) {
            let (inTotals, outTotals, _) = sweeper.totals(x, segments: sweeper.allSegments, mask: nil)
            return (Array(inTotals.prefix(free)), Array(outTotals.prefix(free)))
        }
        var totals: (I: [Double], O: [Double])
        if let known = groupTotals { totals = known } else { totals = allTotals(x) }
        var after = sweeper.evaluate(x)
        if after.objective > before.objective {
            x = zero
            after = before
            totals = allTotals(x)
        }
        // Which way the objective pulls each group at the returned point.
        let pull = (0..<free).map { g -> Int in
            let i = totals.I[g], o = totals.O[g]
            return o > i * (1 + 1e-9) ? 1 : (o < i * (1 - 1e-9) ? -1 : 0)
        }
        return BalanceResult(
            z: layout.structureScales(x), norm: norm, exact: options.exact,
            objectiveBefore: before.objective, objectiveAfter: after.objective,
            continuousObjective: continuousValue, roundedObjective: roundedValue,
            layerNorms: zip(layout.nodeNames, zip(before.nodeSums, after.nodeSums)).map {
                LayerNorm(node: $0.0, before: pow($0.1.0, 1 / q), after: pow($0.1.1, 1 / q))
            },
            sweeps: continuous.sweeps, weightPasses: continuous.weightPasses,
            objectiveHistory: continuous.history, converged: continuous.converged,
            integerMoves: moves, subsetDescent: subsetDescent, deadGroups: layout.deadGroups,
            clampedGroups: clampedGroups(problem, x, exact: options.exact, pull: pull))
    case .max:
        let kernel = try MaxKernel(problem: problem)
        let solver = MaxNormSolver(kernel: kernel, lo: layout.boxLo, hi: layout.boxHi)
        let continuous = solver.solve(tolerance: options.tolerance, maxRounds: Swift.max(options.maxSweeps, 1))
        var x = continuous.x
        var roundedValue: Double? = nil
        if options.exact {
            let (point, rounded) = solver.integerPoint(from: continuous)
            x = point
            roundedValue = kernel.objective(rounded)
        }
        let beforeLog = kernel.nodeLogMax(zero)
        var afterLog = kernel.nodeLogMax(x)
        let beforeValue = beforeLog.reduce(0) { $0 + exp2($1) }
        var afterValue = afterLog.reduce(0) { $0 + exp2($1) }
        if afterValue > beforeValue { x = zero; afterLog = beforeLog; afterValue = beforeValue }
        return BalanceResult(
            z: layout.structureScales(x), norm: norm, exact: options.exact,
            objectiveBefore: beforeValue, objectiveAfter: afterValue,
            continuousObjective: kernel.objective(continuous.x), roundedObjective: roundedValue,
            layerNorms: layout.nodeNames.indices.map {
                LayerNorm(node: layout.nodeNames[$0], before: exp2(beforeLog[$0]), after: exp2(afterLog[$0]))
            },
            sweeps: continuous.rounds, weightPasses: Double(continuous.rounds),
            objectiveHistory: [], converged: continuous.converged,
            integerMoves: 0, subsetDescent: false, deadGroups: layout.deadGroups,
            clampedGroups: clampedGroups(problem, x, exact: options.exact, pull: kernel.pull(x)))
    }
}

/// Groups whose scale sits on the edge of their box (and, when `pull` is
/// known, whose objective pulls them further out).
private func clampedGroups(_ problem: BalanceProblem, _ x: [Double], exact: Bool, pull: [Int]?) -> [ClampedGroup] {
    let layout = problem.layout
    var result: [ClampedGroup] = []
    for (k, group) in layout.freeGroups.enumerated() {
        let lo = exact ? ceil(layout.boxLo[k] - 1e-9) : layout.boxLo[k]
        let hi = exact ? floor(layout.boxHi[k] + 1e-9) : layout.boxHi[k]
        let units = problem.structure.groups[group].units
        if x[k] >= hi - 1e-6 && (pull?[k] ?? 1) > 0 {
            result.append(ClampedGroup(group: group, units: units, z: x[k], side: "upper"))
        } else if x[k] <= lo + 1e-6 && (pull?[k] ?? -1) < 0 {
            result.append(ClampedGroup(group: group, units: units, z: x[k], side: "lower"))
        }
    }
    return result
}
