import Foundation
import Testing
import Network
@testable import Rescaling
import WeightFiles

@Suite struct SweepKernelTests {
    /// Four rows' sums Σ v·s and column sums Σ f·v against plain Double
    /// loops, for every tail length of the two- and four-wide loops and for
    /// padded blocks (a row repeated with factor 0).
    @Test(arguments: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 37, 64])
    func rowKernelsMatchPlainLoops(n: Int) {
        var random = TestRandom(seed: UInt64(n) + 1)
        let values = (0..<(4 * n)).map { _ in Float(random.uniform(0, 4)) }
        let s = (0..<n).map { _ in exp2(random.uniform(-8, 8)) }
        let f = SIMD4<Double>(random.uniform(0, 2), random.uniform(0, 2), 0, random.uniform(0, 2))
        values.withUnsafeBufferPointer { v in
        s.withUnsafeBufferPointer { s in
            guard let base = v.baseAddress, let sBase = s.baseAddress else { return }
            // Rows 0, 1, 1 (padding, factor 0), 3.
            let rows: RowKernels.Rows = (base, base + n, base + n, base + 3 * n)
            let rowIndex = [0, 1, 1, 3]
            var expectedT = [Double](repeating: 0, count: 4)
            var expectedO = [Double](repeating: 0.5, count: n)
            for k in 0..<4 {
                for c in 0..<n {
                    expectedT[k] += Double(v[rowIndex[k] * n + c]) * s[c]
                    expectedO[c] += f[k] * Double(v[rowIndex[k] * n + c])
                }
            }
            let t = RowKernels.dot4(rows, sBase, n)
            var o = [Double](repeating: 0.5, count: n)
            o.withUnsafeMutableBufferPointer { o in if let ob = o.baseAddress { RowKernels.add4(f, rows, into: ob, n) } }
            var fusedO = [Double](repeating: 0.5, count: n)
            var fusedT = SIMD4<Double>()
            fusedO.withUnsafeMutableBufferPointer { o in if let ob = o.baseAddress { fusedT = RowKernels.dotAdd4(f, rows, sBase, into: ob, n) } }
            for k in 0..<4 {
                #expect(relativeDifference(t[k], expectedT[k]) < 1e-14, "n=\(n) row \(k)")
                #expect(fusedT[k] == t[k], "n=\(n) row \(k): the same sum in the same order")
            }
            for c in 0..<n {
                #expect(relativeDifference(o[c], expectedO[c]) < 1e-14, "n=\(n) column \(c)")
                #expect(relativeDifference(fusedO[c], expectedO[c]) < 1e-14, "n=\(n) column \(c)")
            }
        }}
    }

    /// The block solver tracks the objective of its last sweep (p = q)
    /// instead of summing it by a pass: it must equal the objective summed
    /// at the returned point, for every solver and norm.
    @Test(arguments: [Norm.l1, .l2, .lpq(p: 3, q: 3), .lpq(p: 1, q: 2)])
    func continuousObjectiveIsTheObjectiveAtTheResult(norm: Norm) throws {
        let (mixed, mixedTensors) = try ObjectiveTests.mixedStructure(seed: 3)
        let problems = [try GeneratedMLP(widths: [8, 24, 24, 24, 4], seed: 5, imbalance: 4).problem(),
                        try BalanceProblem(structure: mixed, tensors: mixedTensors),
                        try ClassSearchTests.residual(seed: 6)]
        for problem in problems {
            for solver in [BalanceOptions.Solver.blockCoordinate, .multiplicative] {
                let result = try balance(problem, norm: norm, options: BalanceOptions(exact: false, solver: solver))
                let atResult = try problem.objective(result.z, norm: norm)
                #expect(relativeDifference(result.continuousObjective, atResult) < 1e-12, "\(norm) \(solver)")
                #expect(result.objectiveAfter == atResult, "\(norm) \(solver)")
                #expect(result.objectiveHistory.last == result.continuousObjective, "\(norm) \(solver)")
                for (a, b) in zip(result.objectiveHistory, result.objectiveHistory.dropFirst()) {
                    #expect(b <= a * (1 + 1e-12), "\(norm) \(solver)")
                }
            }
        }
    }
}
