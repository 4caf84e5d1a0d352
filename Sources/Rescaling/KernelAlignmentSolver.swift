import Foundation

/// Continuous minimisation of the kernel-alignment criterion by exact
/// coordinate descent over groups (Gauss–Seidel sweeps in group order).
extension KernelAlignmentProblem {
    /// The multiplicative change y = 4^δ of group h's entries that minimises
    /// F along z[h], or nil when F does not depend on z[h] or has no finite
    /// minimiser along it.
    ///
    /// With S = D + B + C the current Σe split into the rest D, the
    /// consumers B and the producers C of h, moving z[h] by δ gives
    /// F = n·ln(D + B·y + C/y) + A·ln y + const, A = |producers| − |consumers|,
    /// whose stationary point is the positive root of
    /// (n+A)·B·y² + A·D·y + (A−n)·C = 0 — the reference's update, relative
    /// to the current point. n ≥ |producers| + |consumers| makes the root unique.
    func optimalStep(consumers b: Double, producers c: Double, rest d: Double,
                     consumerCount: Int, producerCount: Int) -> Double? {
        let n = Double(count), a = Double(producerCount - consumerCount)
        let qa = (n + a) * b, qb = a * d, qc = (a - n) * c
        let discriminant = qb * qb - 4 * qa * qc
        guard discriminant >= 0 else { return nil }
        let root = discriminant.squareRoot()
        // The positive root without cancellation.
        let y = qb >= 0 ? -2 * qc / (qb + root) : (-qb + root) / (2 * qa)
        guard y > 0, y.isFinite else { return nil }
        return y
    }

    /// Sweeps over every group, each time moving z[h] to the exact minimiser
    /// of F along it, until the summed |Δz| of a sweep is below `tolerance`
    /// (log2 units) or `maxSweeps` sweeps have run.
    ///
    /// - Returns: the scales, F after each sweep, and whether it converged.
    func solveContinuous(from start: [Double], tolerance: Double, maxSweeps: Int)
        -> (z: [Double], history: [Double], converged: Bool) {
        var z = start, history: [Double] = [], converged = false
        guard maxSweeps > 0 else { return (z, history, false) }
        for _ in 1...maxSweeps {
            var sum = total(z), change = 0.0
            for h in 0..<groupCount where !frozen[h] {
                let s = groupSums(h, z)
                guard s.consumerCount + s.producerCount > 0 else { continue }
                let rest = max(sum - s.consumers - s.producers, 0)
                guard let y = optimalStep(consumers: s.consumers, producers: s.producers, rest: rest,
                                          consumerCount: s.consumerCount, producerCount: s.producerCount) else { continue }
                let delta = log2(y) / 2
                z[h] += delta
                change += abs(delta)
                sum = rest + s.consumers * y + s.producers / y
            }
            history.append(criterion(z))
            if change < tolerance { converged = true; break }
        }
        return (z, history, converged)
    }
}
