import Foundation
import Network
import Testing
import WeightFiles
@testable import Rescaling

/// A torch-layout ReLU MLP with biases, and its rescaling structure written
/// out by hand: every hidden unit is its own group, numbered layer by layer.
struct TestMLP {
    var network: Network
    var tensors: [String: Tensor]
    var structure: RescalingStructure

    /// `widths` = [input, hidden…, output]; tensors "fcK.weight" (out, in), "fcK.bias".
    init(widths: [Int], seed: UInt64, spread: Double = 0) throws {
        var rng = SeededGenerator(seed: seed)
        var b = NetworkBuilder()
        var groups: [RescalingGroup] = [], roles: [ParameterRole] = []
        var previous = [Int](repeating: -1, count: widths[0])
        for layer in 1..<widths.count {
            let (inF, outF) = (widths[layer - 1], widths[layer])
            let name = "fc\(layer)"
            var w = randomWeights(outF * inF, &rng)
            if spread > 0 {  // unbalance: scale each row by 2^U(-spread, spread)
                for o in 0..<outF {
                    let f = exp2(Double.random(in: -spread...spread, using: &rng))
                    for i in 0..<inF { w[o * inF + i] *= f }
                }
            }
            try b.set("\(name).weight", [outF, inF], w)
            try b.random("\(name).bias", [outF], &rng)
            b.add(name, .linear(weight: "\(name).weight", bias: "\(name).bias"))
            let isLast = layer == widths.count - 1
            if !isLast { b.add("relu\(layer)", .activation(.relu)) }
            let outGroups: [Int] = isLast ? [Int](repeating: -1, count: outF) : (0..<outF).map { o in
                groups.append(RescalingGroup(id: groups.count, units: ["\(name):\(o)"]))
                return groups.count - 1
            }
            roles.append(ParameterRole(tensor: "\(name).weight", node: name, kind: .weight, shape: [outF, inF],
                                       outAxis: 0, outGroups: outGroups, inAxis: 1, inGroups: previous))
            roles.append(ParameterRole(tensor: "\(name).bias", node: name, kind: .bias, shape: [outF],
                                       outAxis: 0, outGroups: outGroups, inAxis: nil, inGroups: []))
            previous = outGroups
        }
        network = b.network(layout: .torch, inputShape: [widths[0]])
        tensors = b.tensors
        structure = RescalingStructure(groups: groups, parameters: roles, blocked: [])
    }
}

/// A conv net with BN and a residual add whose channels form groups that
/// span several nodes:
///   conv1 (2→3) → bn1 → relu   [groups 0..2 at bn1's output]
///   conv2 (3→3) → relu; add(relu1, relu2) ties channel k of both into group k
///   conv3 (3→2, its input is the add) → global avg → fc (2→2)  [conv3 channels: groups 3, 4]
/// Residual group k: produced by bn1 γ/β (channel k) and conv2 row k (+bias);
/// consumed by conv2 column k, conv3 column k. conv2's element (k, k) is in
/// and out of the same group: it never moves.
func residualNetwork(seed: UInt64) throws -> (Network, [String: Tensor], RescalingStructure) {
    var rng = SeededGenerator(seed: seed)
    var b = NetworkBuilder()
    try b.random("c1.w", [3, 2, 3, 3], &rng)
    try b.random("bn.g", [3], &rng); try b.random("bn.b", [3], &rng); try b.random("bn.m", [3], &rng)
    try b.set("bn.v", [3], [0.5, 1.5, 2])
    try b.random("c2.w", [3, 3, 3, 3], &rng); try b.random("c2.b", [3], &rng)
    try b.random("c3.w", [2, 3, 1, 1], &rng); try b.random("c3.b", [2], &rng)
    try b.random("fc.w", [2, 2], &rng); try b.random("fc.b", [2], &rng)
    b.add("c1", .conv2d(Conv2D(weight: "c1.w", bias: nil, padding: .symmetric(1, 1))))
    b.add("bn", .batchNorm(BatchNorm(gamma: "bn.g", beta: "bn.b", mean: "bn.m", variance: "bn.v", epsilon: 1e-5)))
    let r1 = b.add("r1", .activation(.relu))
    b.add("c2", .conv2d(Conv2D(weight: "c2.w", bias: "c2.b", padding: .symmetric(1, 1))))
    let r2 = b.add("r2", .activation(.relu))
    b.add("res", .add, inputs: [r1, r2])
    b.add("c3", .conv2d(Conv2D(weight: "c3.w", bias: "c3.b")))
    b.add("r3", .activation(.relu))
    b.add("gap", .globalAvgPool2d)
    b.add("fc", .linear(weight: "fc.w", bias: "fc.b"))
    let groups = (0..<3).map { RescalingGroup(id: $0, units: ["bn:\($0)", "c2:\($0)"]) }
        + [RescalingGroup(id: 3, units: ["c3:0"]), RescalingGroup(id: 4, units: ["c3:1"])]
    let res = [0, 1, 2], c3 = [3, 4]
    let roles = [
        ParameterRole(tensor: "bn.g", node: "bn", kind: .bnGamma, shape: [3], outAxis: 0, outGroups: res, inAxis: nil, inGroups: []),
        ParameterRole(tensor: "bn.b", node: "bn", kind: .bnBeta, shape: [3], outAxis: 0, outGroups: res, inAxis: nil, inGroups: []),
        ParameterRole(tensor: "c2.w", node: "c2", kind: .weight, shape: [3, 3, 3, 3], outAxis: 0, outGroups: res, inAxis: 1, inGroups: res),
        ParameterRole(tensor: "c2.b", node: "c2", kind: .bias, shape: [3], outAxis: 0, outGroups: res, inAxis: nil, inGroups: []),
        ParameterRole(tensor: "c3.w", node: "c3", kind: .weight, shape: [2, 3, 1, 1], outAxis: 0, outGroups: c3, inAxis: 1, inGroups: res),
        ParameterRole(tensor: "c3.b", node: "c3", kind: .bias, shape: [2], outAxis: 0, outGroups: c3, inAxis: nil, inGroups: []),
        ParameterRole(tensor: "fc.w", node: "fc", kind: .weight, shape: [2, 2], outAxis: 0, outGroups: [-1, -1], inAxis: 1, inGroups: c3),
    ]
    let blocked = [BlockedUnit(node: "fc", index: 0, reason: "network output"), BlockedUnit(node: "fc", index: 1, reason: "network output")]
    return (b.network(layout: .torch, inputShape: [2, 4, 4]), b.tensors,
            RescalingStructure(groups: groups, parameters: roles, blocked: blocked))
}

@Suite struct KernelAlignmentTests {
    static let continuous = AlignmentOptions(tolerance: 1e-10, maxSweeps: 500, exact: false)

    @Test(arguments: [UInt64(1), 2, 3], [true, false])
    func criterionDecreasesMonotonicallyOnAnUnbalancedMLP(_ seed: UInt64, overRelaxation: Bool) throws {
        let mlp = try TestMLP(widths: [5, 8, 6, 3], seed: seed, spread: 3)
        var options = Self.continuous
        options.overRelaxation = overRelaxation
        let result = try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure,
                                     options: options)
        #expect(result.converged)
        #expect(result.sweeps == result.history.count)
        let trajectory = [result.criterionBefore] + result.history
        for (earlier, later) in zip(trajectory, trajectory.dropFirst()) {
            #expect(later <= earlier + 1e-12 * abs(earlier), "criterion rose from \(earlier) to \(later)")
        }
        #expect(result.criterionAfter < result.criterionBefore)
        #expect(result.criterionAfter == result.continuousCriterion)
        #expect(result.parameterCount == 5 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3)
    }

    /// Over-relaxation reaches the same optimum as the plain updates, in
    /// fewer sweeps on a wide MLP, and F still never rises.
    @Test func overRelaxationReachesTheSameOptimumInFewerSweeps() throws {
        let mlp = try TestMLP(widths: [20, 120, 120, 10], seed: 9)
        let diagonal = try pathKernelDiagonal(network: mlp.network, tensors: mlp.tensors)
        var plainOptions = Self.continuous
        plainOptions.overRelaxation = false
        let plain = try alignKernel(diagonal: diagonal, structure: mlp.structure, options: plainOptions)
        let relaxed = try alignKernel(diagonal: diagonal, structure: mlp.structure, options: Self.continuous)
        #expect(plain.converged && relaxed.converged)
        #expect(plain.relaxation == 1)
        #expect(relaxed.relaxation > 1 && relaxed.relaxation <= 1.9)
        #expect(relaxed.sweeps < plain.sweeps)
        #expect(abs(relaxed.criterionAfter - plain.criterionAfter) <= 1e-9 * plain.criterionAfter)
        for (a, b) in zip(relaxed.z, plain.z) { #expect(abs(a - b) < 1e-6) }
        let trajectory = [relaxed.criterionBefore] + relaxed.history
        for (earlier, later) in zip(trajectory, trajectory.dropFirst()) { #expect(later <= earlier + 1e-12 * abs(earlier)) }
    }

    @Test func criterionDecreasesMonotonicallyWithResidualAndBatchNormGroups() throws {
        let (net, tensors, structure) = try residualNetwork(seed: 11)
        let result = try alignKernel(network: net, tensors: tensors, structure: structure, options: Self.continuous)
        let trajectory = [result.criterionBefore] + result.history
        for (earlier, later) in zip(trajectory, trajectory.dropFirst()) {
            #expect(later <= earlier + 1e-12 * abs(earlier), "criterion rose from \(earlier) to \(later)")
        }
        #expect(result.converged)
        #expect(result.criterionAfter < result.criterionBefore)
    }

    /// At the continuous answer every partial derivative of F (convex) is
    /// zero: it is the global minimum, residual groups included.
    @Test func continuousSolutionIsStationaryForResidualGroups() throws {
        let (net, tensors, structure) = try residualNetwork(seed: 12)
        let diagonal = try pathKernelDiagonal(network: net, tensors: tensors)
        let result = try alignKernel(diagonal: diagonal, structure: structure, options: Self.continuous)
        let h = 1e-5
        for group in result.z.indices {
            var up = result.z, down = result.z
            up[group] += h; down[group] -= h
            let slope = (try kernelAlignmentCriterion(diagonal: diagonal, structure: structure, z: up)
                - kernelAlignmentCriterion(diagonal: diagonal, structure: structure, z: down)) / (2 * h)
            #expect(abs(slope) < 1e-6, "dF/dz[\(group)] = \(slope)")
        }
    }

    /// Two groups: the continuous answer is the minimum of a fine grid.
    @Test(arguments: [UInt64(21), 22, 23])
    func continuousMatchesBruteForceGridMinimum(_ seed: UInt64) throws {
        let mlp = try TestMLP(widths: [2, 2, 1], seed: seed, spread: 1)
        let diagonal = try pathKernelDiagonal(network: mlp.network, tensors: mlp.tensors)
        let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: mlp.structure)
        let step = 0.01, range = -500...500
        var best = (value: Double.infinity, z: [0.0, 0.0])
        for i in range { for j in range {
            let z = [Double(i) * step, Double(j) * step]
            let value = problem.criterion(z)
            if value < best.value { best = (value, z) }
        } }
        #expect(best.z.allSatisfy { abs($0) < 4.9 }, "grid minimum \(best.z) on the border")
        let result = try alignKernel(diagonal: diagonal, structure: mlp.structure, options: Self.continuous)
        #expect(result.criterionAfter <= best.value + 1e-12)
        #expect(best.value - result.criterionAfter < 1e-3)
        for (mine, grid) in zip(result.z, best.z) { #expect(abs(mine - grid) <= step, "z \(result.z) vs grid \(best.z)") }
    }

    /// Exact mode on three groups: the integer answer is the minimum over
    /// every integer point of [−6, 6]³, and never worse than the start.
    @Test(arguments: [UInt64(31), 32, 33, 34])
    func exactMatchesIntegerBruteForce(_ seed: UInt64) throws {
        let mlp = try TestMLP(widths: [2, 3, 1], seed: seed, spread: 3)
        let diagonal = try pathKernelDiagonal(network: mlp.network, tensors: mlp.tensors)
        let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: mlp.structure)
        var best = Double.infinity
        for a in -6...6 { for b in -6...6 { for c in -6...6 {
            best = min(best, problem.criterion([Double(a), Double(b), Double(c)]))
        } } }
        let result = try alignKernel(diagonal: diagonal, structure: mlp.structure, options: AlignmentOptions())
        #expect(result.exact)
        #expect(result.z.allSatisfy { $0 == $0.rounded() && abs($0) <= 6 })
        #expect(abs(result.criterionAfter - best) <= 1e-12 * best, "exact \(result.criterionAfter) vs integer minimum \(best)")
        #expect(result.criterionAfter <= result.criterionBefore)
        #expect(result.criterionAfter >= result.continuousCriterion - 1e-12)
    }

    @Test(arguments: Array(UInt64(40)..<UInt64(60)))
    func exactIsNeverWorseThanTheStart(_ seed: UInt64) throws {
        let mlp = try TestMLP(widths: [4, 5, 4, 2], seed: seed, spread: Double(seed % 4))
        let result = try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure)
        #expect(result.criterionAfter <= result.criterionBefore)
        #expect(result.z.allSatisfy { $0 == $0.rounded() })
    }

    /// The guard itself: from a rounded point far worse than the start, with
    /// no descent allowed, the answer falls back to z = 0.
    @Test func exactFallsBackToTheStartWhenTheRoundedPointIsWorse() throws {
        let mlp = try TestMLP(widths: [3, 4, 2], seed: 5, spread: 2)
        let diagonal = try pathKernelDiagonal(network: mlp.network, tensors: mlp.tensors)
        let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: mlp.structure)
        let zero = [Double](repeating: 0, count: 4)
        let terrible = [7.3, -8.6, 9.1, -6.8]
        #expect(problem.criterion(terrible.map { $0.rounded() }) > problem.criterion(zero))
        let stuck = problem.integerSolution(near: terrible, maxPasses: 0)
        #expect(stuck.z == zero)
        #expect(stuck.roundedCriterion == problem.criterion(terrible.map { $0.rounded() }))
        // With descent allowed it recovers on its own, still no worse than the start.
        let free = problem.integerSolution(near: terrible, maxPasses: 1000)
        #expect(problem.criterion(free.z) <= problem.criterion(zero))
    }

    /// A group holding a blocked unit keeps z = 0.
    @Test func blockedGroupsStayAtZero() throws {
        var mlp = try TestMLP(widths: [3, 4, 2], seed: 6, spread: 3)
        mlp.structure.blocked = [BlockedUnit(node: "fc1", index: 2, reason: "test")]
        let result = try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure,
                                     options: Self.continuous)
        #expect(result.z[2] == 0)
        #expect(result.z.enumerated().filter { $0.offset != 2 }.allSatisfy { $0.element != 0 })
        let exact = try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure)
        #expect(exact.z[2] == 0)
    }

    /// The convention end to end: moving the tensors by z with
    /// Tensor.rescaled(by:as:) and recomputing the kernel gives each entry
    /// times 4^(z[in] − z[out]), and the criterion of the moved network at
    /// z = 0 is the criterion of the original at z. Covers BN γ/β (a and c
    /// move with them) and residual groups.
    @Test func rescaledNetworkHasTheRescaledDiagonal() throws {
        let (net, tensors, structure) = try residualNetwork(seed: 13)
        let diagonal = try pathKernelDiagonal(network: net, tensors: tensors)
        let result = try alignKernel(diagonal: diagonal, structure: structure, options: Self.continuous)
        var moved = tensors
        for role in structure.parameters { moved[role.tensor] = tensors[role.tensor]!.rescaled(by: result.z, as: role) }
        let after = try pathKernelDiagonal(network: net, tensors: moved)
        for role in structure.parameters {
            let old = diagonal.values[role.tensor]!, new = after.values[role.tensor]!
            role.forEachElement { index, out, input in
                let t = (input >= 0 ? result.z[input] : 0) - (out >= 0 ? result.z[out] : 0)
                let expected = old[index] * exp2(2 * t)
                #expect(abs(new[index] - expected) <= 1e-10 * expected, "\(role.tensor)[\(index)]")
            }
        }
        let zero = [Double](repeating: 0, count: structure.groups.count)
        let movedCriterion = try kernelAlignmentCriterion(diagonal: after, structure: structure, z: zero)
        #expect(abs(movedCriterion - result.criterionAfter) <= 1e-9 * result.criterionAfter)
    }

    /// Zero diagonal entries (a zero weight on every path through a
    /// parameter) are left out of the criterion instead of making it infinite.
    @Test func zeroEntriesAreLeftOut() throws {
        var mlp = try TestMLP(widths: [2, 3, 1], seed: 7, spread: 1)
        // fc2 column 1 = 0: every path through hidden unit 1 is zero, so fc1
        // row 1 and bias 1 have zero entries.
        var w2 = mlp.tensors["fc2.weight"]!.doubles()
        w2[1] = 0
        mlp.tensors["fc2.weight"] = try makeTensor("fc2.weight", [1, 3], w2)
        let result = try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure,
                                     options: Self.continuous)
        #expect(result.zeroEntries == 3)
        #expect(result.parameterCount == 2 * 3 + 3 + 3 + 1 - 3)
        #expect(result.criterionBefore.isFinite && result.criterionAfter.isFinite)
        #expect(result.criterionAfter <= result.criterionBefore)
    }

    // MARK: bad input

    @Test func roleForAnUnknownTensorIsRefused() throws {
        var mlp = try TestMLP(widths: [2, 2, 1], seed: 8)
        mlp.structure.parameters.append(ParameterRole(tensor: "ghost", node: "fc1", kind: .weight, shape: [2],
                                                      outAxis: 0, outGroups: [0, 1], inAxis: nil, inGroups: []))
        let error = #expect(throws: PathKernelError.self) {
            try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure)
        }
        #expect(error?.description == "rescaling role for tensor 'ghost': the tensor is not a parameter of the network's layers")
    }

    @Test func roleWithAMissingGroupIsRefused() throws {
        var mlp = try TestMLP(widths: [2, 2, 1], seed: 8)
        mlp.structure.parameters[1].outGroups = [0, 9]
        let error = #expect(throws: PathKernelError.self) {
            try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure)
        }
        #expect(error?.description == "rescaling role for tensor 'fc1.bias': group 9 does not exist (there are 2)")
    }

    @Test func badOptionsAreRefused() throws {
        let mlp = try TestMLP(widths: [2, 2, 1], seed: 8)
        #expect(throws: PathKernelError.invalidOptions("tolerance -1.0 must be a non-negative number")) {
            try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure,
                            options: AlignmentOptions(tolerance: -1))
        }
        #expect(throws: PathKernelError.invalidOptions("max sweeps 0 must be at least 1")) {
            try alignKernel(network: mlp.network, tensors: mlp.tensors, structure: mlp.structure,
                            options: AlignmentOptions(maxSweeps: 0))
        }
    }
}
