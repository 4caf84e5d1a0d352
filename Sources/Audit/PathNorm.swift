import Network
import WeightFiles

/// Rescaling-invariant path-norms (Neyshabur et al. 2015; Gonon et al.,
/// "A path-norm toolkit for modern networks", ICLR 2024).
///
/// ‖Φ(θ)‖_q = (Σ over paths from an input, or from a bias, to an output of
/// Π |θ|^q along the path)^(1/q). It is computed by one forward pass of a
/// copy of the network on an all-ones input in which every weight, bias and
/// inference-form batch-norm coefficient (a = γ/√(σ²+ε), c = β − aμ) is
/// replaced by |θ|^q, every positively homogeneous activation (ReLU,
/// LeakyReLU, PReLU, identity) by the identity, max-pooling by
/// sum-pooling, and average pooling by a sum with weights (1/n)^q; the
/// q-th root of the sum of the outputs is the norm. For LeakyReLU and PReLU
/// this is the path-norm with every slope taken as 1, still invariant under
/// the rescalings. A network with any other activation has no
/// rescaling-invariant path-norm of this kind.
enum PathNorm {
    /// The outcome: the norm, or why there is none.
    enum Outcome: Equatable {
        case value(Double)
        case undefined(String)
    }

    /// Runs the pass for exponent `q` (≥ 1).
    static func compute(network: Network, q: Double, tensors: inout TensorTable) throws -> Outcome {
        var pass = PathNormPass(network: network, q: q)
        return try pass.run(tensors: &tensors)
    }
}

/// One value of the pass: a per-sample tensor in the layout's order
/// ((C,H,W) torch, (H,W,C) keras, (features) for vectors).
private struct PassValue {
    var shape: [Int]
    var data: [Double]
}

/// The forward pass behind `PathNorm`.
private struct PathNormPass {
    let network: Network
    let q: Double

    init(network: Network, q: Double) { self.network = network; self.q = q }

    func power(_ x: Double) -> Double { q == 1 ? abs(x) : (q == 2 ? x * x : pow(abs(x), q)) }

    mutating func run(tensors: inout TensorTable) throws -> PathNorm.Outcome {
        for node in network.nodes {
            if case let .activation(activation) = node.op, !activation.isPositivelyHomogeneous,
               case let .other(name) = activation {
                return .undefined("activation \(name) (node \(node.name)) is not positively homogeneous")
            }
        }
        guard let inputShape = network.inputShape ?? inferredInputShape(tensors: &tensors) else {
            return .undefined("the network has no input shape (pass --spec with input_shape)")
        }
        var values = [PassValue?](repeating: nil, count: network.nodes.count)
        for (index, node) in network.nodes.enumerated() {
            let inputs = try node.inputs.map { input -> PassValue in
                guard input >= 0, input < index, let value = values[input] else {
                    throw AuditError.invalidLayer(node: node.name, reason: "input \(input) is not an earlier node")
                }
                return value
            }
            values[index] = try apply(node, inputs: inputs, inputShape: inputShape, tensors: &tensors)
        }
        var total = 0.0
        for output in network.outputs {
            guard output >= 0, output < values.count, let value = values[output] else {
                throw AuditError.invalidLayer(node: "output", reason: "output index \(output) is not a node")
            }
            total += value.data.reduce(0, +)
        }
        return .value(pow(total, 1 / q))
    }

    /// For a network without an input shape: the fan-in of the first linear
    /// layer fed by the input (a vector input).
    func inferredInputShape(tensors: inout TensorTable) -> [Int]? {
        for node in network.nodes where node.inputs == [0] {
            if case .linear = node.op,
               let matrix = try? LayerMatrix.of(node, layout: network.layout, tensors: &tensors) {
                return [matrix.fanIn]
            }
        }
        return nil
    }

    func apply(_ node: Node, inputs: [PassValue], inputShape: [Int], tensors: inout TensorTable) throws -> PassValue {
        func single() throws -> PassValue {
            guard inputs.count == 1 else {
                throw AuditError.invalidLayer(node: node.name, reason: "expects one input, has \(inputs.count)")
            }
            return inputs[0]
        }
        switch node.op {
        case .input:
            let count = inputShape.reduce(1, *)
            return PassValue(shape: inputShape, data: [Double](repeating: 1, count: count))
        case .linear:
            return try linear(node, try single(), tensors: &tensors)
        case .conv2d(let conv):
            return try convolution(node, conv, try single(), tensors: &tensors)
        case .batchNorm(let bn):
            return try batchNorm(node, bn, try single(), tensors: &tensors)
        case .activation:
            return try single()
        case .maxPool2d(let pool):
            return try pooling(node, pool, try single(), average: false)
        case .avgPool2d(let pool):
            return try pooling(node, pool, try single(), average: true)
        case .globalAvgPool2d, .globalMaxPool2d:
            let x = try single()
            let (c, h, w, planes) = try channelsFirst(x, node: node.name)
            var isAverage = false
            if case .globalAvgPool2d = node.op { isAverage = true }
            let weight = isAverage ? power(1 / Double(h * w)) : 1
            let data = (0..<c).map { channel in
                planes[(channel * h * w)..<((channel + 1) * h * w)].reduce(0, +) * weight
            }
            return PassValue(shape: [c], data: data)
        case .flatten:
            let x = try single()
            return PassValue(shape: [x.data.count], data: x.data)
        case .reshape(let shape):
            let x = try single()
            guard shape.reduce(1, *) == x.data.count else {
                throw AuditError.invalidLayer(node: node.name, reason: "cannot reshape \(x.shape) to \(shape)")
            }
            return PassValue(shape: shape, data: x.data)
        case .add:
            guard let first = inputs.first else {
                throw AuditError.invalidLayer(node: node.name, reason: "add has no inputs")
            }
            var sum = first
            for other in inputs.dropFirst() {
                guard other.shape == first.shape else {
                    throw AuditError.invalidLayer(node: node.name,
                        reason: "add of shapes \(first.shape) and \(other.shape)")
                }
                for i in sum.data.indices { sum.data[i] += other.data[i] }
            }
            return sum
        case .concatenate(let axis):
            return try concatenate(node, inputs, axis: axis)
        }
    }

    func linear(_ node: Node, _ x: PassValue, tensors: inout TensorTable) throws -> PassValue {
        guard let matrix = try LayerMatrix.of(node, layout: network.layout, tensors: &tensors) else {
            throw AuditError.invalidLayer(node: node.name, reason: "not a linear layer")
        }
        guard x.data.count == matrix.fanIn else {
            throw AuditError.invalidLayer(node: node.name,
                reason: "linear layer reads \(matrix.fanIn) features, its input has shape \(x.shape)")
        }
        var y = [Double](repeating: 0, count: matrix.outUnits)
        for o in 0..<matrix.outUnits {
            var sum = matrix.bias.map { power($0[o]) } ?? 0
            let row = o * matrix.fanIn
            for k in 0..<matrix.fanIn { sum += power(matrix.values[row + k]) * x.data[k] }
            y[o] = sum
        }
        return PassValue(shape: [matrix.outUnits], data: y)
    }

    func convolution(_ node: Node, _ conv: Conv2D, _ x: PassValue, tensors: inout TensorTable) throws -> PassValue {
        guard let matrix = try LayerMatrix.of(node, layout: network.layout, tensors: &tensors) else {
            throw AuditError.invalidLayer(node: node.name, reason: "not a conv2d layer")
        }
        let (channels, height, width, planes) = try channelsFirst(x, node: node.name)
        let kh = matrix.kernelHeight, kw = matrix.kernelWidth
        let inPerGroup = matrix.fanIn / (kh * kw)
        guard inPerGroup * matrix.groups == channels, conv.stride.count == 2, conv.dilation.count == 2 else {
            throw AuditError.invalidLayer(node: node.name,
                reason: "conv2d reads \(inPerGroup * matrix.groups) channels, its input has shape \(x.shape)")
        }
        guard let rows = WindowAxis.make(input: height, kernel: kh, stride: conv.stride[0], dilation: conv.dilation[0],
                                         padding: conv.padding, axis: 0),
              let cols = WindowAxis.make(input: width, kernel: kw, stride: conv.stride[1], dilation: conv.dilation[1],
                                         padding: conv.padding, axis: 1) else {
            throw AuditError.invalidLayer(node: node.name, reason: "kernel does not fit input \(x.shape)")
        }
        let outPerGroup = matrix.outUnits / matrix.groups
        let plane = rows.output * cols.output
        var y = [Double](repeating: 0, count: matrix.outUnits * plane)
        for o in 0..<matrix.outUnits {
            let bias = matrix.bias.map { power($0[o]) } ?? 0
            for p in 0..<plane { y[o * plane + p] = bias }
            let firstChannel = (o / outPerGroup) * inPerGroup
            for ic in 0..<inPerGroup {
                let c = firstChannel + ic
                for i in 0..<kh {
                    for j in 0..<kw {
                        let w = power(matrix.values[o * matrix.fanIn + (ic * kh + i) * kw + j])
                        if w == 0 { continue }
                        for oh in 0..<rows.output {
                            let ih = oh * conv.stride[0] + i * conv.dilation[0] - rows.before
                            if ih < 0 || ih >= height { continue }
                            for ow in 0..<cols.output {
                                let iw = ow * conv.stride[1] + j * conv.dilation[1] - cols.before
                                if iw < 0 || iw >= width { continue }
                                y[o * plane + oh * cols.output + ow] += w * planes[(c * height + ih) * width + iw]
                            }
                        }
                    }
                }
            }
        }
        return fromChannelsFirst(channels: matrix.outUnits, height: rows.output, width: cols.output, planes: y)
    }

    func batchNorm(_ node: Node, _ bn: BatchNorm, _ x: PassValue, tensors: inout TensorTable) throws -> PassValue {
        let mean = try tensors.values(bn.mean, node: node.name)
        let variance = try tensors.values(bn.variance, node: node.name)
        let gamma = try bn.gamma.map { try tensors.values($0, node: node.name) }
        let beta = try bn.beta.map { try tensors.values($0, node: node.name) }
        let channels = mean.count
        guard variance.count == channels, gamma?.count ?? channels == channels, beta?.count ?? channels == channels else {
            throw AuditError.invalidLayer(node: node.name, reason: "batch norm tensors have different lengths")
        }
        var scale = [Double](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            let a = (gamma?[c] ?? 1) / (variance[c] + bn.epsilon).squareRoot()
            scale[c] = power(a)
            shift[c] = power((beta?[c] ?? 0) - a * mean[c])
        }
        if x.shape.count == 1 {
            guard x.data.count == channels else {
                throw AuditError.invalidLayer(node: node.name, reason: "batch norm of \(channels) channels on shape \(x.shape)")
            }
            return PassValue(shape: x.shape, data: (0..<channels).map { scale[$0] * x.data[$0] + shift[$0] })
        }
        var (c, h, w, planes) = try channelsFirst(x, node: node.name)
        guard c == channels else {
            throw AuditError.invalidLayer(node: node.name, reason: "batch norm of \(channels) channels on shape \(x.shape)")
        }
        for channel in 0..<c {
            for p in 0..<(h * w) { planes[channel * h * w + p] = scale[channel] * planes[channel * h * w + p] + shift[channel] }
        }
        c = channels
        return fromChannelsFirst(channels: c, height: h, width: w, planes: planes)
    }

    func pooling(_ node: Node, _ pool: Pool2D, _ x: PassValue, average: Bool) throws -> PassValue {
        let (channels, height, width, planes) = try channelsFirst(x, node: node.name)
        guard pool.kernel.count == 2, pool.stride.count == 2,
              let rows = WindowAxis.make(input: height, kernel: pool.kernel[0], stride: pool.stride[0], dilation: 1,
                                         padding: pool.padding, axis: 0),
              let cols = WindowAxis.make(input: width, kernel: pool.kernel[1], stride: pool.stride[1], dilation: 1,
                                         padding: pool.padding, axis: 1) else {
            throw AuditError.invalidLayer(node: node.name, reason: "pooling window does not fit input \(x.shape)")
        }
        let plane = rows.output * cols.output
        var y = [Double](repeating: 0, count: channels * plane)
        for c in 0..<channels {
            for oh in 0..<rows.output {
                for ow in 0..<cols.output {
                    var sum = 0.0, valid = 0
                    for i in 0..<pool.kernel[0] {
                        let ih = oh * pool.stride[0] + i - rows.before
                        if ih < 0 || ih >= height { continue }
                        for j in 0..<pool.kernel[1] {
                            let iw = ow * pool.stride[1] + j - cols.before
                            if iw < 0 || iw >= width { continue }
                            sum += planes[(c * height + ih) * width + iw]
                            valid += 1
                        }
                    }
                    if average {
                        let divisor = pool.countIncludesPadding ? pool.kernel[0] * pool.kernel[1] : valid
                        sum *= divisor > 0 ? power(1 / Double(divisor)) : 0
                    }
                    y[c * plane + oh * cols.output + ow] = sum
                }
            }
        }
        return fromChannelsFirst(channels: channels, height: rows.output, width: cols.output, planes: y)
    }

    func concatenate(_ node: Node, _ inputs: [PassValue], axis: Int) throws -> PassValue {
        guard let first = inputs.first else {
            throw AuditError.invalidLayer(node: node.name, reason: "concatenate has no inputs")
        }
        let rank = first.shape.count
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            throw AuditError.invalidLayer(node: node.name, reason: "axis \(axis) out of range for shape \(first.shape)")
        }
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        var shape = first.shape
        shape[a] = 0
        for input in inputs {
            guard input.shape.count == rank,
                  input.shape.enumerated().allSatisfy({ $0.offset == a || $0.element == first.shape[$0.offset] }) else {
                throw AuditError.invalidLayer(node: node.name,
                    reason: "cannot concatenate \(first.shape) and \(input.shape) on axis \(axis)")
            }
            shape[a] += input.shape[a]
        }
        var data: [Double] = []
        data.reserveCapacity(shape.reduce(1, *))
        for o in 0..<outer {
            for input in inputs {
                let block = input.shape[a] * inner
                data += input.data[(o * block)..<((o + 1) * block)]
            }
        }
        return PassValue(shape: shape, data: data)
    }

    /// A rank-3 value as (C, H, W) planes, whatever the layout.
    func channelsFirst(_ x: PassValue, node: String) throws -> (Int, Int, Int, [Double]) {
        guard x.shape.count == 3 else {
            throw AuditError.invalidLayer(node: node, reason: "expects an image input, has shape \(x.shape)")
        }
        switch network.layout {
        case .torch:
            return (x.shape[0], x.shape[1], x.shape[2], x.data)
        case .keras:
            let (h, w, c) = (x.shape[0], x.shape[1], x.shape[2])
            var planes = [Double](repeating: 0, count: x.data.count)
            for i in 0..<h { for j in 0..<w { for k in 0..<c { planes[(k * h + i) * w + j] = x.data[(i * w + j) * c + k] } } }
            return (c, h, w, planes)
        }
    }

    /// (C, H, W) planes back in the layout's order.
    func fromChannelsFirst(channels c: Int, height h: Int, width w: Int, planes: [Double]) -> PassValue {
        switch network.layout {
        case .torch:
            return PassValue(shape: [c, h, w], data: planes)
        case .keras:
            var data = [Double](repeating: 0, count: planes.count)
            for i in 0..<h { for j in 0..<w { for k in 0..<c { data[(i * w + j) * c + k] = planes[(k * h + i) * w + j] } } }
            return PassValue(shape: [h, w, c], data: data)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
