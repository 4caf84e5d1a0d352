import Foundation
import WeightFiles
import Yams

/// Builds a `Network` from a network spec file (YAML or JSON, same keys):
///
/// ```yaml
/// layout: torch            # torch (default) or keras
/// input_shape: [1, 8, 8]   # one sample, layout order; needed for conv nets
/// outputs: [fc]            # optional; default: the last layer
/// layers:
///   - {name: conv1, op: conv2d, weight: 0.weight, bias: 0.bias, stride: 1, padding: 1}
///   - {name: bn1, op: batchnorm, weight: 1.weight, bias: 1.bias,
///      running_mean: 1.running_mean, running_var: 1.running_var, eps: 0.00001}
///   - {op: relu}
///   - {op: max_pool2d, kernel_size: 2, stride: 2}
///   - {op: flatten}
///   - {name: fc, op: linear, weight: 7.weight, bias: 7.bias}
/// ```
///
/// A layer reads the previous layer's output unless it lists `inputs:`
/// (layer names; `input` is the network input). Ops: `linear`, `conv2d`
/// (stride, padding: number, pair, `same` or `valid'; dilation, groups),
/// `batchnorm` (weight, bias, running_mean, running_var, eps),
/// `relu`, `leaky_relu` (alpha, default 0.01), `prelu` (weight), `identity`,
/// `dropout`, `max_pool2d` / `avg_pool2d` (kernel_size, stride, padding),
/// `global_avg_pool2d`, `global_max_pool2d`, `flatten`, `reshape` (shape),
/// `add`, `concatenate` (axis of the per-sample shape, default the channel
/// axis). Any other op name (tanh, gelu, relu6, …) is a non-homogeneous
/// blocker. Unnamed layers are called `<op>_<position>`.
public enum SpecNetworkBuilder {
    /// The network the spec at `url` describes over the tensors of `file`.
    /// - Throws: `NetworkError.invalidSpec` / `.invalidSpecLayer` naming the
    ///   spec file (and layer and tensor): unreadable file, unknown key,
    ///   missing tensor, shape that does not fit.
    public static func network(specAt url: URL, file: WeightFile) throws -> Network {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw NetworkError.invalidSpec(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try network(specText: text, specPath: url.path, file: file)
    }

    /// The network described by spec text; `specPath` is used in errors and
    /// to choose JSON (a `.json` path) or YAML.
    public static func network(specText: String, specPath: String, file: WeightFile) throws -> Network {
        let root = try parse(specText, path: specPath)
        var reader = SpecReader(path: specPath, file: file)
        return try reader.build(root)
    }

    static func parse(_ text: String, path: String) throws -> [String: Any] {
        let object: Any?
        do {
            if path.lowercased().hasSuffix(".json") {
                object = try JSONSerialization.jsonObject(with: Data(text.utf8))
            } else {
                object = try SafeYAML.load(text)
            }
        } catch {
            throw NetworkError.invalidSpec(path: path, reason: "not valid \(path.lowercased().hasSuffix(".json") ? "JSON" : "YAML"): \(error)")
        }
        guard let root = ConfigValue.dictionary(object) else {
            throw NetworkError.invalidSpec(path: path, reason: "the top level must be a map with a 'layers' list")
        }
        return root
    }
}

/// Reads one spec into nodes.
struct SpecReader {
    let path: String
    let file: WeightFile
    var layout: Layout = .torch
    var nodes: [Node] = []
    var indexOf: [String: Int] = [:]

    init(path: String, file: WeightFile) {
        self.path = path
        self.file = file
    }

    static let topKeys: Set<String> = ["layout", "input_shape", "layers", "outputs"]
    static let layerKeys: Set<String> = ["name", "op", "weight", "bias", "running_mean", "running_var", "eps",
                                         "stride", "padding", "dilation", "groups", "kernel_size", "alpha",
                                         "inputs", "shape", "axis", "count_include_pad"]

    func fail(_ reason: String) -> NetworkError { .invalidSpec(path: path, reason: reason) }
    func fail(_ layer: String, _ reason: String) -> NetworkError {
        .invalidSpecLayer(path: path, layer: layer, reason: reason)
    }

    mutating func build(_ root: [String: Any]) throws -> Network {
        if let unknown = root.keys.filter({ !Self.topKeys.contains($0) }).sorted().first {
            throw fail("unknown key '\(unknown)' (expected layout, input_shape, layers, outputs)")
        }
        switch ConfigValue.string(root["layout"])?.lowercased() {
        case nil: layout = file.framework == .keras ? .keras : .torch
        case "torch", "pytorch": layout = .torch
        case "keras", "tensorflow": layout = .keras
        case let other?: throw fail("layout '\(other)' is neither torch nor keras")
        }
        var inputShape: [Int]?
        if !ConfigValue.isNull(root["input_shape"]) {
            guard let shape = ConfigValue.intList(root["input_shape"]), !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
                throw fail("input_shape must be a list of positive sizes, e.g. [1, 8, 8]")
            }
            inputShape = shape
        }
        guard let layers = ConfigValue.array(root["layers"]), !layers.isEmpty else {
            throw fail("'layers' must be a non-empty list")
        }
        nodes = [Node(name: "input", op: .input, inputs: [])]
        indexOf = ["input": 0]
        for (position, entry) in layers.enumerated() {
            guard let layer = ConfigValue.dictionary(entry) else {
                throw fail("layer #\(position) is not a map of keys")
            }
            try read(layer, position: position)
        }
        var outputs = [nodes.count - 1]
        if !ConfigValue.isNull(root["outputs"]) {
            guard let names = ConfigValue.array(root["outputs"])?.compactMap(ConfigValue.string), !names.isEmpty else {
                throw fail("outputs must be a list of layer names")
            }
            outputs = try names.map { name in
                guard let index = indexOf[name] else { throw fail("output '\(name)' is not a layer") }
                return index
            }
        }
        let network = Network(layout: layout, inputShape: inputShape, nodes: nodes, outputs: outputs)
        do {
            return try network.normalised(in: file)
        } catch let NetworkError.shapeMismatch(_, node, reason) {
            throw fail(node, "\(reason) (tensors of \(file.url.path))")
        }
    }

    mutating func read(_ layer: [String: Any], position: Int) throws {
        guard let op = ConfigValue.string(layer["op"])?.lowercased() else {
            throw fail("layer #\(position) has no 'op'")
        }
        var name = ConfigValue.string(layer["name"]) ?? ConfigValue.int(layer["name"]).map(String.init) ?? ""
        if name.isEmpty {
            name = "\(op)_\(position)"
            while indexOf[name] != nil { name += "_" }
        } else if indexOf[name] != nil {
            throw fail(name, "another layer (or the network input) already has this name")
        }
        if let unknown = layer.keys.filter({ !Self.layerKeys.contains($0) }).sorted().first {
            throw fail(name, "unknown key '\(unknown)'")
        }
        let inputs: [Int]
        if ConfigValue.isNull(layer["inputs"]) {
            inputs = [nodes.count - 1]
        } else {
            guard let names = ConfigValue.array(layer["inputs"])?.map({ ConfigValue.string($0) ?? ConfigValue.int($0).map(String.init) }),
                  !names.isEmpty, names.allSatisfy({ $0 != nil }) else {
                throw fail(name, "inputs must be a list of earlier layer names")
            }
            inputs = try names.compactMap { $0 }.map { input in
                guard let index = indexOf[input] else {
                    throw fail(name, "input '\(input)' is not an earlier layer (or 'input')")
                }
                return index
            }
        }
        let made = try makeOp(op, layer, name: name)
        nodes.append(Node(name: name, op: made, inputs: inputs))
        indexOf[name] = nodes.count - 1
    }

    /// A tensor named by key `key`, checked to exist in the file.
    func tensor(_ layer: [String: Any], _ key: String, name: String, required: Bool) throws -> String? {
        guard !ConfigValue.isNull(layer[key]) else {
            if required { throw fail(name, "'\(key)' (a tensor name) is required") }
            return nil
        }
        guard let tensor = ConfigValue.string(layer[key]) else {
            throw fail(name, "'\(key)' must be a tensor name")
        }
        guard file.tensorNames.contains(tensor) else {
            throw fail(name, "tensor '\(tensor)' (\(key)) is not in \(file.url.path)")
        }
        return tensor
    }

    func pair(_ layer: [String: Any], _ key: String, name: String, default value: [Int]?) throws -> [Int] {
        if ConfigValue.isNull(layer[key]) {
            guard let value else { throw fail(name, "'\(key)' is required") }
            return value
        }
        guard let pair = ConfigValue.pair(layer[key]), pair.allSatisfy({ $0 >= 1 }) else {
            throw fail(name, "'\(key)' must be a positive number or a pair of them")
        }
        return pair
    }

    func padding(_ layer: [String: Any], name: String) throws -> Padding {
        let value = layer["padding"]
        if ConfigValue.isNull(value) { return .valid }
        if let word = ConfigValue.string(value)?.lowercased(), ConfigValue.int(value) == nil {
            switch word {
            case "same": return .same
            case "valid": return .valid
            default: throw fail(name, "padding '\(word)' must be a number, a pair, same or valid")
            }
        }
        if let list = ConfigValue.intList(value), list.count == 4, list.allSatisfy({ $0 >= 0 }) {
            return .explicit(top: list[0], bottom: list[1], left: list[2], right: list[3])
        }
        guard let pair = ConfigValue.pair(value), pair.allSatisfy({ $0 >= 0 }) else {
            throw fail(name, "padding must be a number, a pair [ph, pw], [top, bottom, left, right], same or valid")
        }
        return .symmetric(pair[0], pair[1])
    }

    func makeOp(_ op: String, _ layer: [String: Any], name: String) throws -> Op {
        switch op {
        case "linear", "dense":
            let weight = try tensor(layer, "weight", name: name, required: true) ?? ""
            return .linear(weight: weight, bias: try tensor(layer, "bias", name: name, required: false))
        case "conv2d", "conv":
            let weight = try tensor(layer, "weight", name: name, required: true) ?? ""
            let groups = ConfigValue.isNull(layer["groups"]) ? 1 : ConfigValue.int(layer["groups"]) ?? 0
            guard groups >= 1 else { throw fail(name, "'groups' must be a positive number") }
            return .conv2d(Conv2D(weight: weight, bias: try tensor(layer, "bias", name: name, required: false),
                                  stride: try pair(layer, "stride", name: name, default: [1, 1]),
                                  padding: try padding(layer, name: name),
                                  dilation: try pair(layer, "dilation", name: name, default: [1, 1]),
                                  groups: groups))
        case "batchnorm", "batch_norm", "batchnorm2d", "batchnorm1d":
            let epsilon = ConfigValue.isNull(layer["eps"]) ? 1e-5 : ConfigValue.double(layer["eps"])
            guard let epsilon, epsilon >= 0 else { throw fail(name, "'eps' must be a non-negative number") }
            return .batchNorm(BatchNorm(
                gamma: try tensor(layer, "weight", name: name, required: false),
                beta: try tensor(layer, "bias", name: name, required: false),
                mean: try tensor(layer, "running_mean", name: name, required: true) ?? "",
                variance: try tensor(layer, "running_var", name: name, required: true) ?? "",
                epsilon: epsilon))
        case "relu": return .activation(.relu)
        case "leaky_relu", "leakyrelu":
            let alpha = ConfigValue.isNull(layer["alpha"]) ? 0.01 : ConfigValue.double(layer["alpha"])
            guard let alpha else { throw fail(name, "'alpha' must be a number") }
            return .activation(.leakyRelu(alpha: alpha))
        case "prelu":
            return .activation(.prelu(alpha: try tensor(layer, "weight", name: name, required: true) ?? ""))
        case "identity", "dropout", "linear_activation":
            return .activation(.identity)
        case "max_pool2d", "maxpool2d", "avg_pool2d", "avgpool2d":
            let kernel = try pair(layer, "kernel_size", name: name, default: nil)
            let pool = Pool2D(kernel: kernel, stride: try pair(layer, "stride", name: name, default: kernel),
                              padding: try padding(layer, name: name),
                              countIncludesPadding: ConfigValue.bool(layer["count_include_pad"]) ?? true)
            return op.hasPrefix("max") ? .maxPool2d(pool) : .avgPool2d(pool)
        case "global_avg_pool2d", "global_max_pool2d":
            return op == "global_avg_pool2d" ? .globalAvgPool2d : .globalMaxPool2d
        case "flatten": return .flatten
        case "reshape":
            guard let shape = ConfigValue.intList(layer["shape"]), !shape.isEmpty else {
                throw fail(name, "'shape' (a list of sizes, one may be -1) is required")
            }
            return .reshape(shape: shape)
        case "add": return .add
        case "concatenate", "concat", "cat":
            if ConfigValue.isNull(layer["axis"]) { return .concatenate(axis: layout == .torch ? 0 : -1) }
            guard let axis = ConfigValue.int(layer["axis"]) else { throw fail(name, "'axis' must be a whole number") }
            return .concatenate(axis: axis)
        default:
            return .activation(.other(op))
        }
    }
}
