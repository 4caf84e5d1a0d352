import Foundation
import Testing
import Network
import Rescaling
import WeightFiles

@Suite struct MaxNormTests {
    @Test(arguments: UInt64(1)...5)
    func continuousMaxNormMatchesBruteForce(seed: UInt64) throws {
        let net = GeneratedMLP(widths: [2, 2, 2, 1], seed: seed, imbalance: 2)
        let problem = try net.problem()
        let result = try balance(problem, norm: .max, options: BalanceOptions(exact: false, tolerance: 1e-10))
        let elements = ElementList(net.structure, net.tensors)
        #expect(relativeDifference(elements.max(result.z), result.objectiveAfter) < 1e-12)
        // Grid over [−4, 4]^4 with step 1/3: the optimum is at most the grid's best.
        var grid = Double.infinity
        var argGrid: [Double] = []
        forEachIntegerPoint(count: 4, lo: -12, hi: 12) { k in
            let z = k.map { $0 / 3 }
            let v = elements.max(z)
            if v < grid { grid = v; argGrid = z }
        }
        #expect(result.objectiveAfter <= grid * (1 + 1e-9), "seed \(seed): solver \(result.objectiveAfter), grid \(grid) at \(argGrid)")
        // And no nearby point is better (convex: a local optimum is global).
        var random = TestRandom(seed: seed)
        for _ in 0..<2000 {
            let radius = [1e-4, 1e-3, 1e-2, 0.1, 0.5][Int(random.next() % 5)]
            let z = result.z.map { $0 + random.uniform(-radius, radius) }
            #expect(elements.max(z) >= result.objectiveAfter * (1 - 1e-9))
        }
        #expect(result.converged)
        #expect(result.objectiveAfter <= result.objectiveBefore)
    }

    @Test(arguments: UInt64(1)...8)
    func exactMaxNormAgainstIntegerBruteForce(seed: UInt64) throws {
        let net = GeneratedMLP(widths: [2, 2, 2, 1], seed: seed, imbalance: 2)
        let problem = try net.problem()
        let result = try balance(problem, norm: .max)
        let elements = ElementList(net.structure, net.tensors)
        var best = Double.infinity
        forEachIntegerPoint(count: 4, lo: -6, hi: 6) { z in best = min(best, elements.max(z)) }
        #expect(result.z.allSatisfy { $0 == $0.rounded() })
        #expect(result.objectiveAfter <= result.roundedObjective! * (1 + 1e-12))
        #expect(result.objectiveAfter <= result.objectiveBefore)
        #expect(result.objectiveAfter >= best * (1 - 1e-12))
        print("max, seed \(seed): exact mode \(result.objectiveAfter), integer brute force \(best), rounded \(result.roundedObjective!), continuous \(result.continuousObjective)")
    }
}
