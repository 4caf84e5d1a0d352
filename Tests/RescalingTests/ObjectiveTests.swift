import Foundation
import Testing
import Network
import Rescaling
import WeightFiles

@Suite struct ObjectiveTests {
    /// A structure mixing orientations: a Keras dense kernel (in, out) with
    /// bias, a grouped torch conv (out, in/groups, kh, kw) with bias, a BN
    /// node whose γ and β form one row per channel, and a flatten-fed torch
    /// linear layer whose in groups repeat each channel for 4 positions.
    static func mixedStructure(seed: UInt64) throws -> (RescalingStructure, [String: Tensor]) {
        var random = TestRandom(seed: seed)
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            let count = shape.reduce(1, *)
            return try Tensor(name: name, dtype: .float32, shape: shape, values: (0..<count).map { _ in random.uniform(-2, 2) })
        }
        // groups 0..3: dense units; 4..7: BN channels.
        let groups = (0..<8).map { RescalingGroup(id: $0, units: ["u:\($0)"]) }
        var tensors: [String: Tensor] = [:]
        for (name, shape) in [("dense/kernel", [3, 4]), ("dense/bias", [4]), ("conv.weight", [4, 2, 3, 3]),
                              ("conv.bias", [4]), ("bn.weight", [4]), ("bn.bias", [4]), ("fc.weight", [2, 16]), ("fc.bias", [2])] {
            tensors[name] = try tensor(name, shape)
        }
        let parameters = [
            ParameterRole(tensor: "dense/kernel", node: "dense", kind: .weight, shape: [3, 4], outAxis: 1,
                          outGroups: [0, 1, 2, 3], inAxis: 0, inGroups: [-1, -1, -1]),
            ParameterRole(tensor: "dense/bias", node: "dense", kind: .bias, shape: [4], outAxis: 0,
                          outGroups: [0, 1, 2, 3], inAxis: nil, inGroups: []),
            // Grouped conv, 2 blocks: out 0,1 read dense units 0,1; out 2,3 read 2,3. Its outputs feed BN (fixed).
            ParameterRole(tensor: "conv.weight", node: "conv", kind: .weight, shape: [4, 2, 3, 3], outAxis: 0,
                          outGroups: [-1, -1, -1, -1], inAxis: 1, inGroups: [0, 1, 2, 3], inBlocks: 2),
            ParameterRole(tensor: "conv.bias", node: "conv", kind: .bias, shape: [4], outAxis: 0,
                          outGroups: [-1, -1, -1, -1], inAxis: nil, inGroups: []),
            ParameterRole(tensor: "bn.weight", node: "bn", kind: .bnGamma, shape: [4], outAxis: 0,
                          outGroups: [4, 5, 6, 7], inAxis: nil, inGroups: []),
            ParameterRole(tensor: "bn.bias", node: "bn", kind: .bnBeta, shape: [4], outAxis: 0,
                          outGroups: [4, 5, 6, 7], inAxis: nil, inGroups: []),
            ParameterRole(tensor: "fc.weight", node: "fc", kind: .weight, shape: [2, 16], outAxis: 0,
                          outGroups: [-1, -1], inAxis: 1, inGroups: (4..<8).flatMap { [Int](repeating: $0, count: 4) }),
            ParameterRole(tensor: "fc.bias", node: "fc", kind: .bias, shape: [2], outAxis: 0,
                          outGroups: [-1, -1], inAxis: nil, inGroups: []),
        ]
        return (RescalingStructure(groups: groups, parameters: parameters, blocked: []), tensors)
    }

    @Test(arguments: [(1.0, 1.0), (2.0, 2.0), (1.0, 2.0), (3.0, 1.5), (2.0, 5.0)])
    func lpqObjectiveEqualsDirectComputation(p: Double, q: Double) throws {
        let (structure, tensors) = try Self.mixedStructure(seed: 7)
        let problem = try BalanceProblem(structure: structure, tensors: tensors)
        var random = TestRandom(seed: 99)
        for _ in 0..<5 {
            let z = (0..<8).map { _ in random.uniform(-3, 3) }
            let expected = naiveLpq(structure, tensors, z: z, p: p, q: q)
            let value = try problem.objective(z, norm: .lpq(p: p, q: q))
            #expect(relativeDifference(value, expected.total) < 1e-6, "p=\(p) q=\(q): \(value) vs \(expected.total)")
            let norms = try problem.layerNorms(z, norm: .lpq(p: p, q: q))
            for (node, norm) in zip(problem.nodes, norms) {
                #expect(relativeDifference(norm, pow(expected.perNode[node]!, 1 / q)) < 1e-6, "node \(node)")
            }
        }
    }

    @Test func maxObjectiveEqualsDirectComputation() throws {
        let (structure, tensors) = try Self.mixedStructure(seed: 8)
        let problem = try BalanceProblem(structure: structure, tensors: tensors)
        var random = TestRandom(seed: 5)
        for _ in 0..<5 {
            let z = (0..<8).map { _ in random.uniform(-3, 3) }
            #expect(relativeDifference(try problem.objective(z, norm: .max), naiveMax(structure, tensors, z: z)) < 1e-12)
        }
    }

    @Test func batchNormGammaAndBetaFormOneRowOnTheProducerSide() throws {
        // One BN channel (group 0) consumed by a 1×1 linear layer: the ℓ1,2
        // row is (|γ| + |β|)^2, not |γ|^2 + |β|^2.
        let tensors = [
            "g": try Tensor(name: "g", dtype: .float32, shape: [1], values: [3]),
            "b": try Tensor(name: "b", dtype: .float32, shape: [1], values: [4]),
            "w": try Tensor(name: "w", dtype: .float32, shape: [1, 1], values: [2]),
        ]
        let structure = RescalingStructure(groups: [RescalingGroup(id: 0, units: ["bn:0"])], parameters: [
            ParameterRole(tensor: "g", node: "bn", kind: .bnGamma, shape: [1], outAxis: 0, outGroups: [0], inAxis: nil, inGroups: []),
            ParameterRole(tensor: "b", node: "bn", kind: .bnBeta, shape: [1], outAxis: 0, outGroups: [0], inAxis: nil, inGroups: []),
            ParameterRole(tensor: "w", node: "fc", kind: .weight, shape: [1, 1], outAxis: 0, outGroups: [-1], inAxis: 1, inGroups: [0]),
        ], blocked: [])
        let problem = try BalanceProblem(structure: structure, tensors: tensors)
        // z = 1: the BN row doubles, the consumer halves.
        #expect(relativeDifference(try problem.objective([1], norm: .lpq(p: 1, q: 2)), 14 * 14 + 1) < 1e-12)
        #expect(relativeDifference(try problem.objective([1], norm: .l2), 36 + 64 + 1) < 1e-12)
        #expect(try problem.layerNorms([1], norm: .max) == [8, 1])
    }

    @Test func invalidNormIsRejected() throws {
        let net = GeneratedMLP(widths: [2, 2, 1], seed: 1)
        let problem = try net.problem()
        #expect(throws: BalanceError.self) { try problem.objective([0, 0], norm: .lpq(p: 0.5, q: 2)) }
        #expect(throws: BalanceError.self) { try balance(problem, norm: .lpq(p: 2, q: .infinity)) }
    }
}

extension ObjectiveTests {
    @Test func largeProblemsSplitAcrossThreadsGiveTheSameObjective() throws {
        // Over 2^18 stored values: the sweep runs in several chunks, on
        // several threads where there are several cores.
        let net = GeneratedMLP(widths: [64, 512, 512, 8], seed: 31, imbalance: 2)
        let problem = try net.problem()
        var random = TestRandom(seed: 12)
        let z = (0..<problem.groupCount).map { _ in random.uniform(-2, 2) }
        for (p, q) in [(2.0, 2.0), (1.0, 3.0)] {
            let expected = naiveLpq(net.structure, net.tensors, z: z, p: p, q: q).total
            #expect(relativeDifference(try problem.objective(z, norm: .lpq(p: p, q: q)), expected) < 1e-6)
        }
        let result = try balance(problem, norm: .l2, options: BalanceOptions(exact: false))
        let expected = naiveLpq(net.structure, net.tensors, z: result.z, p: 2, q: 2).total
        #expect(relativeDifference(result.objectiveAfter, expected) < 1e-6)
        #expect(result.objectiveAfter < result.objectiveBefore)
    }
}
