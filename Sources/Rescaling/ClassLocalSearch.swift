import Foundation

/// Single-group ±1 moves for p = q, a color class at a time, from the
/// producer and consumer totals of one pass over the class's segments.
///
/// For p = q every row term is linear in its elements, so moving group g by
/// one step (sign σ) changes the objective by exactly
///   Δ_g(σ) = (2^(pσ) − 1)·I_g + (2^(−pσ) − 1)·O_g,
/// with I_g, O_g the producer and consumer totals `LpqSweeper.totals` gives.
/// Groups of one color class share no element, so their moves are
/// independent and their changes add up: every group of the class takes its
/// better move at once when that lowers the objective by more than
/// `threshold`, exactly as `IntegerRefiner.localSearch` would take it one
/// group at a time. Rounds over all classes repeat until none moves, so the
/// result is a point where no single ±1 move of any group helps — the same
/// condition `localSearch` ends at — at the cost of one pass over the
/// relevant weights per class and round instead of per-element lists.
struct ClassLocalSearch {
    let p: Double
    let coloring: GroupColoring
    let lo: [Int]
    let hi: [Int]

    init(p: Double, coloring: GroupColoring, lo: [Double], hi: [Double]) {
        self.p = p
        self.coloring = coloring
        self.lo = lo.map { Int(ceil($0 - 1e-9)) }
        self.hi = hi.map { Int(floor($0 + 1e-9)) }
    }

    /// Improves integer point `start`, whose objective is `scale` in the
    /// sweeper's units; returns the point and the number of group moves taken.
    func run(_ start: [Double], sweeper: inout LpqSweeper, scale: Double, maxRounds: Int = 1000) -> (x: [Double], moves: Int) {
        var x = start
        let free = sweeper.free
        let masks: [[Bool]] = coloring.classes.map { members in
            var mask = [Bool](repeating: false, count: free + 1)
            for g in members { mask[g] = true }
            return mask
        }
        let grow = exp2(p) - 1, shrink = exp2(-p) - 1
        // A move must lower the objective by more than 1e-13 of it, as in
        // `IntegerRefiner.localSearch`.
        let threshold = 1e-13 * Swift.max(scale, .leastNormalMagnitude)
        var moves = 0
        for _ in 0..<maxRounds {
            var moved = false
            for k in 0..<coloring.classes.count {
                let (inTotals, outTotals, _) = sweeper.totals(x, segments: coloring.relevantSegments[k], mask: masks[k])
                for g in coloring.classes[k] {
                    let i = inTotals[inTotals.startIndex + g], o = outTotals[outTotals.startIndex + g]
                    let up = grow * i + shrink * o      // Δ for +1
                    let down = shrink * i + grow * o    // Δ for −1
                    let current = Int(x[g])
                    var best = -threshold, step = 0
                    if current + 1 <= hi[g] && up < best { best = up; step = 1 }
                    if current - 1 >= lo[g] && down < best { best = down; step = -1 }
                    if step != 0 {
                        x[g] += Double(step)
                        moves += 1
                        moved = true
                    }
                }
            }
            if !moved { break }
        }
        return (x, moves)
    }
}
