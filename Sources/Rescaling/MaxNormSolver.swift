import Foundation

/// The exact solver for `Norm.max`: minimise Σ_nodes max_j |w̃_j|.
///
/// Derivation. With c_a = log2 of the largest |w| of a (row, consumed group)
/// pair a of node ℓ, the pair moves to c_a + z_out − z_in. Introduce one
/// budget m_ℓ per node: the problem is
///   min Σ_ℓ 2^(m_ℓ)  s.t.  z_out(a) − z_in(a) ≤ m_ℓ(a) − c_a  for every pair a,
/// plus the box lo_g ≤ z_g ≤ hi_g (arcs to and from ground). For fixed m the
/// constraints are difference constraints: z exists iff the graph with arc
/// in(a) → out(a) of weight m_ℓ − c_a (and the box arcs) has no negative
/// cycle. Every cycle C therefore gives a linear cut
///   Σ_ℓ n_ℓ(C)·m_ℓ ≥ Σ_{a∈C} c_a   (n_ℓ = objective arcs of node ℓ on C),
/// and the feasible budgets are the polyhedron of all cuts; the objective is
/// convex in m. Cutting planes: solve the small convex master problem over
/// the cuts found so far (log-barrier Newton, L variables), run Bellman–Ford
/// at its solution, add the negative cycle it finds, repeat. There are
/// finitely many simple cycles, each found at most once, so this ends; at
/// the end the budgets are feasible and optimal for the master, which is a
/// relaxation — so optimal for the problem, to the barrier's tolerance.
/// z is then the midpoint of the greatest and the least solution of the
/// difference constraints at those budgets.
struct MaxNormSolver {
    let kernel: MaxKernel
    let lo: [Double]
    let hi: [Double]
    let graph: DifferenceGraph
    /// Nodes with any nonzero element (the master's variables), and the
    /// master variable of each node (−1 when all its elements are zero).
    let activeNodes: [Int]
    let variableOf: [Int]
    /// Largest c over all pairs: budgets are solved shifted by it.
    let shift: Double

    struct Solution {
        var x: [Double]
        var budgets: [Double]     // per master variable, unshifted
        var rounds: Int
        var converged: Bool
        var cuts: [Cut]
    }

    struct Cut {
        var coefficients: [(variable: Int, count: Double)]
        var rhs: Double               // unshifted
    }

    init(kernel: MaxKernel, lo: [Double], hi: [Double]) {
        self.kernel = kernel
        self.lo = lo
        self.hi = hi
        let layout = kernel.layout
        let free = layout.freeGroups.count
        var graph = DifferenceGraph(ground: free)
        var largest = -Double.infinity
        var hasArc = [Bool](repeating: false, count: layout.nodeNames.count)
        for seg in layout.segments {
            for r in 0..<seg.rowCount {
                let o = Int(layout.rowOut[seg.rowStart + r])
                for c in 0..<seg.columnCount {
                    let value = kernel.logMax[seg.valueOffset + r * seg.columnCount + c]
                    guard value > -.infinity else { continue }
                    let j = Int(layout.columnGroups[seg.columnStart + c])
                    graph.add(from: j, to: o, layer: seg.node, constant: value)
                    hasArc[seg.node] = true
                    largest = Swift.max(largest, value)
                }
            }
        }
        for g in 0..<free {
            graph.add(from: free, to: g, layer: -1, constant: -hi[g])
            graph.add(from: g, to: free, layer: -1, constant: lo[g])
        }
        self.graph = graph
        activeNodes = hasArc.indices.filter { hasArc[$0] }
        var variableOf = [Int](repeating: -1, count: hasArc.count)
        for (k, node) in activeNodes.enumerated() { variableOf[node] = k }
        self.variableOf = variableOf
        shift = largest.isFinite ? largest : 0
    }

    private func weight(_ budgets: [Double]) -> (Int) -> Double {
        { a in
            let l = Int(graph.layer[a])
            return (l >= 0 ? budgets[variableOf[l]] : 0) - graph.constant[a]
        }
    }

    /// The continuous optimum.
    func solve(tolerance: Double, maxRounds: Int) -> Solution {
        let free = kernel.layout.freeGroups.count
        let variables = activeNodes.count
        if variables == 0 {
            return Solution(x: [Double](repeating: 0, count: free + 1), budgets: [], rounds: 0, converged: true, cuts: [])
        }
        // Initial cuts: for every pair a the cycle ground → in → out → ground
        // gives m ≥ c − hi_in + lo_out (with hi = lo = 0 at ground).
        var lower = [Double](repeating: -Double.infinity, count: variables)
        var start = [Double](repeating: -Double.infinity, count: variables)
        for a in 0..<graph.from.count where graph.layer[a] >= 0 {
            let v = variableOf[Int(graph.layer[a])]
            let j = Int(graph.from[a]), o = Int(graph.to[a])
            let bound = graph.constant[a] - (j < free ? hi[j] : 0) + (o < free ? lo[o] : 0)
            lower[v] = Swift.max(lower[v], bound)
            start[v] = Swift.max(start[v], graph.constant[a] + 1)
        }
        var cuts = (0..<variables).map { Cut(coefficients: [($0, 1)], rhs: lower[$0]) }
        var budgets = start
        var rounds = 0
        var converged = false
        var lastFeasible: [Double]? = nil
        while rounds < maxRounds {
            budgets = BarrierMaster(cuts: cuts, shift: shift, variables: variables)
                .minimise(from: start, tolerance: Swift.max(tolerance, 1e-12) * 0.1)
            rounds += 1
            switch graph.shortestPaths(weight: weight(budgets)) {
            case .feasible(let dist):
                lastFeasible = dist
                converged = true
            case .cycle(let arcs):
                var counts = [Int: Double]()
                var rhs = 0.0
                for a in arcs {
                    rhs += graph.constant[a]
                    let l = Int(graph.layer[a])
                    if l >= 0 { counts[variableOf[l], default: 0] += 1 }
                }
                guard !counts.isEmpty else { break }
                cuts.append(Cut(coefficients: counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, rhs: rhs))
                continue
            }
            break
        }
        if !converged {
            // Fall back to the always-feasible start budgets (z = 0 meets them).
            budgets = start
            if case .feasible(let dist) = graph.shortestPaths(weight: weight(budgets)) { lastFeasible = dist }
        }
        let x = midpoint(greatest: lastFeasible ?? [Double](repeating: 0, count: free + 1), budgets: budgets, integer: false)
        return Solution(x: x, budgets: budgets, rounds: rounds, converged: converged, cuts: cuts)
    }

    /// The midpoint of the greatest solution `greatest` and the least
    /// solution of the constraints at `budgets` (with integer weights, its
    /// floor, which is feasible by discrete midpoint convexity).
    private func midpoint(greatest: [Double], budgets: [Double], integer: Bool) -> [Double] {
        let free = kernel.layout.freeGroups.count
        let w = integer ? floored(budgets) : weight(budgets)
        guard case .feasible(let toGround) = graph.shortestPaths(reversed: true, weight: w) else { return greatest }
        var x = [Double](repeating: 0, count: free + 1)
        for g in 0..<free {
            let mid = (greatest[g] - toGround[g]) / 2
            x[g] = integer ? floor(mid + 1e-9) : mid
        }
        return x
    }

    private func floored(_ budgets: [Double]) -> (Int) -> Double {
        let w = weight(budgets)
        return { a in floor(w(a) + 1e-9) }
    }

    /// Exact mode: an integer point near the continuous solution. Integer z
    /// needs integer differences, so the continuous differences are rounded
    /// with a shared threshold, z = ⌊x + θ⌋ for θ = 0, 1/16, …, 15/16 (each
    /// difference becomes its floor or its ceiling), keeping the best; then
    /// each node's maximum is lowered while the floored difference
    /// constraints — every other node keeping its current maximum as budget
    /// — stay feasible (Bellman–Ford, a capped number of times). The integer
    /// max problem is not L♮-convex, so this is a heuristic; it never returns
    /// a point worse than plain rounding (returned second) or z = 0.
    func integerPoint(from solution: Solution) -> (best: [Double], rounded: [Double]) {
        let free = kernel.layout.freeGroups.count
        func intoBox(_ x: [Double], _ shift: Double) -> [Double] {
            var result = x
            for g in 0..<free {
                result[g] = Swift.min(floor(hi[g] + 1e-9), Swift.max(ceil(lo[g] - 1e-9), floor(x[g] + shift)))
            }
            result[free] = 0
            return result
        }
        let rounded = intoBox(solution.x, 0.5)
        var best = [Double](repeating: 0, count: free + 1)
        var bestValue = kernel.objective(best)
        for k in 0..<16 {
            let candidate = k == 8 ? rounded : intoBox(solution.x, Double(k) / 16)
            let value = kernel.objective(candidate)
            if value < bestValue { best = candidate; bestValue = value }
        }
        return (lowerBudgets(best), rounded)
    }

    /// Lowers node maxima one breakpoint at a time while the floored system
    /// stays feasible; returns the improved integer point.
    private func lowerBudgets(_ start: [Double]) -> [Double] {
        let free = kernel.layout.freeGroups.count
        var solvesLeft = 16 + 4 * activeNodes.count
        var x = start
        var current = kernel.nodeLogMax(x)
        var objective = kernel.objective(x)
        var budgets = activeNodes.map { current[$0] }
        rounds: for _ in 0..<2 {
            var improved = false
            let order = activeNodes.indices.sorted { current[activeNodes[$0]] > current[activeNodes[$1]] }
            for v in order {
                while true {
                    guard solvesLeft > 0 else { break rounds }
                    solvesLeft -= 1
                    var trial = activeNodes.map { current[$0] }
                    trial[v] -= 1e-6
                    guard case .feasible(var candidate) = graph.shortestPaths(weight: floored(trial)) else { break }
                    candidate[free] = 0
                    let value = kernel.objective(candidate)
                    guard value < objective else { break }
                    x = candidate
                    objective = value
                    current = kernel.nodeLogMax(x)
                    budgets = activeNodes.map { current[$0] }
                    improved = true
                }
            }
            if !improved { break }
        }
        guard x != start else { return x }
        // The greatest solution pushes every group up to its limits; the
        // midpoint with the least one meets the same budgets.
        let centred = midpoint(greatest: x, budgets: budgets, integer: true)
        return kernel.objective(centred) <= objective ? centred : x
    }
}

/// The master problem of the cutting-plane method:
///   min Σ_v 2^(m_v)  s.t.  Σ_v n_kv·m_v ≥ b_k  for every cut k,
/// solved by the log-barrier method with Newton centering (dense, L small).
/// Variables are shifted by `shift` so that 2^(m − shift) stays moderate.
struct BarrierMaster {
    let cuts: [MaxNormSolver.Cut]
    let shift: Double
    let variables: Int

    /// Starts from `start` (strictly feasible for every cut) and returns the
    /// budgets (unshifted) within relative duality gap `tolerance`.
    func minimise(from start: [Double], tolerance: Double) -> [Double] {
        let n = variables
        let alpha = M_LN2
        let rows: [[Double]] = cuts.map { cut in
            var row = [Double](repeating: 0, count: n)
            for (v, c) in cut.coefficients { row[v] = c }
            return row
        }
        let rhs: [Double] = cuts.map { cut in cut.rhs - shift * cut.coefficients.reduce(0) { $0 + $1.count } }
        var m = start.map { $0 - shift }
        func slacks(_ m: [Double]) -> [Double] {
            rows.indices.map { k in zip(rows[k], m).reduce(0) { $0 + $1.0 * $1.1 } - rhs[k] }
        }
        func objective(_ m: [Double]) -> Double { m.reduce(0) { $0 + exp2($1) } }
        func barrier(_ m: [Double], _ t: Double) -> Double {
            let s = slacks(m)
            if s.contains(where: { $0 <= 0 }) { return .infinity }
            return t * objective(m) - s.reduce(0) { $0 + log($1) }
        }
        var t = Swift.max(1, Double(cuts.count) / Swift.max(objective(m), 1e-300))
        for _ in 0..<200 {
            // Newton centering.
            for _ in 0..<200 {
                let s = slacks(m)
                var gradient = m.map { t * alpha * exp2($0) }
                var hessian = [Double](repeating: 0, count: n * n)
                for v in 0..<n { hessian[v * n + v] = t * alpha * alpha * exp2(m[v]) }
                for k in rows.indices {
                    let inv = 1 / s[k]
                    for v in 0..<n where rows[k][v] != 0 {
                        gradient[v] -= rows[k][v] * inv
                        for u in 0..<n where rows[k][u] != 0 { hessian[v * n + u] += rows[k][v] * rows[k][u] * inv * inv }
                    }
                }
                let scale = hessian.enumerated().filter { $0.offset % (n + 1) == 0 }.map(\.element).max() ?? 1
                for v in 0..<n { hessian[v * n + v] += 1e-14 * scale }
                guard let step = choleskySolve(hessian, gradient.map { -$0 }, n: n) else { break }
                let decrement = -zip(gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
                if decrement / 2 <= 1e-12 { break }
                var length = 1.0
                let current = barrier(m, t)
                while length > 1e-12 {
                    let trial = zip(m, step).map { $0 + length * $1 }
                    if barrier(trial, t) <= current - 0.25 * length * decrement { m = trial; break }
                    length /= 2
                }
                if length <= 1e-12 { break }
            }
            if Double(cuts.count) / t <= tolerance * objective(m) { break }
            t *= 8
        }
        return m.map { $0 + shift }
    }
}
