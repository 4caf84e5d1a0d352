import Foundation
import Testing
import Network
import Rescaling
import WeightFiles

@Suite struct SolverTests {
    static let continuous = BalanceOptions(exact: false, tolerance: 1e-13, maxSweeps: 20_000)

    @Test(arguments: [BalanceOptions.Solver.multiplicative, .blockCoordinate])
    func oneHiddenUnitMatchesTheClosedForm(solver: BalanceOptions.Solver) throws {
        // a → h → b with w1, b1 producing h and w2 consuming it: the ℓ2
        // optimum minimises (w1² + b1²)·2^(2z) + w2²·2^(−2z).
        for (w1, b1, w2) in [(0.3, -0.4, 8.0), (5.0, 0.0, 0.01), (-1.5, 2.0, -0.75)] {
            let tensors = [
                "w1": try Tensor(name: "w1", dtype: .float64, shape: [1, 1], values: [w1]),
                "b1": try Tensor(name: "b1", dtype: .float64, shape: [1], values: [b1]),
                "w2": try Tensor(name: "w2", dtype: .float64, shape: [1, 1], values: [w2]),
                "b2": try Tensor(name: "b2", dtype: .float64, shape: [1], values: [0.5]),
            ]
            let structure = RescalingStructure(groups: [RescalingGroup(id: 0, units: ["fc1:0"])], parameters: [
                ParameterRole(tensor: "w1", node: "fc1", kind: .weight, shape: [1, 1], outAxis: 0, outGroups: [0], inAxis: 1, inGroups: [-1]),
                ParameterRole(tensor: "b1", node: "fc1", kind: .bias, shape: [1], outAxis: 0, outGroups: [0], inAxis: nil, inGroups: []),
                ParameterRole(tensor: "w2", node: "fc2", kind: .weight, shape: [1, 1], outAxis: 0, outGroups: [-1], inAxis: 1, inGroups: [0]),
                ParameterRole(tensor: "b2", node: "fc2", kind: .bias, shape: [1], outAxis: 0, outGroups: [-1], inAxis: nil, inGroups: []),
            ], blocked: [])
            let problem = try BalanceProblem(structure: structure, tensors: tensors)
            var options = Self.continuous
            options.solver = solver
            let result = try balance(problem, norm: .l2, options: options)
            let expected = log2(abs(w2) / (w1 * w1 + b1 * b1).squareRoot()) / 2
            #expect(abs(result.z[0] - expected) < 1e-6, "\(solver): z = \(result.z[0]), closed form \(expected)")
            #expect(result.converged)
        }
    }

    @Test(arguments: [(2.0, 2.0), (1.0, 1.0), (1.0, 2.0), (2.0, 1.0), (3.0, 1.0), (1.5, 4.0)])
    func bothSolversReachTheSameOptimumAndTheBlockSolverNeedsFewerSweeps(p: Double, q: Double) throws {
        let net = GeneratedMLP(widths: [12, 24, 24, 24, 24, 24, 6], seed: 42, imbalance: 3)
        let problem = try net.problem()
        let norm = Norm.lpq(p: p, q: q)
        var reference = Self.continuous
        reference.solver = .multiplicative
        let saul = try balance(problem, norm: norm, options: reference)
        let block = try balance(problem, norm: norm, options: Self.continuous)
        #expect(saul.converged && block.converged)
        #expect(relativeDifference(saul.objectiveAfter, block.objectiveAfter) < 1e-7,
                "p=\(p) q=\(q): Saul \(saul.objectiveAfter), block \(block.objectiveAfter)")
        let zDistance = zip(saul.z, block.z).map { abs($0 - $1) }.max()!
        #expect(zDistance < 1e-2, "log2-scales differ by \(zDistance)")
        // The multiplicative update is monotone: every sweep lowers the objective.
        for (a, b) in zip(saul.objectiveHistory, saul.objectiveHistory.dropFirst()) { #expect(b <= a * (1 + 1e-12)) }
        for (a, b) in zip(block.objectiveHistory, block.objectiveHistory.dropFirst()) { #expect(b <= a * (1 + 1e-12)) }
        #expect(saul.objectiveAfter < saul.objectiveBefore)

        // Sweeps to the default tolerance (1e-6 relative change).
        let saulDefault = try balance(problem, norm: norm, options: BalanceOptions(exact: false, solver: .multiplicative))
        let blockDefault = try balance(problem, norm: norm, options: BalanceOptions(exact: false))
        print("ℓ_{\(p),\(q)} to 1e-6: Saul multiplicative \(saulDefault.sweeps) sweeps (\(saulDefault.weightPasses) passes), block-coordinate \(blockDefault.sweeps) sweeps (\(blockDefault.weightPasses) passes); to 1e-13: \(saul.sweeps) vs \(block.sweeps)")
        #expect(blockDefault.sweeps < saulDefault.sweeps)
        // A block sweep reads the weights twice (one pass per color class);
        // where its step is twice Saul's (q ≥ p) it also needs fewer passes.
        if q >= p { #expect(blockDefault.weightPasses < saulDefault.weightPasses) }
        #expect(block.sweeps < saul.sweeps)
        // The faster solver also ends closer to the optimum.
        #expect(blockDefault.objectiveAfter <= saulDefault.objectiveAfter * (1 + 1e-9))
    }

    @Test func residualGroupIsBalancedAcrossAllItsBranches() throws {
        // Group 0 ties unit 0 of "stem" and unit 0 of "branch" (a residual
        // add); it is consumed by "head" and by "branch_in" (the branch's
        // first layer, whose unit is group 1, consumed by "branch").
        var random = TestRandom(seed: 3)
        func t(_ name: String, _ shape: [Int]) throws -> Tensor {
            try Tensor(name: name, dtype: .float64, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in random.uniform(-4, 4) })
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
        for norm in [Norm.l2, .l1, .lpq(p: 1, q: 3)] {
            var saulOptions = Self.continuous
            saulOptions.solver = .multiplicative
            let saul = try balance(problem, norm: norm, options: saulOptions)
            let block = try balance(problem, norm: norm, options: Self.continuous)
            // Brute force over a coarse grid and a fine one around the solution.
            var best = Double.infinity
            for a in stride(from: -4.0, through: 4.0, by: 0.25) {
                for b in stride(from: -4.0, through: 4.0, by: 0.25) { best = min(best, try problem.objective([a, b], norm: norm)) }
            }
            for a in stride(from: -0.05, through: 0.05, by: 0.005) {
                for b in stride(from: -0.05, through: 0.05, by: 0.005) { best = min(best, try problem.objective([block.z[0] + a, block.z[1] + b], norm: norm)) }
            }
            #expect(block.objectiveAfter <= best * (1 + 1e-9), "\(norm)")
            #expect(relativeDifference(saul.objectiveAfter, block.objectiveAfter) < 1e-8, "\(norm)")
        }
    }
}
