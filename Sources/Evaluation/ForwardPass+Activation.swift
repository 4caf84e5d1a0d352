import Network

/// The non-homogeneous activations the evaluator computes, keyed by the
/// normalised name of `.activation(.other(name))` (lower case, without
/// `_`, `-` or spaces), with the formula each framework uses.
enum NamedActivation: String, CaseIterable {
    case identity, linear
    case tanh, sigmoid
    /// x·½·(1 + erf(x/√2)), PyTorch's default and Keras `activations.gelu`.
    case gelu
    /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    case gelutanh, geluapproximate
    case silu, swish
    case elu, selu
    /// log(1 + eˣ), or x when x > 20 (PyTorch's threshold).
    case softplus
    case softsign
    case relu6, hardtanh
    case hardsigmoid, hardswish, hardsilu
    case mish, exponential
    /// Over the channel axis (torch per-sample axis 0, keras the last).
    case softmax, logsoftmax

    /// The activation for a spelled name, or nil.
    init?(spelled name: String) {
        let key = name.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " }
        self.init(rawValue: key)
    }

    /// True for the activations that mix the channels of a sample.
    var isChannelwise: Bool { self == .softmax || self == .logsoftmax }
}

extension ForwardPass {
    /// Applies an activation element by element (softmax over the channel
    /// axis). Unknown names throw an error naming the node and the op.
    func activate(_ x: BatchValue<S>, _ activation: Activation, node: String) throws -> BatchValue<S> {
        var output = x
        switch activation {
        case .identity:
            return x
        case .relu:
            output.data.withUnsafeMutableBufferPointer { y in
                for i in y.indices { let v = y[i]; y[i] = v < 0 ? 0 : v }
            }
        case let .leakyRelu(alpha):
            let slope = S(alpha)
            output.data.withUnsafeMutableBufferPointer { y in
                for i in y.indices { let v = y[i]; y[i] = v > 0 ? v : v * slope }
            }
        case let .prelu(alphaName):
            let slopes = try preluSlopes(alphaName, sampleShape: x.sampleShape, node: node)
            let size = x.sampleSize
            output.data.withUnsafeMutableBufferPointer { y in
                slopes.withUnsafeBufferPointer { a in
                    var index = 0
                    for _ in 0..<x.count {
                        for j in 0..<size { let v = y[index]; y[index] = v > 0 ? v : v * a[j]; index += 1 }
                    }
                }
            }
        case let .other(name):
            guard let named = NamedActivation(spelled: name) else {
                throw EvaluationError.unsupportedActivation(node: node, name: name)
            }
            if named.isChannelwise {
                guard !x.sampleShape.isEmpty else {
                    throw EvaluationError.shapeMismatch(node: node, reason: "\(name) needs a channel axis")
                }
                softmax(&output, log: named == .logsoftmax)
            } else {
                output.data.withUnsafeMutableBufferPointer { y in
                    for i in y.indices { y[i] = ForwardPass.apply(named, y[i]) }
                }
            }
        }
        return output
    }

    /// One element of a named element-wise activation.
    static func apply(_ activation: NamedActivation, _ x: S) -> S {
        switch activation {
        case .identity, .linear: return x
        case .tanh: return S.tanh(x)
        case .sigmoid: return 1 / (1 + S.exp(-x))
        case .gelu: return x * S(0.5) * (1 + S.erf(x * S(0.70710678118654752440)))
        case .gelutanh, .geluapproximate:
            let inner = S(0.79788456080286535588) * (x + S(0.044715) * x * x * x)
            return S(0.5) * x * (1 + S.tanh(inner))
        case .silu, .swish: return x / (1 + S.exp(-x))
        case .elu: return x > 0 ? x : S.expm1(x)
        case .selu:
            let scale = S(1.0507009873554804934193349852946), alpha = S(1.6732632423543772848170429916717)
            return x > 0 ? scale * x : scale * alpha * S.expm1(x)
        case .softplus: return x > 20 ? x : S.log1p(S.exp(x))
        case .softsign: return x / (1 + abs(x))
        case .relu6: return min(max(x, 0), 6)
        case .hardtanh: return min(max(x, -1), 1)
        case .hardsigmoid: return min(max(x + 3, 0), 6) / 6
        case .hardswish, .hardsilu: return x * (min(max(x + 3, 0), 6) / 6)
        case .mish:
            let softplus = x > 20 ? x : S.log1p(S.exp(x))
            return x * S.tanh(softplus)
        case .exponential: return S.exp(x)
        case .softmax, .logsoftmax: return x
        }
    }

    /// Softmax (or log-softmax) over the channel axis of every sample,
    /// stabilised by subtracting the maximum.
    private func softmax(_ value: inout BatchValue<S>, log: Bool) {
        let axis = channelAxis(of: value.sampleShape)
        let channels = value.sampleShape[axis]
        let inner = value.sampleShape[(axis + 1)...].reduce(1, *)
        let outer = value.count * value.sampleShape[..<axis].reduce(1, *)
        value.data.withUnsafeMutableBufferPointer { y in
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * channels * inner + i
                    var largest = -S.infinity
                    for c in 0..<channels { largest = max(largest, y[base + c * inner]) }
                    var sum: S = 0
                    for c in 0..<channels { sum += S.exp(y[base + c * inner] - largest) }
                    for c in 0..<channels {
                        let shifted = y[base + c * inner] - largest
                        y[base + c * inner] = log ? shifted - S.log(sum) : S.exp(shifted) / sum
                    }
                }
            }
        }
    }

    /// The PReLU slopes expanded to one per element of a sample: a tensor of
    /// the sample's rank broadcasts (Keras, with shared axes of size 1); C
    /// values apply per channel (PyTorch); one value applies everywhere.
    private func preluSlopes(_ name: String, sampleShape: [Int], node: String) throws -> [S] {
        let p = try parameter(name, of: node)
        let slopes = p.values
        let size = sampleShape.reduce(1, *)
        var shape = p.shape
        // Keras may store the slopes with a leading batch axis of 1 dropped or kept.
        if shape.count == sampleShape.count + 1, shape.first == 1 { shape.removeFirst() }
        if shape.count == sampleShape.count,
           zip(shape, sampleShape).allSatisfy({ $0 == $1 || $0 == 1 }) {
            var strides = [Int](repeating: 0, count: shape.count)
            var running = 1
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                strides[axis] = shape[axis] == 1 ? 0 : running
                running *= shape[axis]
            }
            var expanded = [S](repeating: 0, count: size)
            var coordinate = [Int](repeating: 0, count: sampleShape.count)
            for element in 0..<size {
                var source = 0
                for axis in coordinate.indices { source += coordinate[axis] * strides[axis] }
                expanded[element] = slopes[source]
                var axis = coordinate.count - 1
                while axis >= 0 {
                    coordinate[axis] += 1
                    if coordinate[axis] < sampleShape[axis] { break }
                    coordinate[axis] = 0
                    axis -= 1
                }
            }
            return expanded
        }
        if slopes.count == 1 { return [S](repeating: slopes[0], count: size) }
        if !sampleShape.isEmpty {
            let axis = channelAxis(of: sampleShape)
            let channels = sampleShape[axis]
            if slopes.count == channels {
                let inner = sampleShape[(axis + 1)...].reduce(1, *)
                return (0..<size).map { slopes[($0 / inner) % channels] }
            }
        }
        throw EvaluationError.parameterMismatch(node: node, tensor: name,
            reason: "PReLU slopes of shape \(p.shape) do not fit the sample shape \(sampleShape)")
    }
}
