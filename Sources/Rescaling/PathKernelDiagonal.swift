import Network
import WeightFiles

/// The diagonal of the path kernel G = ∂Φᵀ∂Φ of a network, per parameter
/// tensor (Lebeurrier, Vayer, Gribonval, "Path-conditioned training",
/// arXiv 2602.19799).
///
/// Φ is the path lifting: one coordinate per path from an input coordinate
/// or a bias to an output, valued the product of the parameters (and fixed
/// coefficients) along it. Then G_ii = Σ over paths p through parameter i
/// of (Φ_p / θ_i)², which is the gradient of the summed outputs of the
/// network whose parameters are all squared, with respect to those squared
/// parameters, on an all-ones input. That is how it is computed: one
/// forward and one backward pass of the squared network.
///
/// Semantics of each op in the squared network:
/// - linear, conv2d (stride, padding, dilation, groups; both layouts):
///   weights and biases squared; padding has no paths (zero).
/// - every activation: identity (the squared network is non-negative, where
///   ReLU, LeakyReLU and PReLU are the identity). A non-homogeneous
///   activation (tanh, …) is also taken as the identity and listed in `notes`.
/// - batch norm, inference form, is the per-channel affine map a·x + c with
///   a = γ/√(σ²+ε) and c = β − a·μ; it runs as a²·x + c², and the entries
///   reported under the γ and β tensors are those of a and c, the parameters
///   the path lifting sees (a rescaling at the BN output moves γ, β and so
///   a, c by the same factor). This differs on purpose from the reference
///   code, which squares γ, β, μ and σ² separately.
/// - max pooling (windowed or global): the maximum in the forward pass, the
///   gradient to its position (first on ties), as the reference code.
/// - average pooling (windowed or global): coefficient 1/count, squared.
/// - flatten, reshape, add, concatenate: wiring with coefficient 1.
public struct PathKernelDiagonal: Sendable, Equatable {
    /// The per-sample input shape the kernel was computed on, layout order.
    public var inputShape: [Int]
    /// Every parameter tensor (weights, biases, BN γ and β), in the order
    /// the network first uses them.
    public var tensorOrder: [String]
    /// diag G for each tensor of `tensorOrder`, in its stored shape and C
    /// order. Entries are ≥ 0; an entry is 0 when no path through the
    /// parameter reaches an output with non-zero weight.
    public var values: [String: [Double]]
    /// The stored shape of each tensor of `tensorOrder`.
    public var shapes: [String: [Int]]
    /// What the computation had to assume (non-homogeneous ops taken as
    /// the identity), for the user.
    public var notes: [String]

    /// Number of parameter elements (the n of the criterion before zero
    /// entries are left out).
    public var parameterCount: Int { tensorOrder.reduce(0) { $0 + (values[$1]?.count ?? 0) } }

    /// A diagonal from its parts (e.g. numbers computed elsewhere); no checks.
    public init(inputShape: [Int], tensorOrder: [String], values: [String: [Double]], shapes: [String: [Int]],
                notes: [String]) {
        self.inputShape = inputShape; self.tensorOrder = tensorOrder; self.values = values
        self.shapes = shapes; self.notes = notes
    }
}

/// Computes the path-kernel diagonal of `network` over `tensors`.
///
/// - Parameters:
///   - inputShape: one sample's input shape in the layout's order; nil uses
///     `network.inputShape`, and when that is nil too, the fan-in of a
///     linear layer reading the input directly.
/// - Throws: `PathKernelError` naming the node or tensor when a tensor is
///   missing, not floating point or misshapen, an op does not fit its
///   input, the input shape is unknown, or a diagonal entry overflows.
public func pathKernelDiagonal(network: Network, tensors: [String: Tensor],
                               inputShape: [Int]? = nil) throws -> PathKernelDiagonal {
    let graph = try SquaredNetwork(network: network, tensors: tensors, inputShape: inputShape)
    return try graph.diagonal()
}

/// The squared network ready to run: validated wiring, squared parameters.
struct SquaredNetwork {
    let network: Network
    let ops: [SquaredOp]
    let inputShape: [Int]
    let notes: [String]
    /// Parameter tensors in first-use order with their stored shapes.
    let parameters: [(name: String, shape: [Int])]

    init(network: Network, tensors: [String: Tensor], inputShape explicitShape: [Int]?) throws {
        self.network = network
        try SquaredNetwork.validateWiring(network)
        let builder = SquaredOpBuilder(tensors: tensors, layout: network.layout)
        var ops: [SquaredOp] = [], notes: [String] = []
        var parameters: [(name: String, shape: [Int])] = [], seen = Set<String>()
        for node in network.nodes {
            let (op, note) = try builder.build(node)
            ops.append(op)
            if let note { notes.append(note) }
            for name in SquaredNetwork.parameterNames(of: node.op) where !seen.contains(name) {
                seen.insert(name)
                parameters.append((name, tensors[name]?.shape ?? []))
            }
        }
        self.ops = ops; self.notes = notes; self.parameters = parameters
        self.inputShape = try SquaredNetwork.resolveInputShape(explicitShape, network: network, ops: ops)
    }

    /// The trainable tensors of an op (BN running statistics are not parameters).
    static func parameterNames(of op: Op) -> [String] {
        switch op {
        case let .linear(weight, bias): return [weight] + (bias.map { [$0] } ?? [])
        case let .conv2d(conv): return [conv.weight] + (conv.bias.map { [$0] } ?? [])
        case let .batchNorm(bn): return [bn.gamma, bn.beta].compactMap { $0 }
        default: return []
        }
    }

    private static func validateWiring(_ network: Network) throws {
        guard let first = network.nodes.first, first.op == .input else {
            throw PathKernelError.invalidOp(node: network.nodes.first?.name ?? "(none)",
                reason: "the first node of the network must be its input")
        }
        for (index, node) in network.nodes.enumerated() {
            if index > 0, node.op == .input {
                throw PathKernelError.invalidOp(node: node.name, reason: "a second input node is not supported")
            }
            guard node.inputs.allSatisfy({ $0 >= 0 && $0 < index }) else {
                throw PathKernelError.invalidOp(node: node.name,
                    reason: "reads nodes \(node.inputs), which do not all come before it")
            }
            let expected: ClosedRange<Int>
            switch node.op {
            case .input: expected = 0...0
            case .add, .concatenate: expected = 1...Int.max
            default: expected = 1...1
            }
            guard expected.contains(node.inputs.count) else {
                throw PathKernelError.invalidOp(node: node.name, reason: "has \(node.inputs.count) inputs")
            }
        }
        guard !network.outputs.isEmpty, network.outputs.allSatisfy({ $0 >= 0 && $0 < network.nodes.count }) else {
            throw PathKernelError.invalidOp(node: "(outputs)", reason: "output nodes \(network.outputs) are not valid")
        }
    }

    private static func resolveInputShape(_ explicitShape: [Int]?, network: Network, ops: [SquaredOp]) throws -> [Int] {
        if let shape = explicitShape ?? network.inputShape {
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }), let count = Tensor.elementCount(of: shape),
                  count <= 1 << 40 else {
                throw PathKernelError.badInputShape(shape)
            }
            return shape
        }
        for (index, node) in network.nodes.enumerated() where node.inputs == [0] {
            if case let .linear(linear) = ops[index] { return [linear.inFeatures] }
        }
        throw PathKernelError.unknownInputShape(reason: "the network does not record it and its input does not feed a linear layer")
    }

    /// One forward and one backward pass; the gradients are diag G.
    func diagonal() throws -> PathKernelDiagonal {
        let nodes = network.nodes, layout = network.layout
        var values = [KernelValue?](repeating: nil, count: nodes.count)
        var argmaxes: [Int: [Int]] = [:]
        for (index, node) in nodes.enumerated() {
            let inputs = node.inputs.compactMap { values[$0] }
            let name = node.name
            let value: KernelValue
            switch ops[index] {
            case .input: value = KernelValue(shape: inputShape, repeating: 1)
            case let .linear(op): value = try op.forward(inputs[0], node: name)
            case let .conv(op): value = try op.forward(inputs[0], layout: layout, node: name)
            case let .batchNorm(op): value = try op.forward(inputs[0], layout: layout, node: name)
            case .identity: value = inputs[0]
            case let .maxPool(pool):
                let (out, argmax) = try KernelPooling.maxForward(ChannelImage(inputs[0], layout: layout, node: name),
                                                                  pool: pool, node: name)
                argmaxes[index] = argmax
                value = out.value(layout: layout)
            case let .avgPool(pool):
                value = try KernelPooling.averageForward(ChannelImage(inputs[0], layout: layout, node: name),
                                                         pool: pool, node: name).value(layout: layout)
            case .globalAvgPool, .globalMaxPool:
                let isMax: Bool
                if case .globalMaxPool = ops[index] { isMax = true } else { isMax = false }
                let (out, argmax) = KernelPooling.globalForward(try ChannelImage(inputs[0], layout: layout, node: name),
                                                                maximum: isMax)
                argmaxes[index] = argmax
                value = KernelValue(shape: [out.count], data: out)
            case .flatten: value = KernelValue(shape: [inputs[0].data.count], data: inputs[0].data)
            case let .reshape(shape):
                value = KernelValue(shape: try KernelWiring.reshapeTarget(shape, of: inputs[0].shape, node: name),
                                    data: inputs[0].data)
            case .add: value = try KernelWiring.add(inputs, node: name)
            case let .concatenate(axis): value = try KernelWiring.concatenate(inputs, axis: axis, node: name)
            }
            values[index] = value
        }

        var deltas = [KernelValue?](repeating: nil, count: nodes.count)
        for output in network.outputs {
            guard let value = values[output] else { continue }
            SquaredNetwork.accumulate(KernelValue(shape: value.shape, repeating: 1), into: &deltas[output])
        }
        var gradients = KernelGradients()
        for index in nodes.indices.reversed() {
            guard let delta = deltas[index] else { continue }
            let node = nodes[index], name = node.name
            let inputs = node.inputs.compactMap { values[$0] }
            var inputDeltas: [KernelValue] = []
            switch ops[index] {
            case .input: continue
            case let .linear(op): inputDeltas = [op.backward(input: inputs[0], gradient: delta, into: &gradients)]
            case let .conv(op):
                inputDeltas = [try op.backward(input: inputs[0], gradient: delta, layout: layout, node: name, into: &gradients)]
            case let .batchNorm(op):
                inputDeltas = [try op.backward(input: inputs[0], gradient: delta, layout: layout, node: name, into: &gradients)]
            case .identity, .flatten, .reshape:
                inputDeltas = [KernelValue(shape: inputs[0].shape, data: delta.data)]
            case .maxPool:
                let image = try ChannelImage(inputs[0], layout: layout, node: name)
                let dOut = try ChannelImage(delta, layout: layout, node: name)
                inputDeltas = [KernelPooling.maxBackward(dOut, argmax: argmaxes[index] ?? [], input: image).value(layout: layout)]
            case let .avgPool(pool):
                let image = try ChannelImage(inputs[0], layout: layout, node: name)
                let dOut = try ChannelImage(delta, layout: layout, node: name)
                inputDeltas = [try KernelPooling.averageBackward(dOut, pool: pool, input: image, node: name).value(layout: layout)]
            case .globalAvgPool, .globalMaxPool:
                let isMax: Bool
                if case .globalMaxPool = ops[index] { isMax = true } else { isMax = false }
                let image = try ChannelImage(inputs[0], layout: layout, node: name)
                inputDeltas = [KernelPooling.globalBackward(delta.data, input: image, maximum: isMax,
                                                            argmax: argmaxes[index] ?? []).value(layout: layout)]
            case .add: inputDeltas = inputs.map { KernelValue(shape: $0.shape, data: delta.data) }
            case let .concatenate(axis): inputDeltas = try KernelWiring.split(delta, like: inputs, axis: axis, node: name)
            }
            for (input, inputDelta) in zip(node.inputs, inputDeltas) {
                SquaredNetwork.accumulate(inputDelta, into: &deltas[input])
            }
        }

        var result: [String: [Double]] = [:], shapes: [String: [Int]] = [:]
        for (name, shape) in parameters {
            let count = shape.reduce(1, *)
            let entries = gradients.byTensor[name] ?? [Double](repeating: 0, count: count)
            guard entries.count == count else {
                throw PathKernelError.shapeMismatch(node: "(parameters)", tensor: name,
                    expected: "\(entries.count) elements", found: shape)
            }
            if let bad = entries.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                throw PathKernelError.invalidDiagonal(tensor: name, index: bad, value: entries[bad])
            }
            result[name] = entries
            shapes[name] = shape
        }
        return PathKernelDiagonal(inputShape: inputShape, tensorOrder: parameters.map(\.name), values: result,
                                  shapes: shapes, notes: notes)
    }

    private static func accumulate(_ delta: KernelValue, into slot: inout KernelValue?) {
        guard var existing = slot else { slot = delta; return }
        for i in existing.data.indices { existing.data[i] += delta.data[i] }
        slot = existing
    }
}
