import Foundation
import Testing
import Network
import Rescaling
import WeightFiles

@Suite struct ForwardPassTests {
    @Test(arguments: [Norm.l2, .l1, .lpq(p: 1, q: 2), .max])
    func exactModeLeavesOutputsBitIdentical(norm: Norm) throws {
        let net = GeneratedMLP(widths: [8, 16, 16, 16, 4], seed: 21, imbalance: 4)
        let problem = try net.problem()
        let result = try balance(problem, norm: norm)
        #expect(result.z.contains { $0 != 0 }, "the test needs a nontrivial rescaling")
        #expect(result.objectiveAfter < result.objectiveBefore)
        let moved = try problem.rescaledTensors(result.z)
        #expect(moved.keys.sorted() == net.tensors.keys.sorted())
        var random = TestRandom(seed: 77)
        for _ in 0..<8 {
            let input = (0..<8).map { _ in Float(random.uniform(-1, 1)) }
            let before = GeneratedMLP.forward(net.tensors, widths: net.widths, input: input)
            let after = GeneratedMLP.forward(moved, widths: net.widths, input: input)
            #expect(before.map(\.bitPattern) == after.map(\.bitPattern))
        }
        // The rescaled tensors are the balanced point: same objective.
        let rebuilt = try BalanceProblem(structure: net.structure, tensors: moved)
        #expect(relativeDifference(try rebuilt.objective([Double](repeating: 0, count: problem.groupCount), norm: norm),
                                   result.objectiveAfter) < 1e-6)
    }

    @Test func continuousModeChangesOutputsOnlyByRounding() throws {
        let net = GeneratedMLP(widths: [8, 16, 16, 4], seed: 22, imbalance: 4)
        let problem = try net.problem()
        let result = try balance(problem, options: BalanceOptions(exact: false))
        #expect(result.z.contains { $0 != $0.rounded() })
        let moved = try problem.rescaledTensors(result.z)
        var random = TestRandom(seed: 78)
        for _ in 0..<8 {
            let input = (0..<8).map { _ in Float(random.uniform(-1, 1)) }
            let before = GeneratedMLP.forward(net.tensors, widths: net.widths, input: input)
            let after = GeneratedMLP.forward(moved, widths: net.widths, input: input)
            for (a, b) in zip(before, after) { #expect(abs(a - b) <= 1e-4 * max(1, abs(a))) }
        }
    }
}
