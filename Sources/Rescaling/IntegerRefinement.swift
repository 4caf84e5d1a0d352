import Foundation

/// Exact mode for ℓ_{p,q}: the best integer log2-scales (power-of-two
/// scales, so rescaled outputs are bit-identical).
///
/// 1. Start from the continuous optimum rounded and clamped to the integer
///    box [⌈lo⌉, ⌊hi⌋].
/// 2. Local search: move single groups by ±1 while that lowers the
///    objective (exact deltas, row terms kept up to date incrementally).
/// 3. For p = q the objective Σ_elements |w|^p 2^(p(z_out − z_in)) is a sum
///    of convex functions of differences of z, i.e. L♮-convex, and so is the
///    integer box. For such functions z is a global minimiser as soon as no
///    move z ± χ_X over a subset X lowers it (Murota, Discrete Convex
///    Analysis, Thm. 7.14), and the best subset for each sign is a minimum
///    cut: the pair energy E(x_o, x_j) of one element is submodular because
///    2f(d) ≤ f(d+1) + f(d−1) for convex f. Steepest descent over subsets
///    therefore ends at the global integer optimum.
/// For p ≠ q steps 1–2 only (the objective is not a sum of pair terms).
struct IntegerRefiner {
    let kernel: LpqKernel
    let lo: [Int]
    let hi: [Int]

    init(kernel: LpqKernel, lo: [Double], hi: [Double]) {
        self.kernel = kernel
        self.lo = lo.map { Int(ceil($0 - 1e-9)) }
        self.hi = hi.map { Int(floor($0 + 1e-9)) }
    }

    var free: Int { kernel.layout.freeGroups.count }

    /// Rounds and clamps x into the integer box.
    func rounded(_ x: [Double]) -> [Double] {
        var result = x
        for g in 0..<free { result[g] = Double(Swift.min(hi[g], Swift.max(lo[g], Int(x[g].rounded())))) }
        result[free] = 0
        return result
    }

    /// Objective (kernel units) at x.
    func objective(_ x: [Double]) -> Double { kernel.evaluate(x).objective / exp2(kernel.logOffset) }

    // MARK: Local search

    /// Single-group ±1 moves while any lowers the objective, one group at a
    /// time with exact changes (row sums and terms kept up to date). A group
    /// is looked at again only when a move touched a segment holding its
    /// rows or columns since it was last looked at: otherwise every number
    /// its change is computed from is unchanged, and so is its (declined)
    /// move. Returns the improved point and the number of moves made.
    func localSearch(_ start: [Double], maxRounds: Int = 1000) -> (x: [Double], moves: Int) {
        let layout = kernel.layout
        let p = kernel.p, q = kernel.q, ratio = q / p
        let incidence = GroupIncidence(layout: layout)
        var x = start
        var s = [Double](repeating: 1, count: free + 1)
        kernel.consumerFactors(x, into: &s)
        var t = [Double](repeating: 0, count: layout.rowCount)
        var term = [Double](repeating: 0, count: layout.rowCount)
        // u^(q/p), without pow for the common exponents.
        func power(_ u: Double) -> Double {
            ratio == 2 ? u * u : (ratio == 1 ? u : (ratio == 0.5 ? u.squareRoot() : pow(u, ratio)))
        }
        func rowTerm(_ row: Int, _ tr: Double) -> Double {
            guard tr > 0 else { return 0 }
            let o = Int(layout.rowOut[row])
            return exp2(q * x[o] + ratio * (kernel.rowLogScale[row] + log2(tr)) - kernel.logOffset)
        }
        kernel.values.withUnsafeBufferPointer { v in
            for seg in layout.segments {
                for r in 0..<seg.rowCount {
                    var sum = 0.0
                    for c in 0..<seg.columnCount {
                        sum += Double(v[seg.valueOffset + r * seg.columnCount + c]) * s[Int(layout.columnGroups[seg.columnStart + c])]
                    }
                    t[seg.rowStart + r] = sum
                    term[seg.rowStart + r] = rowTerm(seg.rowStart + r, sum)
                }
            }
        }
        let total = term.reduce(0, +)
        let threshold = 1e-13 * Swift.max(total, .leastNormalMagnitude)
        let grow = (up: exp2(q) - 1, down: exp2(-q) - 1)        // producer rows
        let share = (up: exp2(-p) - 1, down: exp2(p) - 1)       // consumer values
        // Moves made so far when a segment was last touched by one, and when
        // each group was last looked at (−1: never).
        var touched = [Int](repeating: 0, count: layout.segments.count)
        var lookedAt = [Int](repeating: -1, count: free)
        var moves = 0
        kernel.values.withUnsafeBufferPointer { v in
            for _ in 0..<maxRounds {
                var improved = false
                for g in 0..<free {
                    guard incidence.segments[g].contains(where: { touched[Int($0)] > lookedAt[g] }) else { continue }
                    lookedAt[g] = moves
                    let canGrow = Int(x[g]) + 1 <= hi[g], canShrink = Int(x[g]) - 1 >= lo[g]
                    guard canGrow || canShrink else { continue }
                    var deltaUp = 0.0, deltaDown = 0.0
                    for row in incidence.producerRows[g] {
                        deltaUp += term[Int(row)] * grow.up
                        deltaDown += term[Int(row)] * grow.down
                    }
                    for entry in incidence.consumerColumns[g] {
                        let seg = layout.segments[Int(entry.segment)]
                        var position = seg.valueOffset + Int(entry.column)
                        for r in 0..<seg.rowCount {
                            let a = Double(v[position])
                            position += seg.columnCount
                            guard a > 0 else { continue }
                            let row = seg.rowStart + r
                            let old = t[row], scaled = a * s[g]
                            deltaUp += term[row] * (power(Swift.max(old + scaled * share.up, 0) / old) - 1)
                            deltaDown += term[row] * (power(Swift.max(old + scaled * share.down, 0) / old) - 1)
                        }
                    }
                    var bestDelta = -threshold
                    var bestSign = 0
                    if canGrow && deltaUp < bestDelta { bestDelta = deltaUp; bestSign = 1 }
                    if canShrink && deltaDown < bestDelta { bestDelta = deltaDown; bestSign = -1 }
                    guard bestSign != 0 else { continue }
                    // Apply the move and update the affected rows.
                    x[g] += Double(bestSign)
                    let oldS = s[g]
                    s[g] = exp2(-p * x[g])
                    for row in incidence.producerRows[g] { term[Int(row)] = rowTerm(Int(row), t[Int(row)]) }
                    for entry in incidence.consumerColumns[g] {
                        let seg = layout.segments[Int(entry.segment)]
                        var position = seg.valueOffset + Int(entry.column)
                        for r in 0..<seg.rowCount {
                            let a = Double(v[position])
                            position += seg.columnCount
                            guard a > 0 else { continue }
                            let row = seg.rowStart + r
                            t[row] += a * (s[g] - oldS)
                            term[row] = rowTerm(row, t[row])
                        }
                    }
                    moves += 1
                    for segment in incidence.segments[g] { touched[Int(segment)] = moves }
                    improved = true
                }
                if !improved { break }
            }
        }
        return (x, moves)
    }

    // MARK: Steepest descent over subsets (p = q)

    /// For p = q: repeats the best ±1 move of a subset of groups, found by a
    /// minimum cut, until none lowers the objective. Returns the point and
    /// the number of subset moves.
    func steepestDescent(_ start: [Double], maxSteps: Int = 10_000) -> (x: [Double], steps: Int) {
        precondition(kernel.p == kernel.q)
        var x = start
        var steps = 0
        while steps < maxSteps {
            let current = objective(x)
            var best: (delta: Double, set: [Int], sign: Int) = (0, [], 0)
            for sign in [1, -1] {
                let (delta, set) = bestSubsetMove(x, sign: sign)
                if delta < best.delta { best = (delta, set, sign) }
            }
            guard best.sign != 0, best.delta < -1e-12 * current else { break }
            var candidate = x
            for g in best.set { candidate[g] += Double(best.sign) }
            // Guard against rounding in the cut: accept only a real decrease.
            guard objective(candidate) < current else { break }
            x = candidate
            steps += 1
        }
        return (x, steps)
    }

    /// The subset X of movable groups minimising F(x + sign·χ_X) − F(x), by a
    /// minimum cut; returns (change, X).
    func bestSubsetMove(_ x: [Double], sign: Int) -> (Double, [Int]) {
        let layout = kernel.layout
        let p = kernel.p
        // Movable groups get graph nodes 0..<m; source m, sink m + 1.
        var node = [Int32](repeating: -1, count: free + 1)
        var members: [Int] = []
        for g in 0..<free {
            let target = Int(x[g]) + sign
            if target >= lo[g] && target <= hi[g] { node[g] = Int32(members.count); members.append(g) }
        }
        guard !members.isEmpty else { return (0, []) }
        let m = members.count
        var unary = [Double](repeating: 0, count: m)
        var network = FlowNetwork(nodeCount: m + 2)
        let forward = exp2(p * Double(sign)) - 1        // element grows (producer side moves)
        let backward = exp2(-p * Double(sign)) - 1      // element shrinks (consumer side moves)
        let pair = exp2(p * Double(sign)) + exp2(-p * Double(sign)) - 2
        var s = [Double](repeating: 1, count: free + 1)
        kernel.consumerFactors(x, into: &s)
        for seg in layout.segments {
            for r in 0..<seg.rowCount {
                let row = seg.rowStart + r
                let o = Int(layout.rowOut[row])
                let rowFactor = exp2(p * x[o] + kernel.rowLogScale[row] - kernel.logOffset)
                let no = node[o]
                for c in 0..<seg.columnCount {
                    let a = kernel.values[seg.valueOffset + r * seg.columnCount + c]
                    guard a > 0 else { continue }
                    let j = Int(layout.columnGroups[seg.columnStart + c])
                    let v = Double(a) * s[j] * rowFactor
                    let nj = node[j]
                    switch (no >= 0, nj >= 0) {
                    case (false, false): continue
                    case (true, false): unary[Int(no)] += v * forward
                    case (false, true): unary[Int(nj)] += v * backward
                    case (true, true):
                        // E = V + V·forward·x_o − V·forward·x_j + V·pair·(1 − x_o)·x_j
                        unary[Int(no)] += v * forward
                        unary[Int(nj)] -= v * forward
                        network.addEdge(Int(no), Int(nj), v * pair)
                    }
                }
            }
        }
        var negative = 0.0
        for k in 0..<m {
            if unary[k] > 0 { network.addEdge(m, k, unary[k]) }       // cut when k moves (sink side)
            else if unary[k] < 0 { network.addEdge(k, m + 1, -unary[k]); negative += -unary[k] }
        }
        let flow = network.maxFlow(source: m, sink: m + 1)
        let sourceSide = network.sourceSide(source: m)
        let set = (0..<m).filter { !sourceSide[$0] }.map { members[$0] }
        return (flow - negative, set)
    }
}
