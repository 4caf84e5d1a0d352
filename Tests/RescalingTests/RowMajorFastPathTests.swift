import Network
import Rescaling
import Testing
import WeightFiles

/// Building a problem from PyTorch-oriented float32 (out, in) weights takes
/// whole-row SIMD paths; the same weights stored transposed (Keras's
/// (in, out)) take the element-by-element walk. Both must give the same
/// box, dead groups, objective and solution.
@Suite struct RowMajorFastPathTests {
    /// A 3-layer MLP 9 → 13 → 11 → 5 with biases, seeded weights over many
    /// binades, some zero entries, one all-zero row (a dead unit) and
    /// one all-zero column (two dead units) when `deadUnits`, in either
    /// orientation. Without dead units every layer takes the whole-row paths
    /// (box, dead-unit scan and kernel); with them the mixed layers fall back.
    static func network(transposed: Bool, deadUnits: Bool) throws -> (RescalingStructure, [String: Tensor]) {
        var generator = SplitMix(seed: 0x5eed)
        let widths = [9, 13, 11, 5]
        var groupBase = 0
        var roles: [ParameterRole] = []
        var tensors: [String: Tensor] = [:]
        var groups: [RescalingGroup] = []
        for layer in 0..<3 {
            let fanIn = widths[layer], fanOut = widths[layer + 1]
            let inGroups = layer == 0 ? [Int](repeating: -1, count: fanIn) : Array(groupBase - fanIn ..< groupBase)
            let outGroups = layer == 2 ? [Int](repeating: -1, count: fanOut) : Array(groupBase ..< groupBase + fanOut)
            if layer < 2 {
                for unit in 0..<fanOut { groups.append(RescalingGroup(id: groupBase + unit, units: ["fc\(layer):\(unit)"])) }
                groupBase += fanOut
            }
            var values = [[Float]](repeating: [Float](repeating: 0, count: fanIn), count: fanOut)
            for o in 0..<fanOut {
                for i in 0..<fanIn {
                    let magnitude = Float(generator.unit() + 0.01) * Float(sign: .plus, exponent: Int(generator.unit() * 40) - 20, significand: 1)
                    values[o][i] = generator.unit() < 0.15 ? 0 : (generator.unit() < 0.5 ? -magnitude : magnitude)
                }
            }
            if deadUnits && layer == 1 { values[3] = [Float](repeating: 0, count: fanIn) }  // fc1:3 produces nothing
            if deadUnits && layer == 1 { for o in 0..<fanOut { values[o][7] = 0 } }          // fc0:7 feeds nothing
            let weight = "fc\(layer).weight", bias = "fc\(layer).bias"
            let flat = transposed ? (0..<fanIn).flatMap { i in (0..<fanOut).map { values[$0][i] } } : values.flatMap { $0 }
            tensors[weight] = try Tensor(name: weight, dtype: .float32, shape: transposed ? [fanIn, fanOut] : [fanOut, fanIn],
                                         values: flat.map(Double.init))
            var biasValues = (0..<fanOut).map { _ in generator.unit() - 0.5 }
            if deadUnits && layer == 1 { biasValues[3] = 0 }
            tensors[bias] = try Tensor(name: bias, dtype: .float32, shape: [fanOut], values: biasValues)
            roles.append(ParameterRole(tensor: weight, node: "fc\(layer)", kind: .weight,
                                       shape: transposed ? [fanIn, fanOut] : [fanOut, fanIn],
                                       outAxis: transposed ? 1 : 0, outGroups: outGroups,
                                       inAxis: transposed ? 0 : 1, inGroups: inGroups))
            roles.append(ParameterRole(tensor: bias, node: "fc\(layer)", kind: .bias, shape: [fanOut], outAxis: 0,
                                       outGroups: outGroups, inAxis: nil, inGroups: []))
        }
        return (RescalingStructure(groups: groups, parameters: roles, blocked: []), tensors)
    }

    @Test(arguments: [Norm.l2, .l1, .lpq(p: 3, q: 3), .lpq(p: 2, q: 1)], [false, true])
    func rowMajorAndTransposedWeightsGiveTheSameProblemAndSolution(norm: Norm, deadUnits: Bool) throws {
        let (rowMajor, rowTensors) = try Self.network(transposed: false, deadUnits: deadUnits)
        let (transposed, transposedTensors) = try Self.network(transposed: true, deadUnits: deadUnits)
        let fast = try BalanceProblem(structure: rowMajor, tensors: rowTensors)
        let walked = try BalanceProblem(structure: transposed, tensors: transposedTensors)
        #expect(fast.bounds == walked.bounds)
        #expect(fast.deadGroups == walked.deadGroups)
        #expect(fast.deadGroups.map(\.group).sorted() == (deadUnits ? [7, 13 + 3] : []))
        let z = (0..<fast.groupCount).map { Double(($0 * 7) % 5) - 2 }
        #expect(try fast.objective(z, norm: norm) == walked.objective(z, norm: norm))
        for exact in [true, false] {
            let a = try balance(fast, norm: norm, options: BalanceOptions(exact: exact))
            let b = try balance(walked, norm: norm, options: BalanceOptions(exact: exact))
            #expect(a.z == b.z)
            #expect(a.objectiveAfter == b.objectiveAfter)
            #expect(a.objectiveAfter < a.objectiveBefore)
        }
    }
}

/// A small deterministic generator (SplitMix64) for test data.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
