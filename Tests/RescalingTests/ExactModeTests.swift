import Foundation
import Testing
import Network
import Rescaling
import WeightFiles

@Suite struct ExactModeTests {
    /// Brute force over every integer z in [−7, 7]^4 on tiny nets: the
    /// exact-mode result is the global integer optimum for p = q, and plain
    /// rounding of the continuous optimum is sometimes worse.
    @Test(arguments: [Norm.l2, .l1, .lpq(p: 3, q: 3)])
    func exactModeFindsTheGlobalIntegerOptimum(norm: Norm) throws {
        guard case let .lpq(p, q) = norm else { return }
        var roundingWasWorse = 0
        for seed in UInt64(1)...12 {
            let net = GeneratedMLP(widths: [2, 2, 2, 1], seed: seed, imbalance: 2.5)
            let problem = try net.problem()
            let result = try balance(problem, norm: norm)
            let elements = ElementList(net.structure, net.tensors)
            var best = Double.infinity
            var argBest: [Double] = []
            forEachIntegerPoint(count: 4, lo: -7, hi: 7) { z in
                let v = elements.lpq(z, p: p, q: q)
                if v < best { best = v; argBest = z }
            }
            // The box is large enough: the same optimum is found strictly inside it.
            var inner = Double.infinity
            forEachIntegerPoint(count: 4, lo: -6, hi: 6) { z in inner = min(inner, elements.lpq(z, p: p, q: q)) }
            #expect(inner == best, "seed \(seed): optimum only on the search box edge")
            #expect(result.z.allSatisfy { $0 == $0.rounded() })
            // Evaluated in Double straight from the tensors, exact mode's point
            // is the brute-force optimum (the library's own value is computed
            // from Float-stored |w|^p, so it agrees to ~1e-7).
            #expect(relativeDifference(elements.lpq(result.z, p: p, q: q), best) < 1e-12,
                    "seed \(seed) \(norm): exact mode at \(result.z), brute force \(best) at \(argBest)")
            #expect(relativeDifference(result.objectiveAfter, best) < 1e-6)
            let rounded = try #require(result.roundedObjective)
            #expect(result.objectiveAfter <= rounded * (1 + 1e-12))
            #expect(result.objectiveAfter <= result.objectiveBefore)
            #expect(result.continuousObjective <= result.objectiveAfter * (1 + 1e-9))
            if rounded > result.objectiveAfter * (1 + 1e-9) { roundingWasWorse += 1 }
        }
        print("\(norm): plain rounding was worse than exact mode on \(roundingWasWorse) of 12 tiny nets")
        #expect(roundingWasWorse > 0)
    }

    @Test func exactModeOnADeeperNetIsNeverWorseThanRoundingOrTheInput() throws {
        for norm in [Norm.l2, .l1, .lpq(p: 1, q: 2), .lpq(p: 2, q: 1)] {
            let net = GeneratedMLP(widths: [6, 10, 10, 10, 3], seed: 11, imbalance: 4)
            let result = try balance(try net.problem(), norm: norm)
            #expect(result.z.allSatisfy { $0 == $0.rounded() })
            #expect(result.objectiveAfter <= result.roundedObjective! * (1 + 1e-12), "\(norm)")
            #expect(result.objectiveAfter < result.objectiveBefore, "\(norm)")
            print("\(norm): before \(result.objectiveBefore), continuous \(result.continuousObjective), rounded \(result.roundedObjective!), exact \(result.objectiveAfter), moves \(result.integerMoves)")
        }
    }

    @Test func aBalancedNetStaysWhereItIs() throws {
        // Already at the integer optimum: exact mode returns z = 0 exactly.
        let net = GeneratedMLP(widths: [3, 3, 2], seed: 5, imbalance: 0)
        let problem = try net.problem()
        let first = try balance(problem)
        let moved = try problem.rescaledTensors(first.z)
        let again = try balance(try BalanceProblem(structure: net.structure, tensors: moved))
        #expect(again.z.allSatisfy { $0 == 0 })
        #expect(again.objectiveAfter == again.objectiveBefore)
    }
}
