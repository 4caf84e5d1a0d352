import Testing
import Network
import WeightFiles

@Suite struct SpecBuilderTests {
    /// A torch CNN state dict: conv(1→4, 3×3, pad 1) → BN → relu → maxpool 2 → flatten → fc(64→3).
    static func cnnFile(fcIn: Int = 64) throws -> MemoryWeightFile {
        var random = TestRandom(seed: 5)
        return MemoryWeightFile(path: "/tmp/cnn.safetensors", tensors: [
            try tensor("0.weight", [4, 1, 3, 3], random: &random), try tensor("0.bias", [4], random: &random),
            try tensor("1.weight", [4], random: &random), try tensor("1.bias", [4], random: &random),
            try tensor("1.running_mean", [4], random: &random), try tensor("1.running_var", [4], random: &random, positive: true),
            try tensor("7.weight", [3, fcIn], random: &random), try tensor("7.bias", [3], random: &random),
        ])
    }

    static let designSpec = """
    layout: torch            # torch: (out, in) kernels, NCHW
    input_shape: [1, 8, 8]
    layers:
      - {name: conv1, op: conv2d, weight: 0.weight, bias: 0.bias, stride: 1, padding: 1}
      - {name: bn1, op: batchnorm, weight: 1.weight, bias: 1.bias,
         running_mean: 1.running_mean, running_var: 1.running_var, eps: 0.00001}
      - {op: relu}
      - {op: max_pool2d, kernel_size: 2, stride: 2}
      - {op: flatten}
      - {name: fc, op: linear, weight: 7.weight, bias: 7.bias}
    """

    @Test func theDesignDocumentsExampleSpecBuildsTheNetwork() throws {
        let network = try SpecNetworkBuilder.network(specText: Self.designSpec, specPath: "/tmp/net.yaml", file: try Self.cnnFile())
        #expect(network.layout == .torch)
        #expect(network.inputShape == [1, 8, 8])
        #expect(network.nodes.map(\.name) == ["input", "conv1", "bn1", "relu_2", "max_pool2d_3", "flatten_4", "fc"])
        #expect(network.nodes[1].op == .conv2d(Conv2D(weight: "0.weight", bias: "0.bias", padding: .symmetric(1, 1))))
        #expect(network.nodes[2].op == .batchNorm(BatchNorm(gamma: "1.weight", beta: "1.bias", mean: "1.running_mean",
                                                            variance: "1.running_var", epsilon: 0.00001)))
        #expect(network.nodes[4].op == .maxPool2d(Pool2D(kernel: [2, 2], stride: [2, 2])))
        #expect(network.outputs == [6])
        #expect(try network.shapes(in: try Self.cnnFile()).last == [3])
    }

    @Test func jsonSpecsUseTheSameKeysAndInputsWireResiduals() throws {
        var random = TestRandom(seed: 6)
        let file = MemoryWeightFile(tensors: [
            try tensor("a.weight", [5, 3], random: &random), try tensor("b.weight", [5, 5], random: &random),
            try tensor("c.weight", [2, 10], random: &random),
        ])
        let json = """
        {"layout": "torch", "layers": [
          {"name": "a", "op": "linear", "weight": "a.weight"},
          {"name": "ra", "op": "leaky_relu", "alpha": 0.1},
          {"name": "b", "op": "linear", "weight": "b.weight"},
          {"name": "sum", "op": "add", "inputs": ["ra", "b"]},
          {"name": "cat", "op": "concatenate", "inputs": ["sum", "ra"]},
          {"name": "g", "op": "gelu"},
          {"name": "c", "op": "linear", "weight": "c.weight"}]}
        """
        let network = try SpecNetworkBuilder.network(specText: json, specPath: "/tmp/net.json", file: file)
        #expect(network.inputShape == [3])
        #expect(network.nodes[2].op == .activation(.leakyRelu(alpha: 0.1)))
        #expect(network.nodes[4].inputs == [2, 3])
        #expect(network.nodes[5].op == .concatenate(axis: 0))
        #expect(network.nodes[5].inputs == [4, 2])
        #expect(network.nodes[6].op == .activation(.other("gelu")))
    }

    @Test func aMissingTensorNamesTheSpecTheLayerAndTheTensor() throws {
        let spec = Self.designSpec.replacingOccurrences(of: "7.bias", with: "7.biass")
        let error = #expect(throws: NetworkError.self) {
            try SpecNetworkBuilder.network(specText: spec, specPath: "/tmp/net.yaml", file: try Self.cnnFile())
        }
        #expect(error.map(String.init(describing:)) == "/tmp/net.yaml: layer 'fc': tensor '7.biass' (bias) is not in /tmp/cnn.safetensors")
    }

    @Test func aTensorOfTheWrongShapeNamesTheSpecTheLayerAndTheTensor() throws {
        let error = #expect(throws: NetworkError.self) {
            try SpecNetworkBuilder.network(specText: Self.designSpec, specPath: "/tmp/net.yaml", file: try Self.cnnFile(fcIn: 60))
        }
        let message = error.map(String.init(describing:)) ?? ""
        #expect(message.hasPrefix("/tmp/net.yaml: layer 'fc': weight '7.weight' has shape [3, 60]: 60 in-features, but the incoming tensor has 64 features"))
        #expect(message.contains("tensors of /tmp/cnn.safetensors"))
    }

    @Test(arguments: [
        ("layers: []", "'layers' must be a non-empty list"),
        ("layout: caffe\nlayers: [{op: relu}]", "layout 'caffe' is neither torch nor keras"),
        ("layers: [{op: linear}]", "layer 'linear_0': 'weight' (a tensor name) is required"),
        ("layers: [{op: relu, strid: 2}]", "layer 'relu_0': unknown key 'strid'"),
        ("layers: [{op: add, inputs: [nowhere]}]", "layer 'add_0': input 'nowhere' is not an earlier layer"),
        ("layers: [{op: max_pool2d}]", "layer 'max_pool2d_0': 'kernel_size' is required"),
        ("layers: {op: relu", "not valid YAML"),
        ("input_shape: [1, 0, 8]\nlayers: [{op: relu}]", "input_shape must be a list of positive sizes"),
    ])
    func badSpecsAreRefusedWithTheirFileName(spec: String, expected: String) throws {
        let error = #expect(throws: NetworkError.self) {
            try SpecNetworkBuilder.network(specText: spec, specPath: "/tmp/bad.yaml", file: try Self.cnnFile())
        }
        let message = error.map(String.init(describing:)) ?? ""
        #expect(message.hasPrefix("/tmp/bad.yaml:"), "\(message)")
        #expect(message.contains(expected), "\(message)")
    }
}
