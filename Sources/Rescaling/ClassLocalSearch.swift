import Foundation

/// Single-group ±1 moves for p = q, a color class at a time, from every
/// group's producer and consumer totals.
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
/// condition `localSearch` ends at.
///
/// One pass over every weight gives the totals at the start; after each
/// class's moves `GroupTotalsUpdate` carries them to the new point from the
/// rows and columns the moves touch (a new pass when that would read more
/// than an eighth of the weights). A round without moves on carried totals
/// is checked on a new pass, so the search ends only where a pass confirms
/// that no move helps, and that pass's totals are every group's totals at
/// the returned point.
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
        /// `x`, from the pass that found no move; nil when the search stopped
        /// at `maxRounds` first.
        var totals: (I: [Double], O: [Double])?
    }

    /// Improves integer point `start`.
    func run(_ start: [Double], sweeper: inout LpqSweeper, maxRounds: Int = 1000) -> Outcome {
        var x = start
        let free = sweeper.free
        let all = sweeper.allSegments
        func pass(_ sweeper: inout LpqSweeper, _ x: [Double]) -> (I: [Double], O: [Double], total: Double) {
            let (i, o, total) = sweeper.totals(x, segments: all, mask: nil)
            return (Array(i), Array(o), total)
        }
        var (inTotals, outTotals, startObjective) = pass(&sweeper, x)
        guard !coloring.classes.isEmpty else {
            return Outcome(x: x, moves: 0, startObjective: startObjective, totals: ([], []))
        }
        // A move must lower the objective by more than 1e-13 of it, as in
        // `IntegerRefiner.localSearch`.
        let threshold = 1e-13 * Swift.max(startObjective, .leastNormalMagnitude)
        let grow = exp2(p) - 1, shrink = exp2(-p) - 1
        let update = GroupTotalsUpdate(kernel: sweeper.kernel, incidence: GroupIncidence(layout: sweeper.kernel.layout))
        let budget = sweeper.kernel.layout.valueCount / 8
        var s = [Double](repeating: 1, count: free + 1)
        sweeper.kernel.consumerFactors(x, into: &s)
        var fresh = true
        var moves = 0
        var settled = false
        for _ in 0..<maxRounds {
            var moved = false
            for members in coloring.classes {
                var step: [(group: Int, step: Int)] = []
                for g in members {
                    let i = inTotals[g], o = outTotals[g]
                    let up = grow * i + shrink * o      // Δ for +1
                    let down = shrink * i + grow * o    // Δ for −1
                    let current = Int(x[g])
                    var best = -threshold, direction = 0
                    if current + 1 <= hi[g] && up < best { best = up; direction = 1 }
                    if current - 1 >= lo[g] && down < best { best = down; direction = -1 }
                    if direction != 0 { step.append((g, direction)) }
                }
                guard !step.isEmpty else { continue }
                moved = true
                moves += step.count
                let carry = update.cost(step) <= budget
                if carry { update.apply(step, x: x, s: s, inTotals: &inTotals, outTotals: &outTotals) }
                for (g, direction) in step {
                    x[g] += Double(direction)
                    s[g] = exp2(-p * x[g])
                }
                if carry {
                    fresh = false
                } else {
                    (inTotals, outTotals, _) = pass(&sweeper, x)
                    fresh = true
                }
            }
            if !moved {
                if fresh { settled = true; break }
                (inTotals, outTotals, _) = pass(&sweeper, x)
                fresh = true
            }
        }
        return Outcome(x: x, moves: moves, startObjective: startObjective,
                       totals: settled ? (Array(inTotals.prefix(free)), Array(outTotals.prefix(free))) : nil)
    }
}
