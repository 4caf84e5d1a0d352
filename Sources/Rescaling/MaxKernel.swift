import Foundation
import Network
import WeightFiles

/// The max-norm objective in compact form: per segment a row-major block
/// c[r, col] = log2 of the largest magnitude among the row's elements that
/// consume column col's group (−∞ when all are zero). Under scales z an
/// element pair moves to c + z_out(r) − z_col, linear in z.
struct MaxKernel: Sendable {
    let layout: RowLayout
    let logMax: [Double]

    init(problem: BalanceProblem) throws {
        let layout = problem.layout
        self.layout = layout
        var logMax = [Double](repeating: -Double.infinity, count: layout.valueCount)
        for n in 0..<layout.nodeNames.count {
            try layout.forEachNodeElement(node: n, roles: problem.structure.parameters, source: problem.source) { position, value, _ in
                if value != 0 { logMax[position] = Swift.max(logMax[position], log2(abs(value))) }
            }
        }
        self.logMax = logMax
    }

    /// Per node: the log2 of its largest rescaled magnitude at scales z
    /// (−∞ for a node whose elements are all zero).
    func nodeLogMax(_ z: [Double]) -> [Double] {
        var result = [Double](repeating: -Double.infinity, count: layout.nodeNames.count)
        for seg in layout.segments {
            var best = result[seg.node]
            for r in 0..<seg.rowCount {
                let zo = z[Int(layout.rowOut[seg.rowStart + r])]
                let row = seg.valueOffset + r * seg.columnCount
                for c in 0..<seg.columnCount {
                    let v = logMax[row + c] + zo - z[Int(layout.columnGroups[seg.columnStart + c])]
                    if v > best { best = v }
                }
            }
            result[seg.node] = best
        }
        return result
    }

    /// Which way the objective pulls each free group at z: −1 when lowering
    /// z_g lowers it (every node maximum that moves with z_g moves down),
    /// +1 when raising does, 0 otherwise (one-sided directional derivatives
    /// of Σ_nodes 2^(max), from each node's maximising pairs).
    func pull(_ z: [Double]) -> [Int] {
        let free = layout.freeGroups.count
        let top = nodeLogMax(z)
        var attaining = [[(Int, Int)]](repeating: [], count: layout.nodeNames.count)
        for seg in layout.segments {
            for r in 0..<seg.rowCount {
                let o = Int(layout.rowOut[seg.rowStart + r])
                let row = seg.valueOffset + r * seg.columnCount
                for c in 0..<seg.columnCount {
                    let j = Int(layout.columnGroups[seg.columnStart + c])
                    let v = logMax[row + c] + z[o] - z[j]
                    if v > -.infinity && v >= top[seg.node] - 1e-12 { attaining[seg.node].append((o, j)) }
                }
            }
        }
        var derivativeUp = [Double](repeating: 0, count: free)
        var derivativeDown = [Double](repeating: 0, count: free)
        for n in 0..<attaining.count where !attaining[n].isEmpty {
            let weight = exp2(top[n])
            var touched = Set<Int>()
            for (o, j) in attaining[n] { if o < free { touched.insert(o) }; if j < free { touched.insert(j) } }
            for g in touched {
                var bestUp = -Double.infinity, bestDown = -Double.infinity
                for (o, j) in attaining[n] {
                    let d = (o == g ? 1.0 : 0) - (j == g ? 1.0 : 0)
                    bestUp = Swift.max(bestUp, d)
                    bestDown = Swift.max(bestDown, -d)
                }
                derivativeUp[g] += weight * bestUp
                derivativeDown[g] += weight * bestDown
            }
        }
        return (0..<free).map { g in derivativeUp[g] < 0 ? 1 : (derivativeDown[g] < 0 ? -1 : 0) }
    }

    /// Σ_nodes 2^(node log max) at scales z.
    func objective(_ z: [Double]) -> Double {
        nodeLogMax(z).reduce(0) { $0 + exp2($1) }
    }
}

/// Objective value and per-node norms for any `Norm`.
struct ObjectiveEvaluator {
    let problem: BalanceProblem
    let norm: Norm

    func objective(_ x: [Double]) throws -> Double {
        switch norm {
        case .max: return try MaxKernel(problem: problem).objective(x)
        case let .lpq(p, q): return try LpqKernel(problem: problem, p: p, q: q).evaluate(x).objective
        }
    }

    func layerNorms(_ x: [Double]) throws -> [Double] {
        switch norm {
        case .max: return try MaxKernel(problem: problem).nodeLogMax(x).map { exp2($0) }
        case let .lpq(p, q): return try LpqKernel(problem: problem, p: p, q: q).evaluate(x).nodeSums.map { pow($0, 1 / q) }
        }
    }
}
