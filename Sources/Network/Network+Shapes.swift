import WeightFiles

extension Network {
    /// The per-sample output shape of every node (index-aligned with
    /// `nodes`), in the layout's order: (C, H, W) or (H, W, C) for images,
    /// (features) for vectors.
    ///
    /// Checks every parameter tensor against what reaches its node: a
    /// weight's fan-in against the incoming features or channels, bias and
    /// batchnorm vectors against the unit count, windows against the input
    /// size, add and concatenate operands against each other.
    /// - Throws: `NetworkError.shapeMismatch` naming `file` and the node,
    ///   or when a named tensor is not in the file.
    public func shapes(in file: WeightFile) throws -> [[Int]] {
        try validateGraph(path: file.url.path)
        var inference = ShapeInference(network: self, file: file)
        return try inference.run(inputShape: resolvedInputShape(in: file))
    }

    /// `inputShape`, or when it is nil the fan-in of the first linear layer
    /// reached from the input through shape-preserving ops.
    /// - Throws: `NetworkError.shapeMismatch` when no such layer fixes it
    ///   (a conv, pooling or flatten needs an explicit input shape).
    public func resolvedInputShape(in file: WeightFile) throws -> [Int] {
        if let inputShape { return inputShape }
        let path = file.url.path
        var unknown: Set<Int> = [0]
        for (index, node) in nodes.enumerated() where index > 0 {
            guard node.inputs.contains(where: unknown.contains) else { continue }
            switch node.op {
            case .activation, .batchNorm, .add:
                unknown.insert(index)
            case let .linear(weight, _):
                let shape = try ShapeInference.tensorShape(weight, node: node.name, file: file)
                guard shape.count == 2 else {
                    throw NetworkError.shapeMismatch(path: path, node: node.name,
                        reason: "weight '\(weight)' has shape \(shape), a linear layer needs a 2-D weight")
                }
                return [shape[layout.linearAxes.in]]
            default:
                throw NetworkError.shapeMismatch(path: path, node: node.name,
                    reason: "the input shape is unknown and \(node.op.displayName) needs it: give input_shape")
            }
        }
        throw NetworkError.shapeMismatch(path: path, node: nodes.first?.name ?? "input",
            reason: "the input shape is unknown and no linear layer fixes it: give input_shape")
    }

    /// This network with every shape-dependent detail made explicit:
    /// `inputShape` filled in (see `resolvedInputShape(in:)`), concatenate
    /// axes non-negative and reshape targets without -1. Builders return
    /// networks in this form so that evaluators need no shape inference.
    /// - Throws: what `shapes(in:)` throws.
    public func normalised(in file: WeightFile) throws -> Network {
        let shapes = try shapes(in: file)
        var result = self
        result.inputShape = shapes[0]
        for (index, node) in nodes.enumerated() {
            switch node.op {
            case let .concatenate(axis) where axis < 0:
                result.nodes[index].op = .concatenate(axis: shapes[node.inputs[0]].count + axis)
            case .reshape:
                result.nodes[index].op = .reshape(shape: shapes[index])
            default: break
            }
        }
        return result
    }

    /// Checks the graph contract: node 0 is the only `.input`, every input
    /// index points to an earlier node, every op has the inputs it needs,
    /// names are unique and outputs exist.
    func validateGraph(path: String) throws {
        guard let first = nodes.first, first.op == .input, first.inputs.isEmpty else {
            throw NetworkError.shapeMismatch(path: path, node: nodes.first?.name ?? "?",
                                             reason: "node 0 must be the network input")
        }
        var names = Set<String>()
        for (index, node) in nodes.enumerated() {
            guard names.insert(node.name).inserted else {
                throw NetworkError.shapeMismatch(path: path, node: node.name, reason: "two nodes have this name")
            }
            if index == 0 { continue }
            if node.op == .input {
                throw NetworkError.shapeMismatch(path: path, node: node.name, reason: "a second input is not supported")
            }
            for input in node.inputs where input < 0 || input >= index {
                throw NetworkError.shapeMismatch(path: path, node: node.name,
                    reason: "reads node #\(input), which does not come before it")
            }
            switch node.op {
            case .add, .concatenate:
                if node.inputs.isEmpty {
                    throw NetworkError.shapeMismatch(path: path, node: node.name, reason: "\(node.op.displayName) has no inputs")
                }
            default:
                if node.inputs.count != 1 {
                    throw NetworkError.shapeMismatch(path: path, node: node.name,
                        reason: "\(node.op.displayName) takes one input, got \(node.inputs.count)")
                }
            }
        }
        if outputs.isEmpty {
            throw NetworkError.shapeMismatch(path: path, node: nodes.last?.name ?? "?", reason: "the network has no output")
        }
        for output in outputs where output < 0 || output >= nodes.count {
            throw NetworkError.shapeMismatch(path: path, node: "#\(output)", reason: "output index out of range")
        }
    }
}

/// One pass of shape inference over a validated network.
struct ShapeInference {
    let network: Network
    let file: WeightFile
    var path: String { file.url.path }
    var layout: Layout { network.layout }

    init(network: Network, file: WeightFile) {
        self.network = network
        self.file = file
    }

    /// The stored shape of a tensor, or a shape error naming the node.
    static func tensorShape(_ name: String, node: String, file: WeightFile) throws -> [Int] {
        do {
            return try file.info(name).shape
        } catch {
            throw NetworkError.shapeMismatch(path: file.url.path, node: node,
                                             reason: "the file has no tensor named '\(name)'")
        }
    }

    mutating func run(inputShape: [Int]) throws -> [[Int]] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw NetworkError.shapeMismatch(path: path, node: network.nodes[0].name,
                                             reason: "input shape \(inputShape) must be non-empty and positive")
        }
        var shapes: [[Int]] = []
        shapes.reserveCapacity(network.nodes.count)
        for node in network.nodes {
            let inputs = node.inputs.map { shapes[$0] }
            let shape = try outputShape(of: node, inputs: inputs, networkInput: inputShape)
            // Every later product of sizes (flatten, reshape, unit counts) relies on this.
            guard Tensor.elementCount(of: shape) != nil else {
                throw fail(node, "its output shape \(shape) has more elements than fit in 64 bits (overflow)")
            }
            shapes.append(shape)
        }
        return shapes
    }

    func fail(_ node: Node, _ reason: String) -> NetworkError {
        NetworkError.shapeMismatch(path: path, node: node.name, reason: reason)
    }

    func shape(_ tensor: String, _ node: Node) throws -> [Int] {
        try ShapeInference.tensorShape(tensor, node: node.name, file: file)
    }

    func outputShape(of node: Node, inputs: [[Int]], networkInput: [Int]) throws -> [Int] {
        switch node.op {
        case .input:
            return networkInput
        case let .linear(weight, bias):
            return try linear(node, inputs[0], weight: weight, bias: bias)
        case let .conv2d(conv):
            return try convolution(node, inputs[0], conv)
        case let .batchNorm(bn):
            let x = inputs[0]
            let channels = channelCount(of: x, layout: layout)
            let named: [(String, String?)] = [("weight (gamma)", bn.gamma), ("bias (beta)", bn.beta),
                                               ("running mean", bn.mean), ("running variance", bn.variance)]
            for case let (role, tensor?) in named {
                let s = try shape(tensor, node)
                guard s == [channels] else {
                    throw fail(node, "\(role) '\(tensor)' has shape \(s), but the input has \(channels) channels (shape \(x))")
                }
            }
            return x
        case let .activation(activation):
            if case let .prelu(alpha) = activation { _ = try shape(alpha, node) }
            return inputs[0]
        case let .maxPool2d(pool), let .avgPool2d(pool):
            return try pooling(node, inputs[0], pool)
        case .globalAvgPool2d, .globalMaxPool2d:
            let x = inputs[0]
            guard x.count == 3 else { throw fail(node, "global pooling needs an image input, got shape \(x)") }
            return [channelCount(of: x, layout: layout)]
        case .flatten:
            return [inputs[0].reduce(1, *)]
        case let .reshape(target):
            return try reshape(node, inputs[0], target)
        case .add:
            let first = inputs[0]
            for (k, other) in inputs.enumerated() where other != first {
                let name = network.nodes[node.inputs[k]].name
                throw fail(node, "add of different shapes: \(first) from '\(network.nodes[node.inputs[0]].name)' and \(other) from '\(name)'")
            }
            return first
        case let .concatenate(axis):
            return try concatenate(node, inputs, axis: axis)
        }
    }

    func linear(_ node: Node, _ x: [Int], weight: String, bias: String?) throws -> [Int] {
        let w = try shape(weight, node)
        guard w.count == 2 else {
            throw fail(node, "weight '\(weight)' has shape \(w), a linear layer needs a 2-D weight")
        }
        let axes = layout.linearAxes
        let fanIn = w[axes.in], units = w[axes.out]
        let features: Int
        switch (x.count, layout) {
        case (1, _): features = x[0]
        case (_, .keras): features = x[x.count - 1]
        default:
            throw fail(node, "a linear layer needs a flat input, got shape \(x) (add a flatten)")
        }
        guard fanIn == features else {
            throw fail(node, "weight '\(weight)' has shape \(w): \(fanIn) in-features, but the incoming tensor has \(features) features (shape \(x))")
        }
        if let bias {
            let b = try shape(bias, node)
            guard b == [units] else {
                throw fail(node, "bias '\(bias)' has shape \(b), the layer has \(units) units (weight '\(weight)' \(w))")
            }
        }
        return Array(x.dropLast()) + [units]
    }

    func convolution(_ node: Node, _ x: [Int], _ conv: Conv2D) throws -> [Int] {
        guard x.count == 3 else { throw fail(node, "conv2d needs an image input, got shape \(x)") }
        let w = try shape(conv.weight, node)
        guard w.count == 4 else {
            throw fail(node, "weight '\(conv.weight)' has shape \(w), a conv2d needs a 4-D weight")
        }
        let axes = layout.convAxes
        let units = w[axes.out], perGroup = w[axes.in]
        let channels = channelCount(of: x, layout: layout)
        guard conv.groups >= 1, units % conv.groups == 0 else {
            throw fail(node, "groups \(conv.groups) does not divide the \(units) output channels of '\(conv.weight)'")
        }
        guard perGroup.multipliedReportingOverflow(by: conv.groups) == (channels, false) else {
            throw fail(node, "weight '\(conv.weight)' has shape \(w): \(perGroup) input channels per group × \(conv.groups) groups, but the input has \(channels) channels (shape \(x))")
        }
        if let bias = conv.bias {
            let b = try shape(bias, node)
            guard b == [units] else {
                throw fail(node, "bias '\(bias)' has shape \(b), the layer has \(units) output channels (weight '\(conv.weight)' \(w))")
            }
        }
        let (height, width) = try window(node, x, kernel: [w[axes.kh], w[axes.kw]], stride: conv.stride,
                                         dilation: conv.dilation, padding: conv.padding)
        return layout.imageShape(channels: units, height: height, width: width)
    }

    func pooling(_ node: Node, _ x: [Int], _ pool: Pool2D) throws -> [Int] {
        guard x.count == 3 else { throw fail(node, "\(node.op.displayName) needs an image input, got shape \(x)") }
        let (height, width) = try window(node, x, kernel: pool.kernel, stride: pool.stride,
                                         dilation: [1, 1], padding: pool.padding)
        return layout.imageShape(channels: channelCount(of: x, layout: layout), height: height, width: width)
    }

    func window(_ node: Node, _ x: [Int], kernel: [Int], stride: [Int], dilation: [Int],
                padding: Padding) throws -> (Int, Int) {
        for (label, pair) in [("kernel", kernel), ("stride", stride), ("dilation", dilation)] {
            guard pair.count == 2, pair.allSatisfy({ $0 >= 1 }) else {
                throw fail(node, "\(label) \(pair) must be two positive numbers")
            }
        }
        let axes = layout.spatialAxes
        let height = x[axes.height], width = x[axes.width]
        let sizes: (Int, Int)?
        switch padding {
        case .same:
            // ⌈size / stride⌉, without the overflow of (size + stride - 1).
            func ceilDivision(_ size: Int, _ stride: Int) -> Int { size / stride + (size % stride == 0 ? 0 : 1) }
            sizes = (ceilDivision(height, stride[0]), ceilDivision(width, stride[1]))
        case let .explicit(top, bottom, left, right):
            guard [top, bottom, left, right].allSatisfy({ $0 >= 0 }) else {
                throw fail(node, "padding must not be negative")
            }
            let (vertical, o1) = top.addingReportingOverflow(bottom)
            let (horizontal, o2) = left.addingReportingOverflow(right)
            guard !o1, !o2, !height.addingReportingOverflow(vertical).overflow,
                  !width.addingReportingOverflow(horizontal).overflow else {
                throw fail(node, "padding [\(top), \(bottom), \(left), \(right)] is too large: the padded input overflows 64 bits")
            }
            let h = windowOutputSize(input: height, kernel: kernel[0], stride: stride[0], dilation: dilation[0], padding: vertical)
            let w = windowOutputSize(input: width, kernel: kernel[1], stride: stride[1], dilation: dilation[1], padding: horizontal)
            sizes = h.flatMap { h in w.map { (h, $0) } }
        }
        guard let sizes, sizes.0 >= 1, sizes.1 >= 1 else {
            throw fail(node, "a \(kernel[0])×\(kernel[1]) window (dilation \(dilation)) does not fit the \(height)×\(width) input (shape \(x))")
        }
        return sizes
    }

    func reshape(_ node: Node, _ x: [Int], _ target: [Int]) throws -> [Int] {
        let count = x.reduce(1, *)
        let wildcards = target.filter { $0 == -1 }.count
        guard wildcards <= 1, target.allSatisfy({ $0 == -1 || $0 > 0 }) else {
            throw fail(node, "reshape target \(target) may hold positive sizes and at most one -1")
        }
        guard let known = Tensor.elementCount(of: target.filter { $0 > 0 }) else {
            throw fail(node, "cannot reshape \(x) (\(count) elements) to \(target): its sizes multiply past 64 bits")
        }
        var resolved = target
        if wildcards == 1, known > 0, count % known == 0, let at = target.firstIndex(of: -1) {
            resolved[at] = count / known
        }
        guard !resolved.contains(-1), Tensor.elementCount(of: resolved) == count else {
            throw fail(node, "cannot reshape \(x) (\(count) elements) to \(target)")
        }
        return resolved
    }

    func concatenate(_ node: Node, _ inputs: [[Int]], axis: Int) throws -> [Int] {
        let rank = inputs[0].count
        let resolvedAxis = axis < 0 ? rank + axis : axis
        guard resolvedAxis >= 0, resolvedAxis < rank else {
            throw fail(node, "concatenate axis \(axis) is outside the rank-\(rank) shape \(inputs[0])")
        }
        var result = inputs[0]
        for (k, other) in inputs.enumerated().dropFirst() {
            var a = inputs[0], b = other
            guard a.count == b.count else {
                throw fail(node, "concatenate of rank \(rank) and rank \(b.count) ('\(network.nodes[node.inputs[k]].name)')")
            }
            a[resolvedAxis] = 0; b[resolvedAxis] = 0
            guard a == b else {
                throw fail(node, "concatenate along axis \(resolvedAxis) of shapes \(inputs[0]) and \(other) ('\(network.nodes[node.inputs[k]].name)')")
            }
            let (sum, overflow) = result[resolvedAxis].addingReportingOverflow(other[resolvedAxis])
            guard !overflow else { throw fail(node, "concatenated size along axis \(resolvedAxis) overflows 64 bits") }
            result[resolvedAxis] = sum
        }
        return result
    }
}

/// Output length of a window op along one axis with explicit padding
/// (floor mode), or nil when the dilated window is longer than the padded
/// input (a span past 64 bits is longer than any input).
/// Precondition: `input + padding` does not overflow.
func windowOutputSize(input: Int, kernel: Int, stride: Int, dilation: Int, padding: Int) -> Int? {
    let (product, overflow) = dilation.multipliedReportingOverflow(by: kernel - 1)
    guard !overflow, product < Int.max else { return nil }
    let span = product + 1
    let padded = input + padding
    guard padded >= span else { return nil }
    return (padded - span) / stride + 1
}
