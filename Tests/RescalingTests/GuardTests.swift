import Foundation
import Testing
import Network
import Rescaling
import WeightFiles

@Suite struct GuardTests {
    @Test func nanAndInfAreRefusedNamingTensorAndIndex() throws {
        var net = GeneratedMLP(widths: [3, 4, 2], seed: 1)
        var w = net.tensors["fc1.weight"]!.doubles()
        w[1 * 3 + 2] = .nan
        net.tensors["fc1.weight"] = try Tensor(name: "fc1.weight", dtype: .float32, shape: [4, 3], values: w)
        let error = #expect(throws: BalanceError.self) { try net.problem() }
        #expect(error?.description == "tensor 'fc1.weight' has NaN at index [1, 2]; refusing to rescale a non-finite weight")

        var other = GeneratedMLP(widths: [3, 4, 2], seed: 1)
        other.tensors["fc2.bias"] = try Tensor(name: "fc2.bias", dtype: .float32, shape: [2], values: [0, -.infinity])
        let inf = #expect(throws: BalanceError.self) { try other.problem() }
        #expect(inf?.description == "tensor 'fc2.bias' has -Inf at index [1]; refusing to rescale a non-finite weight")
    }

    @Test func missingMisshapenAndIntegerTensorsAreRefused() throws {
        var net = GeneratedMLP(widths: [3, 4, 2], seed: 1)
        net.tensors["fc2.weight"] = nil
        #expect(throws: BalanceError.missingTensor(name: "fc2.weight")) { try net.problem() }
        net = GeneratedMLP(widths: [3, 4, 2], seed: 1)
        net.tensors["fc1.bias"] = try Tensor(name: "fc1.bias", dtype: .float32, shape: [5], values: [1, 2, 3, 4, 5])
        let shape = #expect(throws: BalanceError.self) { try net.problem() }
        #expect(shape?.description.contains("tensor 'fc1.bias': shape [5]") == true)
        net = GeneratedMLP(widths: [3, 4, 2], seed: 1)
        net.tensors["fc1.bias"] = try Tensor(name: "fc1.bias", dtype: .int32, shape: [4], values: [1, 2, 3, 4])
        let dtype = #expect(throws: BalanceError.self) { try net.problem() }
        #expect(dtype?.description.contains("int32 is not floating point") == true)
    }

    @Test func deadUnitsKeepScaleOneAndAreReported() throws {
        var net = GeneratedMLP(widths: [3, 4, 4, 2], seed: 2, imbalance: 3)
        // Unit 1 of fc1 (group 1): incoming row and bias zero.
        var w1 = net.tensors["fc1.weight"]!.doubles()
        var b1 = net.tensors["fc1.bias"]!.doubles()
        for j in 0..<3 { w1[1 * 3 + j] = 0 }
        b1[1] = 0
        // Unit 2 of fc2 (group 6): its outgoing column in fc3 is zero.
        var w3 = net.tensors["fc3.weight"]!.doubles()
        for i in 0..<2 { w3[i * 4 + 2] = 0 }
        net.tensors["fc1.weight"] = try Tensor(name: "fc1.weight", dtype: .float32, shape: [4, 3], values: w1)
        net.tensors["fc1.bias"] = try Tensor(name: "fc1.bias", dtype: .float32, shape: [4], values: b1)
        net.tensors["fc3.weight"] = try Tensor(name: "fc3.weight", dtype: .float32, shape: [2, 4], values: w3)
        let problem = try net.problem()
        #expect(problem.deadGroups == [
            DeadGroup(group: 1, units: ["fc1:1"], reason: "all producer weights are zero"),
            DeadGroup(group: 6, units: ["fc2:2"], reason: "all consumer weights are zero"),
        ])
        for norm in [Norm.l2, .l1, .lpq(p: 1, q: 2), .max] {
            for exact in [true, false] {
                let result = try balance(problem, norm: norm, options: BalanceOptions(exact: exact))
                #expect(result.z[1] == 0 && result.z[6] == 0, "\(norm) exact=\(exact)")
                #expect(result.deadGroups.map(\.group) == [1, 6])
                #expect(result.z.enumerated().contains { $0.offset != 1 && $0.offset != 6 && $0.element != 0 })
                #expect(result.objectiveAfter < result.objectiveBefore)
            }
        }
    }

    @Test func float16ScalesAreClampedSoNoElementGoesSubnormal() throws {
        // One hidden unit: row (2, 1e-4), consumer 1e-3. The ℓ2 optimum
        // z ≈ −5.5 would take 1e-4 to ~2e-6, subnormal in float16 (normal
        // ≥ 2^−14 ≈ 6.1e-5), so z stops at log2(2^−14 / 1e-4) ≈ −0.71.
        let tensors = [
            "w1": try Tensor(name: "w1", dtype: .float16, shape: [1, 2], values: [2, 1e-4]),
            "w2": try Tensor(name: "w2", dtype: .float16, shape: [1, 1], values: [1e-3]),
        ]
        let structure = RescalingStructure(groups: [RescalingGroup(id: 0, units: ["fc1:0"])], parameters: [
            ParameterRole(tensor: "w1", node: "fc1", kind: .weight, shape: [1, 2], outAxis: 0, outGroups: [0], inAxis: 1, inGroups: [-1, -1]),
            ParameterRole(tensor: "w2", node: "fc2", kind: .weight, shape: [1, 1], outAxis: 0, outGroups: [-1], inAxis: 1, inGroups: [0]),
        ], blocked: [])
        let problem = try BalanceProblem(structure: structure, tensors: tensors)
        let small = tensors["w1"]!.doubles()[1]
        let bound = log2(0x1p-14 / small)
        #expect(abs(problem.bounds[0].lowerBound - bound) < 1e-12)
        // Upward, the consumer 1e-3 would go subnormal first (it shrinks by 2^−z).
        let consumer = tensors["w2"]!.doubles()[0]
        #expect(abs(problem.bounds[0].upperBound - log2(consumer / 0x1p-14)) < 1e-12)
        let continuous = try balance(problem, norm: .l2, options: BalanceOptions(exact: false))
        #expect(abs(continuous.z[0] - bound) < 1e-12)
        #expect(continuous.clampedGroups == [ClampedGroup(group: 0, units: ["fc1:0"], z: continuous.z[0], side: "lower")])
        let exact = try balance(problem, norm: .l2)
        #expect(exact.z == [0])   // ⌈−0.71⌉ = 0
        #expect(exact.clampedGroups.map(\.side) == ["lower"])
        let maxNorm = try balance(problem, norm: .max, options: BalanceOptions(exact: false))
        #expect(abs(maxNorm.z[0] - bound) < 1e-6)
        #expect(maxNorm.clampedGroups.map(\.side) == ["lower"])
        // A group resting at its box edge without being pulled past it is not reported.
        let unpulled = try balance(problem, norm: .lpq(p: 1, q: 1), options: BalanceOptions(exact: true))
        #expect(unpulled.z == [0] && unpulled.clampedGroups.map(\.side) == ["lower"])
        for result in [continuous, exact, maxNorm] {
            for (_, tensor) in try problem.rescaledTensors(result.z) {
                for v in tensor.doubles() where v != 0 { #expect(abs(v) >= 0x1p-14 && abs(v) <= 65504) }
            }
        }
    }
}
