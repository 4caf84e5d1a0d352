import Testing
import Network
import Rescaling
import WeightFiles

/// The property the analysis promises: moving every tensor as the
/// structure prescribes, for any per-group log-scales, leaves the network's
/// outputs unchanged (bit for bit with power-of-two scales), while moving a
/// blocked unit the same way changes them.
@Suite struct RescalingPropertyTests {
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case tanhMLP, torchCNN, kerasCNN, residual
        var testDescription: String { rawValue }
        func make() throws -> (Network, MemoryWeightFile) {
            switch self {
            case .tanhMLP: return try TestNetworks.tanhMLP()
            case .torchCNN: return try TestNetworks.cnn(.torch)
            case .kerasCNN: return try TestNetworks.cnn(.keras)
            case .residual: return try TestNetworks.residual()
            }
        }
    }

    /// `file` with every tensor of `structure` moved by `z`.
    static func moved(_ file: MemoryWeightFile, _ structure: RescalingStructure, by z: LogScales) throws -> MemoryWeightFile {
        file.replacing(try structure.parameters.map { try file.read($0.tensor).rescaled(by: z, as: $0) })
    }

    static func outputs(_ network: Network, _ file: MemoryWeightFile, seed: UInt64) throws -> [[Double]] {
        let forward = try ReferenceForward(network: network, file: file)
        var random = TestRandom(seed: seed)
        let size = forward.shapes[0].reduce(1, *)
        return try (0..<5).map { _ in try forward.run(random.values(size)) }
    }

    static func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
    }

    @Test(arguments: Case.allCases)
    func randomContinuousGroupScalesLeaveOutputsUnchanged(_ testCase: Case) throws {
        let (network, file) = try testCase.make()
        let structure = try rescalingStructure(of: network, file: file)
        #expect(!structure.groups.isEmpty)
        var random = TestRandom(seed: 100)
        let z = structure.groups.map { _ in 3 * random.next() }
        let before = try Self.outputs(network, file, seed: 7)
        let moved = try Self.moved(file, structure, by: z)
        #expect(moved.tensors != file.tensors)
        let after = try Self.outputs(network, moved, seed: 7)
        let scale = before.flatMap { $0 }.map(abs).max() ?? 1
        #expect(Self.maxDifference(before, after) <= 1e-12 * max(scale, 1))
    }

    @Test(arguments: Case.allCases)
    func powerOfTwoGroupScalesLeaveOutputsBitIdentical(_ testCase: Case) throws {
        let (network, file) = try testCase.make()
        let structure = try rescalingStructure(of: network, file: file)
        var random = TestRandom(seed: 200)
        let z = structure.groups.map { _ in (4 * random.next()).rounded() }
        #expect(z.contains { $0 != 0 })
        let before = try Self.outputs(network, file, seed: 8)
        let after = try Self.outputs(network, try Self.moved(file, structure, by: z), seed: 8)
        #expect(before == after)
    }

    /// The structure a careless rescaler would use: the analysis of the
    /// network with the op at `node` replaced by `op`, which unblocks units.
    static func careless(_ network: Network, _ file: MemoryWeightFile, replacing node: String, with op: Op) throws -> RescalingStructure {
        var relaxed = network
        guard let index = relaxed.nodes.firstIndex(where: { $0.name == node }) else { throw ReferenceForward.Unsupported(description: node) }
        relaxed.nodes[index].op = op
        return try rescalingStructure(of: relaxed, file: file)
    }

    @Test(arguments: [
        (Case.tanhMLP, "act2", "fc2"),     // tanh is not homogeneous
        (Case.torchCNN, "bn1", "conv1"),   // batchnorm normalises its input
        (Case.kerasCNN, "bn1", "conv1"),
        (Case.residual, "bn", "branch"),
    ])
    func movingABlockedUnitChangesTheOutputs(_ testCase: Case, blocker: String, unitNode: String) throws {
        let (network, file) = try testCase.make()
        let honest = try rescalingStructure(of: network, file: file)
        #expect(honest.blocked.contains { $0.node == unitNode })
        let structure = try Self.careless(network, file, replacing: blocker, with: .activation(.identity))
        // Scale only the groups holding units the honest analysis blocks.
        let blockedUnits = Set(honest.blocked.filter { $0.node == unitNode }.map { "\($0.node):\($0.index)" })
        let z = structure.groups.map { group in group.units.contains(where: blockedUnits.contains) ? 1.0 : 0.0 }
        #expect(z.contains(1))
        let before = try Self.outputs(network, file, seed: 9)
        let after = try Self.outputs(network, try Self.moved(file, structure, by: z), seed: 9)
        #expect(Self.maxDifference(before, after) > 1e-6)
    }

    @Test func scalingAnOutputUnitChangesTheOutputs() throws {
        let (network, file) = try TestNetworks.tanhMLP()
        let role = ParameterRole(tensor: "fc3.weight", node: "fc3", kind: .weight, shape: [3, 8], outAxis: 0,
                                 outGroups: [0, -1, -1], inAxis: 1, inGroups: [Int](repeating: -1, count: 8))
        let moved = file.replacing([try file.read("fc3.weight").rescaled(by: [1], as: role)])
        #expect(Self.maxDifference(try Self.outputs(network, file, seed: 3), try Self.outputs(network, moved, seed: 3)) > 1e-6)
    }
}
