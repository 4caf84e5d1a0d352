import Foundation
import WeightFiles

/// Builds a `Network` from the architecture a Keras file carries.
public enum KerasNetworkBuilder {
    /// The network described by `json` (a legacy `.h5` `model_config` or a
    /// `.keras` archive's config.json; Sequential, Functional or Model;
    /// Keras 2 or Keras 3 inbound_nodes), with parameter tensors named as
    /// `file.layerWeights` lists them. Layout is keras; the input shape
    /// comes from the InputLayer (or the first layer's build shape).
    ///
    /// Dense and Conv2D activations become separate nodes named
    /// `<layer>/<activation>`; Dropout and its kin are identities; layers
    /// fulcrum does not model become blocker activations named by their
    /// class. The result is `normalised(in:)`, so its shapes are checked.
    /// - Throws: `NetworkError.invalidArchitecture` or `.shapeMismatch`
    ///   naming the file and the layer.
    public static func network(from json: String, file: WeightFile) throws -> Network {
        let path = file.url.path
        let architecture = try KerasArchitecture(json: json, path: path)
        var translation = KerasTranslation(path: path, file: file)
        let network = try translation.translate(architecture).normalised(in: file)
        try translation.checkBatchNormAxes(of: network, file: file)
        return network
    }
}

/// The state of translating Keras layers into nodes.
struct KerasTranslation {
    let path: String
    let weightsByLayer: [String: [String]]
    var nodes: [Node] = []
    /// The node holding each Keras layer's output.
    var outputOf: [String: Int] = [:]
    /// BatchNormalization nodes and their configured axis (batch included).
    var batchNormAxes: [(node: Int, axis: Int)] = []

    init(path: String, file: WeightFile) {
        self.path = path
        var weights: [String: [String]] = [:]
        for entry in file.layerWeights { weights[entry.layer] = entry.tensors }
        weightsByLayer = weights
    }

    func fail(_ layer: String, _ reason: String) -> NetworkError {
        .invalidArchitecture(path: path, reason: "layer '\(layer)': \(reason)")
    }

    @discardableResult
    mutating func append(_ name: String, _ op: Op, _ inputs: [Int]) -> Int {
        nodes.append(Node(name: name, op: op, inputs: inputs))
        return nodes.count - 1
    }

    mutating func translate(_ architecture: KerasArchitecture) throws -> Network {
        let inputLayers = architecture.layers.filter { $0.className == "InputLayer" }
        guard inputLayers.count <= 1 else {
            throw NetworkError.invalidArchitecture(path: path,
                reason: "the model has \(inputLayers.count) inputs; fulcrum supports one")
        }
        var batchShape: [Int]?
        if let input = inputLayers.first {
            append(input.name, .input, [])
            outputOf[input.name] = 0
            batchShape = input.builtInputShape
        } else if architecture.className == "Sequential" {
            append("input", .input, [])
            batchShape = architecture.layers.first?.builtInputShape ?? architecture.builtInputShape
        } else {
            throw NetworkError.invalidArchitecture(path: path, reason: "the functional model has no InputLayer")
        }
        var pending = architecture.layers.filter { $0.className != "InputLayer" }
        if architecture.className == "Sequential", inputLayers.isEmpty, !pending.isEmpty {
            pending[0].inputs = ["input"]
            outputOf["input"] = 0
        }
        // Keras lists layers in dependency order; tolerate any order anyway.
        while !pending.isEmpty {
            guard let next = pending.firstIndex(where: { layer in layer.inputs.allSatisfy { outputOf[$0] != nil } }) else {
                let layer = pending[0]
                let missing = layer.inputs.filter { outputOf[$0] == nil }
                throw fail(layer.name, missing.isEmpty ? "it has no inputs"
                           : "reads \(missing.map { "'\($0)'" }.joined(separator: ", ")), which no layer produces (or a cycle)")
            }
            let layer = pending.remove(at: next)
            guard !layer.inputs.isEmpty else { throw fail(layer.name, "it has no inputs") }
            outputOf[layer.name] = try translate(layer, inputs: layer.inputs.compactMap { outputOf[$0] })
        }
        let outputs = try architecture.outputs.map { name -> Int in
            guard let node = outputOf[name] else {
                throw NetworkError.invalidArchitecture(path: path, reason: "output layer '\(name)' is not in the model")
            }
            return node
        }
        var inputShape: [Int]?
        if let batchShape, batchShape.count >= 2 {
            let sample = Array(batchShape.dropFirst())
            inputShape = sample.allSatisfy { $0 > 0 } ? sample : nil
        }
        return Network(layout: .keras, inputShape: inputShape, nodes: nodes, outputs: outputs)
    }

    /// The file's weight tensors of `layer`, checked against the roles the
    /// config implies.
    func weights(_ layer: String, _ roles: [String]) throws -> [String] {
        guard let tensors = weightsByLayer[layer] else {
            if roles.isEmpty { return [] }
            throw fail(layer, "the file has no weights for it (needs \(roles.joined(separator: ", ")))")
        }
        guard tensors.count == roles.count else {
            throw fail(layer, "the file has \(tensors.count) weight tensor(s) \(tensors) but its config needs \(roles.count) (\(roles.joined(separator: ", ")))")
        }
        return tensors
    }

    /// Appends the nodes of one layer; returns the node holding its output.
    mutating func translate(_ layer: KerasLayer, inputs: [Int]) throws -> Int {
        let config = layer.config, name = layer.name
        func single() throws -> Int {
            guard inputs.count == 1 else { throw fail(name, "\(layer.className) takes one input, got \(inputs.count)") }
            return inputs[0]
        }
        let format = ConfigValue.string(config["data_format"])
        if let format, format != "channels_last" {
            throw fail(name, "data_format \(format) is not supported (only channels_last)")
        }
        switch layer.className {
        case "Dense":
            let useBias = ConfigValue.bool(config["use_bias"]) ?? true
            let tensors = try weights(name, useBias ? ["kernel", "bias"] : ["kernel"])
            let node = append(name, .linear(weight: tensors[0], bias: useBias ? tensors[1] : nil), [try single()])
            return try appendActivation(of: layer, after: node)
        case "Conv2D", "Convolution2D":
            let useBias = ConfigValue.bool(config["use_bias"]) ?? true
            let tensors = try weights(name, useBias ? ["kernel", "bias"] : ["kernel"])
            let stride = ConfigValue.pair(config["strides"]) ?? [1, 1]
            let dilation = ConfigValue.pair(config["dilation_rate"]) ?? [1, 1]
            let groups = ConfigValue.int(config["groups"]) ?? 1
            let conv = Conv2D(weight: tensors[0], bias: useBias ? tensors[1] : nil, stride: stride,
                              padding: try padding(name, config["padding"]), dilation: dilation, groups: groups)
            let node = append(name, .conv2d(conv), [try single()])
            return try appendActivation(of: layer, after: node)
        case "BatchNormalization":
            let center = ConfigValue.bool(config["center"]) ?? true
            let scale = ConfigValue.bool(config["scale"]) ?? true
            var roles = scale ? ["gamma"] : []
            if center { roles.append("beta") }
            roles += ["moving_mean", "moving_variance"]
            let tensors = try weights(name, roles)
            var next = tensors.makeIterator()
            let gamma = scale ? next.next() : nil
            let beta = center ? next.next() : nil
            guard let mean = next.next(), let variance = next.next() else { throw fail(name, "missing moving statistics") }
            let epsilon = ConfigValue.double(config["epsilon"]) ?? 0.001
            let axis = ConfigValue.int(config["axis"]) ?? ConfigValue.intList(config["axis"]).flatMap { $0.count == 1 ? $0[0] : nil }
            guard let axis else { throw fail(name, "BatchNormalization over several axes is not supported") }
            let node = append(name, .batchNorm(BatchNorm(gamma: gamma, beta: beta, mean: mean, variance: variance,
                                                         epsilon: epsilon)), [try single()])
            batchNormAxes.append((node, axis))
            return node
        case "Activation":
            let activation = try kerasActivation(name, config["activation"]) ?? .identity
            return append(name, .activation(activation), [try single()])
        case "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU":
            let activation = try activationLayer(name, className: layer.className, config: config)
            return append(name, .activation(activation), [try single()])
        case "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
             "GaussianNoise", "AlphaDropout", "ActivityRegularization":
            return append(name, .activation(.identity), [try single()])
        case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D":
            guard let kernel = ConfigValue.pair(config["pool_size"]) else { throw fail(name, "pool_size is missing") }
            let stride = ConfigValue.isNull(config["strides"]) ? kernel : (ConfigValue.pair(config["strides"]) ?? kernel)
            let padding = try padding(name, config["padding"])
            let pool = Pool2D(kernel: kernel, stride: stride, padding: padding, countIncludesPadding: padding != .same)
            let isMax = layer.className.hasPrefix("Max")
            return append(name, isMax ? .maxPool2d(pool) : .avgPool2d(pool), [try single()])
        case "GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalMaxPooling2D", "GlobalMaxPool2D":
            let op: Op = layer.className.hasPrefix("GlobalMax") ? .globalMaxPool2d : .globalAvgPool2d
            let node = append(name, op, [try single()])
            guard ConfigValue.bool(config["keepdims"]) == true else { return node }
            return append("\(name)/keepdims", .reshape(shape: [1, 1, -1]), [node])
        case "Flatten":
            return append(name, .flatten, [try single()])
        case "Reshape":
            guard let target = ConfigValue.intList(config["target_shape"]) else { throw fail(name, "target_shape is missing") }
            return append(name, .reshape(shape: target), [try single()])
        case "Add":
            return append(name, .add, inputs)
        case "Concatenate":
            let axis = ConfigValue.int(config["axis"]) ?? -1
            guard axis != 0 else { throw fail(name, "concatenation along the batch axis is not supported") }
            return append(name, .concatenate(axis: axis > 0 ? axis - 1 : axis), inputs)
        default:
            return appendBlocker(name, className: layer.className, inputs: inputs)
        }
    }

    /// A layer fulcrum does not model: a non-homogeneous blocker named by
    /// its class. With several inputs, each input passes its own blocker
    /// and an add joins them, so every unit feeding it is blocked and its
    /// output is never rescaled.
    mutating func appendBlocker(_ name: String, className: String, inputs: [Int]) -> Int {
        if inputs.count == 1 { return append(name, .activation(.other(className)), inputs) }
        let branches = inputs.enumerated().map { k, input in
            append("\(name)/input\(k)", .activation(.other(className)), [input])
        }
        return append(name, .add, branches)
    }

    /// Appends the activation a Dense or Conv2D config names, unless linear.
    mutating func appendActivation(of layer: KerasLayer, after node: Int) throws -> Int {
        guard let activation = try kerasActivation(layer.name, layer.config["activation"]) else { return node }
        return append("\(layer.name)/\(activation.baseName)", .activation(activation), [node])
    }

    /// The activation a Keras `activation` value names, or nil for linear /
    /// absent. Accepts a string or a serialised object.
    func kerasActivation(_ layer: String, _ value: Any?) throws -> Activation? {
        if ConfigValue.isNull(value) { return nil }
        if let name = ConfigValue.string(value) {
            let activation = Activation.named(name, defaultLeakySlope: 0.2)
            return activation == .identity ? nil : activation
        }
        if let object = ConfigValue.dictionary(value) {
            if let name = ConfigValue.string(object["config"]) {
                return try kerasActivation(layer, name)
            }
            if let className = ConfigValue.string(object["class_name"]) {
                return try activationLayer(layer, className: className, config: ConfigValue.dictionary(object["config"]) ?? [:])
            }
        }
        throw fail(layer, "unreadable activation \(String(describing: value))")
    }

    /// The activation of ReLU, LeakyReLU, PReLU, ELU, Softmax and
    /// ThresholdedReLU layers. A ReLU with max_value or threshold clips, so
    /// it blocks ("relu6" for max_value 6).
    func activationLayer(_ layer: String, className: String, config: [String: Any]) throws -> Activation {
        switch className {
        case "ReLU":
            let slope = ConfigValue.double(config["negative_slope"]) ?? 0
            let threshold = ConfigValue.double(config["threshold"]) ?? 0
            if let maximum = ConfigValue.double(config["max_value"]) {
                return .other(maximum == 6 ? "relu6" : "relu(max_value=\(maximum))")
            }
            if threshold != 0 { return .other("relu(threshold=\(threshold))") }
            return slope == 0 ? .relu : .leakyRelu(alpha: slope)
        case "LeakyReLU":
            let slope = ConfigValue.double(config["negative_slope"]) ?? ConfigValue.double(config["alpha"]) ?? 0.3
            return .leakyRelu(alpha: slope)
        case "PReLU":
            let tensors = try weights(layer, ["alpha"])
            return .prelu(alpha: tensors[0])
        case "ELU": return .other("elu")
        case "Softmax": return .other("softmax")
        case "ThresholdedReLU": return .other("thresholded_relu")
        default: return .other(className)
        }
    }

    /// `same` or `valid`.
    func padding(_ layer: String, _ value: Any?) throws -> Padding {
        switch ConfigValue.string(value)?.lowercased() ?? "valid" {
        case "valid": return .valid
        case "same": return .same
        case let other: throw fail(layer, "padding '\(other)' is not supported")
        }
    }

    /// Refuses a BatchNormalization whose axis is not the channel axis.
    func checkBatchNormAxes(of network: Network, file: WeightFile) throws {
        guard !batchNormAxes.isEmpty else { return }
        let shapes = try network.shapes(in: file)
        for (node, axis) in batchNormAxes {
            let rank = shapes[node].count
            guard axis == -1 || axis == rank else {
                throw fail(network.nodes[node].name, "BatchNormalization over axis \(axis) is not the channel axis (-1)")
            }
        }
    }
}
