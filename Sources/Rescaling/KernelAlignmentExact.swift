import Foundation

/// Exact (power-of-two) mode: integer log2 scales.
extension KernelAlignmentProblem {
    /// Integer coordinate descent: for each group in turn, move z[h] by +1
    /// or −1 when that lowers F (the better of the two), and sweep again
    /// until a whole pass changes nothing or `maxPasses` passes have run.
    ///
    /// Only strict improvements (beyond rounding noise) are taken, so F
    /// never increases and the descent ends.
    /// - Returns: the integer point and the number of passes that moved something.
    func integerDescent(from start: [Double], maxPasses: Int) -> (z: [Double], passes: Int) {
        var passes = 0
        let n = Double(count), ln4 = 2 * M_LN2
        guard count > 0 else { return (start, 0) }
        var state = SweepState(problem: self, z: start)
        var sum = state.total(self)
        for pass in 0..<maxPasses {
            if pass > 0 { sum = state.sweptTotal(self) }
            let threshold = 1e-12 * max(1, abs(criterion(total: sum, z: state.z)))
            var moved = false
            _ = sweep(&state, sum: sum) { _, s, sum in
                let rest = max(sum - s.consumers - s.producers, 0)
                let a = Double(s.producerCount - s.consumerCount)
                var best: (delta: Double, change: Double, sum: Double)? = nil
                for (delta, y) in [(1.0, 4.0), (-1.0, 0.25)] {
                    let newSum = rest + s.consumers * y + s.producers / y
                    let change = n * log(newSum / sum) + ln4 * delta * a
                    if change < -threshold, change < (best?.change ?? 0) { best = (delta, change, newSum) }
                }
                guard let best else { return nil }
                moved = true
                return (best.delta, best.sum)
            }
            if !moved { break }
            passes += 1
        }
        return (state.z, passes)
    }

    /// The exact-mode answer from a continuous solution: round, descend,
    /// and never return a point worse than z = 0 (the network as given);
    /// if the rounded descent ends above it, descend from 0 instead.
    /// - Returns: the integer scales, F after plain rounding, and the passes.
    func integerSolution(near continuous: [Double], maxPasses: Int)
        -> (z: [Double], roundedCriterion: Double, passes: Int) {
        let zero = [Double](repeating: 0, count: groupCount)
        let startCriterion = criterion(zero)
        let rounded = continuous.enumerated().map { frozen[$0.offset] ? 0 : $0.element.rounded() }
        let roundedCriterion = criterion(rounded)
        var (z, passes) = integerDescent(from: rounded, maxPasses: maxPasses)
        if criterion(z) > startCriterion {
            let fromZero = integerDescent(from: zero, maxPasses: maxPasses)
            passes += fromZero.passes
            z = criterion(fromZero.z) <= startCriterion ? fromZero.z : zero
        }
        return (z, roundedCriterion, passes)
    }
}
