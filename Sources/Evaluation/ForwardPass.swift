import Network
import WeightFiles

/// A parameter tensor in the evaluation precision: the tensor's own bytes
/// when they already hold it (float32 for Float, float64 for Double), so a
/// parameter the source holds in memory is not copied; else the values
/// converted once.
struct ParameterArray<S: EvaluationScalar> {
    let name: String
    let shape: [Int]
    /// Number of values.
    let count: Int
    private let storage: Storage

    private enum Storage {
        case converted([S])
        /// Native-endian bytes of `count` values of S, aligned for S (checked
        /// when stored; an array's storage does not move).
        case stored([UInt8])
    }

    /// The tensor's values (exact for Float from f16/bf16/f32 and for Double
    /// from any float type).
    init(_ tensor: Tensor) {
        name = tensor.name
        shape = tensor.shape
        count = tensor.elementCount
        let aligned = tensor.bytes.withUnsafeBytes { raw in
            raw.baseAddress.map { Int(bitPattern: $0) % MemoryLayout<S>.alignment == 0 } ?? false
        }
        if tensor.dtype == S.storedDType, count > 0, aligned {
            storage = .stored(tensor.bytes)
        } else {
            storage = .converted(S.values(of: tensor))
        }
    }

    /// Calls `body` with the values in place.
    func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<S>) throws -> R) rethrows -> R {
        switch storage {
        case let .converted(values):
            return try values.withUnsafeBufferPointer(body)
        case let .stored(bytes):
            return try bytes.withUnsafeBytes { raw in try raw.withMemoryRebound(to: S.self, body) }
        }
    }

    /// The values as an array (a copy when they are the tensor's bytes): for
    /// the small per-channel parameters; bind it once, not per element.
    var values: [S] {
        switch storage {
        case let .converted(values): return values
        case .stored: return withUnsafeValues { Array($0) }
        }
    }
}

/// The forward pass of one network in one precision. Every op is computed
/// with a fixed arithmetic order that does not depend on the values (no
/// skipping of zeros, no data-dependent branches in sums), so scaling a
/// hidden unit by a power of two and its consumers by the inverse gives
/// bit-identical outputs.
///
/// Parameters are checked (present, floating point) at initialisation but
/// read from the source and converted to the evaluation precision only when
/// the node using them is evaluated, and let go after it: evaluating a
/// network whose source reads from a file holds one node's parameters at a
/// time, not a converted copy of the whole network.
struct ForwardPass<S: EvaluationScalar> {
    let network: Network
    private let source: TensorSource
    /// The stored shape of every parameter a node names.
    let parameterShapes: [String: [Int]]
    /// For each node, the index of the last node that reads it (or itself
    /// when nothing does), so intermediate values are freed early.
    private let lastUse: [Int]

    /// Validates the graph and checks every tensor a node names in `source`
    /// (its dtype and shape; the data is read during `run`).
    init(network: Network, source: TensorSource) throws {
        try ForwardPass.validate(network)
        var shapes: [String: [Int]] = [:]
        for node in network.nodes {
            for name in node.op.tensorNames where shapes[name] == nil {
                let info: TensorInfo
                do { info = try source.info(name) } catch let error as WeightFileError {
                    if case .noSuchTensor = error {
                        throw EvaluationError.missingTensor(source: source.label, tensor: name, node: node.name)
                    }
                    throw error
                }
                guard info.dtype.isFloatingPoint else {
                    throw EvaluationError.parameterMismatch(node: node.name, tensor: name,
                        reason: "has dtype \(info.dtype.numpyName); parameters must be floating point")
                }
                shapes[name] = info.shape
            }
        }
        self.network = network
        self.source = source
        self.parameterShapes = shapes
        var lastUse = Array(network.nodes.indices)
        for (index, node) in network.nodes.enumerated() {
            for input in node.inputs { lastUse[input] = max(lastUse[input], index) }
        }
        for output in network.outputs { lastUse[output] = network.nodes.count }
        self.lastUse = lastUse
    }

    /// Checks the `Network` contract: node 0 is the only input, inputs point
    /// backwards, outputs exist.
    static func validate(_ network: Network) throws {
        guard let first = network.nodes.first, first.op == .input else {
            throw EvaluationError.invalidNetwork(reason: "node 0 must be the input")
        }
        for (index, node) in network.nodes.enumerated() {
            if index > 0, node.op == .input {
                throw EvaluationError.invalidNetwork(reason: "node '\(node.name)' is a second input")
            }
            if index > 0, node.inputs.isEmpty {
                throw EvaluationError.invalidNetwork(reason: "node '\(node.name)' reads no input")
            }
            for input in node.inputs where input < 0 || input >= index {
                throw EvaluationError.invalidNetwork(
                    reason: "node '\(node.name)' reads node \(input), which does not come before it")
            }
        }
        guard !network.outputs.isEmpty,
              network.outputs.allSatisfy({ $0 >= 0 && $0 < network.nodes.count }) else {
            throw EvaluationError.invalidNetwork(reason: "outputs \(network.outputs) do not name nodes")
        }
    }

    /// The parameter `name` used by node `node`, read from the source and
    /// converted to the evaluation precision.
    func parameter(_ name: String, of node: String) throws -> ParameterArray<S> {
        guard parameterShapes[name] != nil else {
            throw EvaluationError.parameterMismatch(node: node, tensor: name, reason: "was not loaded")
        }
        let tensor = try source.tensor(name)
        guard tensor.dtype.isFloatingPoint else {
            throw EvaluationError.parameterMismatch(node: node, tensor: name,
                reason: "has dtype \(tensor.dtype.numpyName); parameters must be floating point")
        }
        return ParameterArray(tensor)
    }

    /// Runs the batch `input` through the network; returns the value of
    /// every node in `network.outputs`, in that order.
    func run(_ input: BatchValue<S>) throws -> [BatchValue<S>] {
        var values = [BatchValue<S>?](repeating: nil, count: network.nodes.count)
        values[0] = input
        func value(_ index: Int) throws -> BatchValue<S> {
            guard let value = values[index] else {
                throw EvaluationError.invalidNetwork(reason: "node '\(network.nodes[index].name)' is read before it is computed")
            }
            return value
        }
        for index in network.nodes.indices.dropFirst() {
            let node = network.nodes[index]
            let inputs = try node.inputs.map(value)
            values[index] = try apply(node, to: inputs)
            for input in node.inputs where lastUse[input] == index { values[input] = nil }
        }
        return try network.outputs.map(value)
    }

    /// One node's value from its inputs' values.
    private func apply(_ node: Node, to inputs: [BatchValue<S>]) throws -> BatchValue<S> {
        switch node.op {
        case .input:
            throw EvaluationError.invalidNetwork(reason: "node '\(node.name)' is a second input")
        case .add:
            return try add(inputs, node: node.name)
        case let .concatenate(axis):
            return try concatenate(inputs, axis: axis, node: node.name)
        default:
            guard inputs.count == 1 else {
                throw EvaluationError.shapeMismatch(node: node.name, reason: "takes one input, got \(inputs.count)")
            }
            return try applyUnary(node, to: inputs[0])
        }
    }

    private func applyUnary(_ node: Node, to x: BatchValue<S>) throws -> BatchValue<S> {
        switch node.op {
        case let .linear(weight, bias):
            return try linear(x, weight: weight, bias: bias, node: node.name)
        case let .conv2d(conv):
            return try convolution(x, conv, node: node.name)
        case let .batchNorm(bn):
            return try batchNorm(x, bn, node: node.name)
        case let .activation(activation):
            return try activate(x, activation, node: node.name)
        case let .maxPool2d(pool):
            return try pool2d(x, pool, max: true, node: node.name)
        case let .avgPool2d(pool):
            return try pool2d(x, pool, max: false, node: node.name)
        case .globalAvgPool2d:
            return try globalPool(x, max: false, node: node.name)
        case .globalMaxPool2d:
            return try globalPool(x, max: true, node: node.name)
        case .flatten:
            return BatchValue(sampleShape: [x.sampleSize], count: x.count, data: x.data)
        case let .reshape(shape):
            return try reshape(x, to: shape, node: node.name)
        case .input, .add, .concatenate:
            throw EvaluationError.invalidNetwork(reason: "node '\(node.name)' cannot be applied to one input")
        }
    }

    /// Per-sample axis of channels: 0 for torch, the last for keras.
    func channelAxis(of shape: [Int]) -> Int {
        network.layout == .torch ? 0 : shape.count - 1
    }
}

extension Op {
    /// Every tensor name the op reads, in a fixed order.
    var tensorNames: [String] {
        switch self {
        case let .linear(weight, bias): return [weight] + (bias.map { [$0] } ?? [])
        case let .conv2d(conv): return [conv.weight] + (conv.bias.map { [$0] } ?? [])
        case let .batchNorm(bn): return [bn.gamma, bn.beta, bn.mean, bn.variance].compactMap { $0 }
        case let .activation(.prelu(alpha)): return [alpha]
        default: return []
        }
    }
}
