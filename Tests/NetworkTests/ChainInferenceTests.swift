import Testing
import Network
import WeightFiles

@Suite struct ChainInferenceTests {
    static func file(_ shapes: [(String, [Int])], framework: Framework = .pytorch,
                     layerWeights: [LayerWeights] = []) throws -> MemoryWeightFile {
        var random = TestRandom(seed: 9)
        return MemoryWeightFile(path: "/tmp/state.npz", format: .npz, framework: framework,
                                tensors: try shapes.map { try tensor($0.0, $0.1, random: &random, positive: $0.0.hasSuffix("var")) },
                                layerWeights: layerWeights)
    }

    @Test func aTorchStateDictBecomesAChainWithTheActivationBetweenLayers() throws {
        let file = try Self.file([("0.weight", [8, 4]), ("0.bias", [8]), ("2.weight", [8, 8]), ("2.bias", [8]),
                                  ("4.weight", [3, 8]), ("4.bias", [3])])
        let network = try ChainInference.network(for: file, activation: .relu)
        #expect(network.layout == .torch)
        #expect(network.inputShape == [4])
        #expect(network.nodes.map(\.name) == ["input", "0", "relu_1", "2", "relu_2", "4"])
        #expect(network.nodes[1].op == .linear(weight: "0.weight", bias: "0.bias"))
        #expect(network.nodes[5].op == .linear(weight: "4.weight", bias: "4.bias"))
        #expect(network.outputs == [5])
        let said = network.assumptions.joined(separator: "\n")
        #expect(said.contains("inferred from tensor names and shapes"))
        #expect(said.contains("'0.weight' [8, 4] → '2.weight' [8, 8] → '4.weight' [3, 8]"))
        #expect(said.contains("activation relu after every layer except the last ('4.weight')"))
        #expect(said.contains("input: 4 features"))
    }

    @Test func theActivationOptionIsUsedAndBatchNormIsRecognised() throws {
        let file = try Self.file([("fc1.weight", [6, 3]), ("bn.weight", [6]), ("bn.bias", [6]), ("bn.running_mean", [6]),
                                  ("bn.running_var", [6]), ("fc2.weight", [2, 6])])
        let network = try ChainInference.network(for: file, activation: .leakyRelu(alpha: 0.1))
        #expect(network.nodes.map(\.name) == ["input", "fc1", "bn", "leaky_relu_1", "fc2"])
        #expect(network.nodes[2].op == .batchNorm(BatchNorm(gamma: "bn.weight", beta: "bn.bias", mean: "bn.running_mean",
                                                            variance: "bn.running_var", epsilon: 1e-5)))
        #expect(network.assumptions.contains { $0.contains("batchnorm follows the layer before it") })
    }

    @Test func positionalArraysPairWeightsWithTheBiasThatFollows() throws {
        let file = try Self.file([("arr_0", [5, 2]), ("arr_1", [5]), ("arr_2", [1, 5])])
        let network = try ChainInference.network(for: file, activation: .relu)
        #expect(network.nodes[1].op == .linear(weight: "arr_0", bias: "arr_1"))
        #expect(network.nodes[3].op == .linear(weight: "arr_2", bias: nil))
        #expect(network.assumptions.contains("took 'arr_1' as the bias of 'arr_0' (it follows it in the file and has 5 elements)"))
    }

    @Test func shapesThatDoNotChainAreRefusedNamingBothTensors() throws {
        let file = try Self.file([("0.weight", [8, 4]), ("0.bias", [8]), ("2.weight", [3, 9])])
        let error = #expect(throws: NetworkError.self) { try ChainInference.network(for: file, activation: .relu) }
        #expect(error.map(String.init(describing:)) ==
            "/tmp/state.npz: cannot infer the network: shapes do not chain: '0.weight' has shape [8, 4] (8 outputs) but the next tensor '2.weight' has shape [3, 9] (9 inputs); write a spec (--spec)")
    }

    @Test func aConvFollowedByALinearLayerNeedsASpec() throws {
        let file = try Self.file([("conv.weight", [4, 1, 3, 3]), ("fc.weight", [2, 64])])
        let error = #expect(throws: NetworkError.self) { try ChainInference.network(for: file, activation: .relu) }
        #expect(error.map(String.init(describing:))?.contains("the flatten between them needs the spatial input size; write a spec (--spec) with input_shape") == true)
    }

    @Test func aPureConvChainGetsANominalInputSize() throws {
        let file = try Self.file([("c1.weight", [4, 2, 3, 3]), ("c2.weight", [5, 4, 5, 1])])
        let network = try ChainInference.network(for: file, activation: .relu)
        #expect(network.inputShape == [2, 7, 3])
        #expect(try network.shapes(in: file).last == [5, 1, 1])
        #expect(network.assumptions.contains { $0.contains("nominal 7×3") })
    }

    @Test func tensorsWithNoRoleAreRefused() throws {
        let file = try Self.file([("emb", [10, 4, 2]), ("fc.weight", [2, 4])])
        let error = #expect(throws: NetworkError.self) { try ChainInference.network(for: file, activation: .relu) }
        #expect(error.map(String.init(describing:))?.contains("tensor 'emb' with shape [10, 4, 2] is neither") == true)
    }

    @Test func kerasWeightFilesWithoutArchitectureChainTheirLayers() throws {
        let file = try Self.file([("d/kernel", [4, 6]), ("d/bias", [6]), ("e/kernel", [6, 2])], framework: .keras,
                                 layerWeights: [LayerWeights(layer: "d", tensors: ["d/kernel", "d/bias"]),
                                                LayerWeights(layer: "e", tensors: ["e/kernel"])])
        let network = try ChainInference.network(for: file, activation: .relu)
        #expect(network.layout == .keras)
        #expect(network.inputShape == [4])
        #expect(network.nodes.map(\.name) == ["input", "d", "relu_1", "e"])
    }
}
