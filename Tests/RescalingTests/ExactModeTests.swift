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

extension ExactModeTests {
    @Test func residualGroupExactOptimumMatchesBruteForce() throws {
        // A group tied across two producing nodes (a residual add) and
        // consumed by two nodes, as in SolverTests, now over integers.
        var random = TestRandom(seed: 9)
        func t(_ name: String, _ shape: [Int]) throws -> Tensor {
            try Tensor(name: name, dtype: .float32, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in random.uniform(-4, 4) * exp2(random.uniform(-6, 6)) })
        }
        let tensors = try [t("stem", [1, 2]), t("branch_in", [1, 1]), t("branch", [1, 1]), t("head", [2, 1])]
            .reduce(into: [String: Tensor]()) { $0[$1.name] = $1 }
        let structure = RescalingStructure(groups: [RescalingGroup(id: 0, units: ["stem:0", "branch:0"]),
                                                    RescalingGroup(id: 1, units: ["branch_in:0"])], parameters: [
            ParameterRole(tensor: "stem", node: "stem", kind: .weight, shape: [1, 2], outAxis: 0, outGroups: [0], inAxis: 1, inGroups: [-1, -1]),
            ParameterRole(tensor: "branch_in", node: "branch_in", kind: .weight, shape: [1, 1], outAxis: 0, outGroups: [1], inAxis: 1, inGroups: [0]),
            ParameterRole(tensor: "branch", node: "branch", kind: .weight, shape: [1, 1], outAxis: 0, outGroups: [0], inAxis: 1, inGroups: [1]),
            ParameterRole(tensor: "head", node: "head", kind: .weight, shape: [2, 1], outAxis: 0, outGroups: [-1, -1], inAxis: 1, inGroups: [0]),
        ], blocked: [])
        let problem = try BalanceProblem(structure: structure, tensors: tensors)
        let elements = ElementList(structure, tensors)
        for (norm, p) in [(Norm.l2, 2.0), (.l1, 1.0)] {
            let result = try balance(problem, norm: norm)
            var best = Double.infinity
            forEachIntegerPoint(count: 2, lo: -12, hi: 12) { z in best = min(best, elements.lpq(z, p: p, q: p)) }
            #expect(relativeDifference(elements.lpq(result.z, p: p, q: p), best) < 1e-12, "\(norm): \(result.z)")
        }
    }
}
