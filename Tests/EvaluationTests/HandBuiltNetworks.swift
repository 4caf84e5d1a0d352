import Network

/// Networks written out by hand from the fixtures' specs and Keras
/// definitions (fixtures/make_fixtures.py), with the tensor names of one
/// file of each: the evaluator is tested against them independently of the
/// network builders.
enum HandBuiltNetworks {
    /// The fixture file whose tensor names the hand-built network uses.
    static func file(for network: String) -> String {
        switch network {
        case "keras_blockers": return "keras_blockers/model.keras"
        case let name where name.hasPrefix("keras"): return "\(name)/model.h5"
        default: return "\(network)/model.safetensors"
        }
    }

    /// The hand-built network for a manifest network name.
    static func network(_ name: String, inputShape: [Int]) throws -> Network {
        switch name {
        case "torch_mlp", "torch_mlp_f16", "torch_mlp_bf16":
            var chain = Chain(.torch, inputShape)
            chain.linear("fc1", "0.weight", "0.bias"); chain.add("relu1", .activation(.relu))
            chain.linear("fc2", "2.weight", "2.bias"); chain.add("relu2", .activation(.relu))
            chain.linear("fc3", "4.weight", "4.bias")
            return chain.network()
        case "torch_cnn":
            var chain = Chain(.torch, inputShape)
            chain.add("conv1", .conv2d(Conv2D(weight: "0.weight", bias: "0.bias", padding: .symmetric(1, 1))))
            chain.torchBatchNorm("bn1", prefix: "1")
            chain.add("relu1", .activation(.relu))
            chain.add("pool1", .maxPool2d(Pool2D(kernel: [2, 2], stride: [2, 2])))
            chain.add("conv2", .conv2d(Conv2D(weight: "4.weight", bias: "4.bias", padding: .symmetric(1, 1))))
            chain.add("relu2", .activation(.relu))
            chain.add("flatten", .flatten)
            chain.linear("fc", "7.weight", "7.bias")
            return chain.network()
        case "torch_resnet":
            var chain = Chain(.torch, inputShape)
            chain.add("stem_conv", .conv2d(Conv2D(weight: "stem_conv.weight", bias: "stem_conv.bias", padding: .symmetric(1, 1))))
            chain.torchBatchNorm("stem_bn", prefix: "stem_bn")
            chain.add("stem_relu", .activation(.relu))
            chain.add("block_conv1", .conv2d(Conv2D(weight: "block_conv1.weight", bias: "block_conv1.bias", padding: .symmetric(1, 1))))
            chain.torchBatchNorm("block_bn1", prefix: "block_bn1")
            chain.add("block_relu", .activation(.relu))
            chain.add("block_conv2", .conv2d(Conv2D(weight: "block_conv2.weight", bias: "block_conv2.bias", padding: .symmetric(1, 1))))
            chain.torchBatchNorm("block_bn2", prefix: "block_bn2")
            chain.add("add", .add, inputs: ["block_bn2", "stem_relu"])
            chain.add("out_relu", .activation(.relu))
            chain.add("pool", .avgPool2d(Pool2D(kernel: [6, 6], stride: [6, 6])))
            chain.add("flatten", .flatten)
            chain.linear("fc", "fc.weight", "fc.bias")
            return chain.network()
        case "torch_input_skip":
            var chain = Chain(.torch, inputShape)
            chain.linear("fc1", "fc1.weight", "fc1.bias"); chain.add("relu1", .activation(.relu))
            chain.linear("fc2", "fc2.weight", "fc2.bias")
            chain.add("add", .add, inputs: ["input", "fc2"])
            chain.add("relu2", .activation(.relu))
            chain.linear("fc3", "fc3.weight", "fc3.bias")
            return chain.network()
        case "torch_blockers":
            var chain = Chain(.torch, inputShape)
            chain.linear("fc1", "0.weight", "0.bias"); chain.add("act1", .activation(.other("tanh")))
            chain.linear("fc2", "2.weight", "2.bias"); chain.add("act2", .activation(.relu))
            chain.linear("fc3", "4.weight", "4.bias"); chain.add("act3", .activation(.other("gelu")))
            chain.linear("fc4", "6.weight", "6.bias"); chain.add("act4", .activation(.other("relu6")))
            chain.linear("fc5", "8.weight", "8.bias"); chain.add("act5", .activation(.leakyRelu(alpha: 0.1)))
            chain.linear("fc6", "10.weight", "10.bias")
            return chain.network()
        case "keras_mlp", "keras_mlp_adam":
            var chain = Chain(.keras, inputShape)
            chain.linear("dense", "model_weights/dense/sequential/dense/kernel", "model_weights/dense/sequential/dense/bias")
            chain.add("dense_relu", .activation(.relu))
            chain.linear("dense_1", "model_weights/dense_1/sequential/dense_1/kernel", "model_weights/dense_1/sequential/dense_1/bias")
            chain.add("dense_1_relu", .activation(.relu))
            chain.linear("dense_2", "model_weights/dense_2/sequential/dense_2/kernel", "model_weights/dense_2/sequential/dense_2/bias")
            return chain.network()
        case "keras_cnn":
            let p = "model_weights/"
            var chain = Chain(.keras, inputShape)
            chain.add("conv2d", .conv2d(Conv2D(weight: p + "conv2d/sequential/conv2d/kernel",
                                               bias: p + "conv2d/sequential/conv2d/bias", padding: .same)))
            chain.kerasBatchNorm("batch_normalization", prefix: p + "batch_normalization/sequential/batch_normalization/")
            chain.add("re_lu", .activation(.relu))
            chain.add("max_pooling2d", .maxPool2d(Pool2D(kernel: [2, 2], stride: [2, 2])))
            chain.add("conv2d_1", .conv2d(Conv2D(weight: p + "conv2d_1/sequential/conv2d_1/kernel",
                                                 bias: p + "conv2d_1/sequential/conv2d_1/bias", padding: .same)))
            chain.add("conv2d_1_relu", .activation(.relu))
            chain.add("flatten", .flatten)
            chain.linear("dense", p + "dense/sequential/dense/kernel", p + "dense/sequential/dense/bias")
            return chain.network()
        case "keras_resnet":
            let p = "model_weights/"
            var chain = Chain(.keras, inputShape)
            for (conv, bn, relu) in [("stem_conv", "stem_bn", "stem_relu"), ("block_conv1", "block_bn1", "block_relu"),
                                     ("block_conv2", "block_bn2", "")] {
                chain.add(conv, .conv2d(Conv2D(weight: p + "\(conv)/\(conv)/kernel", bias: p + "\(conv)/\(conv)/bias",
                                               padding: .same)))
                chain.kerasBatchNorm(bn, prefix: p + "\(bn)/\(bn)/")
                if !relu.isEmpty { chain.add(relu, .activation(.relu)) }
            }
            chain.add("add", .add, inputs: ["block_bn2", "stem_relu"])
            chain.add("out_relu", .activation(.relu))
            chain.add("gap", .globalAvgPool2d, inputs: ["out_relu"])
            chain.add("gmp", .globalMaxPool2d, inputs: ["out_relu"])
            chain.add("concat", .concatenate(axis: -1), inputs: ["gap", "gmp"])
            chain.linear("dense", p + "dense/dense/kernel", p + "dense/dense/bias")
            return chain.network()
        case "keras_blockers":
            var chain = Chain(.keras, inputShape)
            let activations: [Activation?] = [.other("tanh"), .relu, .other("gelu"), .other("relu6"), .leakyRelu(alpha: 0.1), nil]
            for (index, activation) in activations.enumerated() {
                let layer = index == 0 ? "dense" : "dense_\(index)"
                chain.linear(layer, "layers/\(layer)/vars/0", "layers/\(layer)/vars/1")
                if let activation { chain.add("\(layer)_act", .activation(activation)) }
            }
            return chain.network()
        default:
            throw FixtureError("no hand-built network for \(name)")
        }
    }
}

/// Appends nodes to a graph, each reading the previous one unless named.
struct Chain {
    var layout: Layout
    var inputShape: [Int]
    var nodes = [Node(name: "input", op: .input, inputs: [])]

    init(_ layout: Layout, _ inputShape: [Int]) { self.layout = layout; self.inputShape = inputShape }

    mutating func add(_ name: String, _ op: Op, inputs: [String]? = nil) {
        let indices = inputs.map { names in names.compactMap { n in nodes.firstIndex { $0.name == n } } }
            ?? [nodes.count - 1]
        nodes.append(Node(name: name, op: op, inputs: indices))
    }

    mutating func linear(_ name: String, _ weight: String, _ bias: String?) {
        add(name, .linear(weight: weight, bias: bias))
    }

    mutating func torchBatchNorm(_ name: String, prefix: String) {
        add(name, .batchNorm(BatchNorm(gamma: "\(prefix).weight", beta: "\(prefix).bias", mean: "\(prefix).running_mean",
                                       variance: "\(prefix).running_var", epsilon: 1e-5)))
    }

    mutating func kerasBatchNorm(_ name: String, prefix: String) {
        add(name, .batchNorm(BatchNorm(gamma: prefix + "gamma", beta: prefix + "beta", mean: prefix + "moving_mean",
                                       variance: prefix + "moving_variance", epsilon: 1e-3)))
    }

    func network() -> Network {
        Network(layout: layout, inputShape: inputShape, nodes: nodes, outputs: [nodes.count - 1])
    }
}
