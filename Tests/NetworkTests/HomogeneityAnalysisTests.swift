import Testing
import Network
import WeightFiles

/// Small networks over in-memory files, shared by the analysis and the
/// property tests.
enum TestNetworks {
    static func file(_ shapes: [(String, [Int])], seed: UInt64, path: String = "/tmp/net.safetensors") throws -> MemoryWeightFile {
        var random = TestRandom(seed: seed)
        return MemoryWeightFile(path: path, tensors: try shapes.map {
            try tensor($0.0, $0.1, random: &random, positive: $0.0.hasSuffix("var"))
        })
    }

    static func node(_ name: String, _ op: Op, _ inputs: [Int]) -> Node { Node(name: name, op: op, inputs: inputs) }

    static func batchNorm(_ p: String, gamma: Bool = true) -> Op {
        .batchNorm(BatchNorm(gamma: gamma ? "\(p).weight" : nil, beta: "\(p).bias", mean: "\(p).running_mean",
                             variance: "\(p).running_var", epsilon: 1e-5))
    }

    static func batchNormTensors(_ p: String, _ c: Int) -> [(String, [Int])] {
        [("\(p).weight", [c]), ("\(p).bias", [c]), ("\(p).running_mean", [c]), ("\(p).running_var", [c])]
    }

    /// fc1(4→8) relu fc2(8→8) tanh fc3(8→3), torch layout.
    static func tanhMLP() throws -> (Network, MemoryWeightFile) {
        let file = try file([("fc1.weight", [8, 4]), ("fc1.bias", [8]), ("fc2.weight", [8, 8]), ("fc2.bias", [8]),
                             ("fc3.weight", [3, 8]), ("fc3.bias", [3])], seed: 11)
        let network = Network(layout: .torch, inputShape: [4], nodes: [
            node("x", .input, []),
            node("fc1", .linear(weight: "fc1.weight", bias: "fc1.bias"), [0]),
            node("act1", .activation(.leakyRelu(alpha: 0.1)), [1]),
            node("fc2", .linear(weight: "fc2.weight", bias: "fc2.bias"), [2]),
            node("act2", .activation(.other("tanh")), [3]),
            node("fc3", .linear(weight: "fc3.weight", bias: "fc3.bias"), [4]),
        ], outputs: [5])
        return (network, file)
    }

    /// conv1 → bn1 → relu → maxpool 2 → conv2 (groups 2, dilation 2, pad 2)
    /// → relu → avgpool 2×3 → flatten → fc1 → relu → fc2, in either layout.
    static func cnn(_ layout: Layout) throws -> (Network, MemoryWeightFile) {
        let torch = layout == .torch
        let file = try file([
            ("conv1.weight", torch ? [4, 2, 3, 3] : [3, 3, 2, 4]), ("conv1.bias", [4]),
        ] + batchNormTensors("bn1", 4) + [
            ("conv2.weight", torch ? [6, 2, 3, 3] : [3, 3, 2, 6]), ("conv2.bias", [6]),
            ("fc1.weight", torch ? [5, 12] : [12, 5]), ("fc1.bias", [5]),
            ("fc2.weight", torch ? [3, 5] : [5, 3]), ("fc2.bias", [3]),
        ], seed: torch ? 21 : 22)
        let network = Network(layout: layout, inputShape: torch ? [2, 8, 6] : [8, 6, 2], nodes: [
            node("x", .input, []),
            node("conv1", .conv2d(Conv2D(weight: "conv1.weight", bias: "conv1.bias", padding: torch ? .symmetric(1, 1) : .same)), [0]),
            node("bn1", batchNorm("bn1"), [1]),
            node("relu1", .activation(.relu), [2]),
            node("pool1", .maxPool2d(Pool2D(kernel: [2, 2], stride: [2, 2])), [3]),
            node("conv2", .conv2d(Conv2D(weight: "conv2.weight", bias: "conv2.bias", padding: torch ? .symmetric(2, 2) : .same,
                                         dilation: [2, 2], groups: 2)), [4]),
            node("relu2", .activation(.relu), [5]),
            node("pool2", .avgPool2d(Pool2D(kernel: [2, 3], stride: [2, 3])), [6]),
            node("flat", .flatten, [7]),
            node("fc1", .linear(weight: "fc1.weight", bias: "fc1.bias"), [8]),
            node("relu3", .activation(.relu), [9]),
            node("fc2", .linear(weight: "fc2.weight", bias: "fc2.bias"), [10]),
        ], outputs: [11])
        return (network, file)
    }

    /// stem conv → relu = h; branch conv → bn → relu; add(h, branch) →
    /// concatenate(add, h) → global average pool → fc, torch layout.
    static func residual() throws -> (Network, MemoryWeightFile) {
        let file = try file([("stem.weight", [3, 2, 3, 3]), ("stem.bias", [3]), ("branch.weight", [3, 3, 1, 1])]
                            + batchNormTensors("bn", 3) + [("fc.weight", [2, 6]), ("fc.bias", [2])], seed: 31)
        let network = Network(layout: .torch, inputShape: [2, 5, 5], nodes: [
            node("x", .input, []),
            node("stem", .conv2d(Conv2D(weight: "stem.weight", bias: "stem.bias", padding: .symmetric(1, 1))), [0]),
            node("h", .activation(.relu), [1]),
            node("branch", .conv2d(Conv2D(weight: "branch.weight", bias: nil)), [2]),
            node("bn", batchNorm("bn"), [3]),
            node("branch_relu", .activation(.relu), [4]),
            node("sum", .add, [2, 5]),
            node("cat", .concatenate(axis: 0), [6, 2]),
            node("gap", .globalAvgPool2d, [7]),
            node("fc", .linear(weight: "fc.weight", bias: "fc.bias"), [8]),
        ], outputs: [9])
        return (network, file)
    }
}

@Suite struct HomogeneityAnalysisTests {
    func reasons(_ structure: RescalingStructure, node: String) -> Set<String> {
        Set(structure.blocked.filter { $0.node == node }.map(\.reason))
    }

    @Test func hiddenUnitsFeedingHomogeneousActivationsAreRescalableOthersBlockedWithReasons() throws {
        let (network, file) = try TestNetworks.tanhMLP()
        let structure = try rescalingStructure(of: network, file: file)
        #expect(structure.groups.map(\.units) == (0..<8).map { ["fc1:\($0)"] })
        #expect(reasons(structure, node: "fc2") == ["feeds tanh (node act2)"])
        #expect(structure.blocked.filter { $0.node == "fc2" }.map(\.index) == Array(0..<8))
        #expect(reasons(structure, node: "fc3") == ["network output"])
        #expect(structure.blocked.count == 11)
        #expect(structure.parameters.map(\.tensor) == ["fc1.weight", "fc1.bias", "fc2.weight"])
        let w1 = structure.parameters[0], w2 = structure.parameters[2]
        #expect(w1.outAxis == 0 && w1.inAxis == 1 && w1.outGroups == Array(0..<8) && w1.inGroups == [-1, -1, -1, -1])
        #expect(w2.outGroups == [Int](repeating: -1, count: 8) && w2.inGroups == Array(0..<8) && w2.inAxis == 1)
    }

    @Test func convFeedingBatchNormIsBlockedAndTheBatchNormOutputIsRescaledInstead() throws {
        for layout in [Layout.torch, .keras] {
            let (network, file) = try TestNetworks.cnn(layout)
            let analysis = try HomogeneityAnalysis(network: network, file: file)
            let structure = analysis.structure
            #expect(reasons(structure, node: "conv1") == ["feeds batchnorm (node bn1)"])
            #expect(structure.groups.count == 4 + 6 + 5)
            #expect(structure.groups.prefix(4).map(\.units) == (0..<4).map { ["bn1:\($0)"] })
            let roles = Dictionary(uniqueKeysWithValues: structure.parameters.map { ($0.tensor, $0) })
            #expect(roles["conv1.weight"] == nil && roles["conv1.bias"] == nil)
            #expect(roles["bn1.weight"]?.kind == .bnGamma && roles["bn1.bias"]?.kind == .bnBeta)
            #expect(roles["bn1.running_mean"] == nil && roles["bn1.running_var"] == nil)
            let conv2 = try #require(roles["conv2.weight"])
            #expect(conv2.inBlocks == 2 && conv2.inGroups == [0, 1, 2, 3])
            #expect(conv2.outAxis == (layout == .torch ? 0 : 3) && conv2.inAxis == (layout == .torch ? 1 : 2))
            // Flatten of the (6, 2, 1) / (2, 1, 6) pool output: 2 positions per channel.
            let fc1 = try #require(roles["fc1.weight"])
            let expected = layout == .torch
                ? (0..<12).map { 4 + $0 / 2 }      // column c*H*W + p
                : (0..<12).map { 4 + $0 % 6 }      // column p*C + c
            #expect(fc1.inGroups == expected)
            #expect(analysis.unitCounts == [0, 4, 4, 0, 0, 6, 0, 0, 0, 5, 0, 3])
        }
    }

    @Test func residualAddTiesChannelsAcrossBranchesAndConcatenateMapsRanges() throws {
        let (network, file) = try TestNetworks.residual()
        let structure = try rescalingStructure(of: network, file: file)
        #expect(structure.groups.map(\.units) == [["stem:0", "bn:0"], ["stem:1", "bn:1"], ["stem:2", "bn:2"]])
        #expect(reasons(structure, node: "branch") == ["feeds batchnorm (node bn)"])
        let fc = try #require(structure.parameters.first { $0.tensor == "fc.weight" })
        // concatenate(sum, h): both halves are the same three groups.
        #expect(fc.inGroups == [0, 1, 2, 0, 1, 2])
        #expect(structure.parameters.map(\.tensor) == ["stem.weight", "stem.bias", "branch.weight", "bn.weight", "bn.bias", "fc.weight"])
        let branch = try #require(structure.parameters.first { $0.tensor == "branch.weight" })
        #expect(branch.outGroups == [-1, -1, -1] && branch.inGroups == [0, 1, 2])
    }

    @Test func aGroupTouchingTheInputOrABlockerIsBlockedAsAWhole() throws {
        var random = TestRandom(seed: 41)
        let file = MemoryWeightFile(tensors: [try tensor("a", [3, 3], random: &random), try tensor("b", [3, 3], random: &random),
                                              try tensor("c", [2, 3], random: &random)])
        let network = Network(layout: .torch, inputShape: [3], nodes: [
            TestNetworks.node("x", .input, []),
            TestNetworks.node("a", .linear(weight: "a", bias: nil), [0]),
            TestNetworks.node("skip", .add, [0, 1]),
            TestNetworks.node("b", .linear(weight: "b", bias: nil), [2]),
            TestNetworks.node("gelu", .activation(.other("gelu")), [0]),
            TestNetworks.node("mix", .add, [3, 4]),
            TestNetworks.node("c", .linear(weight: "c", bias: nil), [5]),
        ], outputs: [6])
        let structure = try rescalingStructure(of: network, file: file)
        #expect(structure.groups.isEmpty)
        #expect(reasons(structure, node: "a") == ["network input; feeds gelu (node gelu)"])
        #expect(reasons(structure, node: "b") == ["output of gelu (node gelu)"])
        #expect(structure.parameters.isEmpty)
    }

    @Test func aUnitNoLayerReadsIsBlockedAsUnused() throws {
        let file = try TestNetworks.file([("a", [3, 2]), ("b", [1, 3]), ("c", [4, 2])], seed: 47)
        let network = Network(layout: .torch, inputShape: [2], nodes: [
            TestNetworks.node("x", .input, []),
            TestNetworks.node("a", .linear(weight: "a", bias: nil), [0]),
            TestNetworks.node("relu", .activation(.relu), [1]),
            TestNetworks.node("b", .linear(weight: "b", bias: nil), [2]),
            TestNetworks.node("c", .linear(weight: "c", bias: nil), [0]),
            TestNetworks.node("c_relu", .activation(.relu), [4]),
        ], outputs: [3])
        let structure = try rescalingStructure(of: network, file: file)
        #expect(structure.groups.map(\.units) == [["a:0"], ["a:1"], ["a:2"]])
        #expect(reasons(structure, node: "c") == ["unused: reaches no linear or conv2d layer and no output"])
        #expect(structure.parameters.map(\.tensor) == ["a", "b"])
    }

    @Test func batchNormWithoutScaleCannotBeRescaledAtItsOutput() throws {
        let file = try TestNetworks.file([("fc.weight", [4, 2])] + TestNetworks.batchNormTensors("bn", 4).filter { $0.0 != "bn.weight" }
                                         + [("out.weight", [1, 4])], seed: 43)
        let network = Network(layout: .torch, inputShape: [2], nodes: [
            TestNetworks.node("x", .input, []),
            TestNetworks.node("fc", .linear(weight: "fc.weight", bias: nil), [0]),
            TestNetworks.node("bn", TestNetworks.batchNorm("bn", gamma: false), [1]),
            TestNetworks.node("relu", .activation(.relu), [2]),
            TestNetworks.node("out", .linear(weight: "out.weight", bias: nil), [3]),
        ], outputs: [4])
        let structure = try rescalingStructure(of: network, file: file)
        #expect(structure.groups.isEmpty)
        #expect(reasons(structure, node: "bn") == ["batchnorm bn has no scale γ (scale=False), so its output cannot be rescaled"])
        #expect(reasons(structure, node: "fc") == ["feeds batchnorm (node bn)"])
    }

    @Test func aBlockerThatIsTheNetworkOutputSaysSo() throws {
        let json = KerasSamples.keras3Sequential.replacingOccurrences(of: #""activation": "linear""#, with: #""activation": "softmax""#)
        let file = try KerasBuilderTests.sequentialFile()
        let network = try KerasNetworkBuilder.network(from: json, file: file)
        let structure = try rescalingStructure(of: network, file: file)
        #expect(reasons(structure, node: "dense_2") == ["feeds softmax (node dense_2/softmax), the network output"])
        #expect(reasons(structure, node: "dense_1") == ["feeds tanh (node dense_1/tanh)"])
        #expect(structure.groups.count == 6)
    }

    @Test func kerasFunctionalSampleResidualGroupIsBlockedByTheScalelessBatchNorm() throws {
        let file = try KerasBuilderTests.functionalFile()
        let network = try KerasNetworkBuilder.network(from: KerasSamples.keras3Functional, file: file)
        let structure = try rescalingStructure(of: network, file: file)
        #expect(structure.groups.isEmpty)
        #expect(reasons(structure, node: "conv2d") == ["feeds batchnorm (node batch_normalization)"])
        #expect(reasons(structure, node: "batch_normalization") == reasons(structure, node: "batch_normalization_1"))
        #expect(reasons(structure, node: "batch_normalization").first?.contains("batchnorm batch_normalization_1 has no scale") == true)
        #expect(reasons(structure, node: "dense_3") == ["feeds softmax (node dense_3/softmax), the network output"])
    }
}
