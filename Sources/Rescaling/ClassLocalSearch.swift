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
///
/// Every group's totals from the round that moved nothing hold at the
/// returned point (no group moved after its class's pass), so the caller
/// needs no further pass for them.
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

    /// What `run` found.
    struct Outcome {
        /// The improved point.
        var x: [Double]
        /// Group moves taken.
        var moves: Int
        /// The objective at the start point, kernel units.
        var startObjective: Double
        /// Producer and consumer totals (kernel units) of every free group at
        /// `x`, from the last round's passes; nil when the search stopped at
        /// `maxRounds` with a move in its last round.
        var totals: (I: [Double], O: [Double])?
    }

    /// Improves integer point `start`. The first pass visits every row, so
    /// that it also yields the objective at `start` (the scale of the
    /// threshold, and `Outcome.startObjective`); the round that moves
    /// nothing leaves every group's totals at the returned point.
    func run(_ start: [Double], sweeper: inout LpqSweeper, maxRounds: Int = 1000) -> Outcome {
        var x = start
        let free = sweeper.free
        guard !coloring.classes.isEmpty else {
            let none = [Bool](repeating: false, count: free + 1)
            let (_, _, total) = sweeper.totals(x, segments: sweeper.allSegments, mask: none)
            return Outcome(x: x, moves: 0, startObjective: total, totals: ([], []))
        }
        let masks: [[Bool]] = coloring.classes.map { members in
            var mask = [Bool](repeating: false, count: free + 1)
            for g in members { mask[g] = true }
            return mask
        }
        let grow = exp2(p) - 1, shrink = exp2(-p) - 1
        var threshold = 0.0, startObjective = 0.0
        var inTotal = [Double](repeating: 0, count: free), outTotal = [Double](repeating: 0, count: free)
        var moves = 0
        var settled = false
        for round in 0..<maxRounds {
            var moved = false
            for k in 0..<coloring.classes.count {
                let first = round == 0 && k == 0
                let (inTotals, outTotals, total) = sweeper.totals(x, segments: first ? sweeper.allSegments : coloring.relevantSegments[k],
                                                                  mask: masks[k])
                if first {
                    // A move must lower the objective by more than 1e-13 of
                    // it, as in `IntegerRefiner.localSearch`.
                    startObjective = total
                    threshold = 1e-13 * Swift.max(total, .leastNormalMagnitude)
                }
                for g in coloring.classes[k] {
                    let i = inTotals[inTotals.startIndex + g], o = outTotals[outTotals.startIndex + g]
                    inTotal[g] = i
                    outTotal[g] = o
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
            if !moved { settled = true; break }
        }
        return Outcome(x: x, moves: moves, startObjective: startObjective, totals: settled ? (inTotal, outTotal) : nil)
    }
}
