import Testing
import Network
import WeightFiles

@Suite struct KerasBuilderTests {
    /// A Keras file holding `layers` (layer → [(tensor suffix, shape)]) as
    /// `<layer>/<suffix>` tensors, with `json` as its architecture.
    static func kerasFile(_ json: String, _ layers: [(String, [(String, [Int])])], seed: UInt64 = 3) throws -> MemoryWeightFile {
        var random = TestRandom(seed: seed)
        var tensors: [Tensor] = []
        var layerWeights: [LayerWeights] = []
        for (layer, weights) in layers {
            for (suffix, shape) in weights {
                tensors.append(try tensor("\(layer)/\(suffix)", shape, random: &random, positive: suffix == "moving_variance"))
            }
            layerWeights.append(LayerWeights(layer: layer, tensors: weights.map { "\(layer)/\($0.0)" }))
        }
        return MemoryWeightFile(path: "/tmp/model.keras", format: .kerasArchive, framework: .keras,
                                tensors: tensors, architectureJSON: json, layerWeights: layerWeights)
    }

    static func sequentialFile() throws -> MemoryWeightFile {
        try kerasFile(KerasSamples.keras3Sequential, [
            ("dense", [("kernel", [4, 6]), ("bias", [6])]),
            ("dense_1", [("kernel", [6, 5]), ("bias", [5])]),
            ("dense_2", [("kernel", [5, 3]), ("bias", [3])]),
        ])
    }

    static func functionalFile() throws -> MemoryWeightFile {
        try kerasFile(KerasSamples.keras3Functional, [
            ("conv2d", [("kernel", [3, 3, 2, 4])]),
            ("batch_normalization", [("gamma", [4]), ("beta", [4]), ("moving_mean", [4]), ("moving_variance", [4])]),
            ("conv2d_1", [("kernel", [3, 3, 4, 4]), ("bias", [4])]),
            ("batch_normalization_1", [("beta", [4]), ("moving_mean", [4]), ("moving_variance", [4])]),
            ("dense_3", [("kernel", [128, 3]), ("bias", [3])]),
        ])
    }

    @Test func keras3SequentialSplitsActivationsIntoTheirOwnNodes() throws {
        let file = try Self.sequentialFile()
        let network = try KerasNetworkBuilder.network(from: KerasSamples.keras3Sequential, file: file)
        #expect(network.layout == .keras)
        #expect(network.inputShape == [4])
        #expect(network.nodes.map(\.name) == ["input_layer", "dense", "dense/relu", "dense_1", "dense_1/tanh", "dense_2"])
        #expect(network.nodes[1].op == .linear(weight: "dense/kernel", bias: "dense/bias"))
        #expect(network.nodes[2].op == .activation(.relu))
        #expect(network.nodes[4].op == .activation(.other("tanh")))
        #expect(network.nodes.map(\.inputs) == [[], [0], [1], [2], [3], [4]])
        #expect(network.outputs == [5])
    }

    @Test func keras3FunctionalReadsTensorHistoriesAndLayerOptions() throws {
        let file = try Self.functionalFile()
        let network = try KerasNetworkBuilder.network(from: KerasSamples.keras3Functional, file: file)
        let byName = Dictionary(uniqueKeysWithValues: network.nodes.enumerated().map { ($1.name, $0) })
        #expect(network.inputShape == [8, 8, 2])
        #expect(network.nodes[0].name == "input_layer_1")
        let conv = network.nodes[byName["conv2d"] ?? -1]
        #expect(conv.op == .conv2d(Conv2D(weight: "conv2d/kernel", bias: nil, stride: [1, 1], padding: .same, dilation: [1, 1], groups: 1)))
        let norm = network.nodes[byName["batch_normalization_1"] ?? -1]
        #expect(norm.op == .batchNorm(BatchNorm(gamma: nil, beta: "batch_normalization_1/beta",
                                                mean: "batch_normalization_1/moving_mean",
                                                variance: "batch_normalization_1/moving_variance", epsilon: 0.001)))
        let add = network.nodes[byName["add"] ?? -1]
        #expect(add.op == .add)
        #expect(add.inputs == [byName["re_lu"] ?? -1, byName["batch_normalization_1"] ?? -1])
        #expect(network.nodes[byName["re_lu"] ?? -1].op == .activation(.relu))
        #expect(network.nodes[byName["max_pooling2d"] ?? -1].op == .maxPool2d(Pool2D(kernel: [2, 2], stride: [2, 2])))
        let concat = network.nodes[byName["concatenate"] ?? -1]
        #expect(concat.op == .concatenate(axis: 2))
        #expect(concat.inputs == [byName["max_pooling2d"] ?? -1, byName["max_pooling2d"] ?? -1])
        #expect(network.nodes[byName["dropout"] ?? -1].op == .activation(.identity))
        #expect(network.nodes[byName["dense_3/softmax"] ?? -1].op == .activation(.other("softmax")))
        #expect(network.outputs == [byName["dense_3/softmax"] ?? -1])
        #expect(try network.shapes(in: file)[byName["flatten"] ?? -1] == [128])
    }

    @Test func keras2InboundNodesLeakyAlphaAndClippedRelu() throws {
        let file = try Self.kerasFile(KerasSamples.keras2Functional, [
            ("dense", [("kernel", [4, 8]), ("bias", [8])]),
            ("dense_1", [("kernel", [8, 8])]),
            ("dense_2", [("kernel", [8, 2]), ("bias", [2])]),
        ])
        let network = try KerasNetworkBuilder.network(from: KerasSamples.keras2Functional, file: file)
        #expect(network.nodes.map(\.name) == ["input_1", "dense", "leaky_re_lu", "dense_1", "dense_1/relu", "add", "re_lu", "dense_2"])
        #expect(network.nodes[2].op == .activation(.leakyRelu(alpha: 0.30000001192092896)))
        #expect(network.nodes[3].op == .linear(weight: "dense_1/kernel", bias: nil))
        #expect(network.nodes[5].inputs == [4, 2])
        #expect(network.nodes[6].op == .activation(.other("relu6")))
        #expect(network.inputShape == [4])
    }

    @Test func aLayerWhoseWeightsDoNotMatchItsConfigIsRefusedByName() throws {
        let file = try Self.kerasFile(KerasSamples.keras3Sequential, [
            ("dense", [("kernel", [4, 6])]),
            ("dense_1", [("kernel", [6, 5]), ("bias", [5])]),
            ("dense_2", [("kernel", [5, 3]), ("bias", [3])]),
        ])
        let error = #expect(throws: NetworkError.self) {
            try KerasNetworkBuilder.network(from: KerasSamples.keras3Sequential, file: file)
        }
        let message = error.map(String.init(describing:)) ?? ""
        #expect(message.hasPrefix("/tmp/model.keras: cannot use the Keras architecture: layer 'dense'"))
        #expect(message.contains("needs 2 (kernel, bias)"))
    }

    @Test func unknownLayersBecomeBlockersNamedByClass() throws {
        let json = #"""
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "Dense", "config": {"name": "d", "units": 3, "activation": "linear", "batch_input_shape": [null, 2]}},
          {"class_name": "LayerNormalization", "config": {"name": "layer_normalization", "axis": [-1]}},
          {"class_name": "Dense", "config": {"name": "e", "units": 1, "activation": "sigmoid", "use_bias": false}}]}}
        """#
        let file = try Self.kerasFile(json, [("d", [("kernel", [2, 3]), ("bias", [3])]),
                                             ("layer_normalization", [("gamma", [3]), ("beta", [3])]),
                                             ("e", [("kernel", [3, 1])])])
        let network = try KerasNetworkBuilder.network(from: json, file: file)
        #expect(network.nodes.map(\.name) == ["input", "d", "layer_normalization", "e", "e/sigmoid"])
        #expect(network.nodes[2].op == .activation(.other("LayerNormalization")))
        #expect(network.inputShape == [2])
    }

    @Test func malformedArchitecturesAreRefusedWithTheFileName() throws {
        let file = try Self.sequentialFile()
        for (json, expected) in [
            ("{not json", "not valid JSON"),
            (#"{"class_name": "Graph", "config": {}}"#, "'Graph' is not Sequential, Functional or Model"),
            (#"{"class_name": "Functional", "config": {"layers": [{"class_name": "InputLayer", "config": {"name": "a", "batch_shape": [null, 2]}, "name": "a", "inbound_nodes": []}, {"class_name": "Dense", "config": {"name": "d", "units": 1}, "name": "d", "inbound_nodes": [[["ghost", 0, 0, {}]]]}], "input_layers": [["a", 0, 0]], "output_layers": [["d", 0, 0]]}}"#, "layer 'd': reads 'ghost'"),
        ] {
            let error = #expect(throws: NetworkError.self) { try KerasNetworkBuilder.network(from: json, file: file) }
            let message = error.map(String.init(describing:)) ?? ""
            #expect(message.hasPrefix("/tmp/model.keras:"), "\(message)")
            #expect(message.contains(expected), "\(message)")
        }
    }
}
