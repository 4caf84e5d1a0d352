import Network
import WeightFiles

/// A node of the squared network: the op with every parameter (and every
/// fixed coefficient) replaced by its square, weights in one canonical
/// orientation. Running it on an all-ones input makes every value
/// non-negative, so every activation acts as the identity.
enum SquaredOp {
    case input
    case linear(SquaredLinear)
    case conv(SquaredConv)
    case batchNorm(SquaredBatchNorm)
    /// Any activation: on the non-negative squared network it passes values through.
    case identity
    case maxPool(Pool2D)
    case avgPool(Pool2D)
    case globalAvgPool
    case globalMaxPool
    case flatten
    case reshape([Int])
    case add
    case concatenate(axis: Int)
}

/// Linear/Dense with squared weights, canonical (out × in) row-major.
struct SquaredLinear {
    var weightName: String
    var biasName: String?
    var outFeatures: Int
    var inFeatures: Int
    /// Squared weights, (out × in) row-major whatever the stored orientation.
    var weight: [Double]
    var bias: [Double]?
    /// The stored kernel is Keras (in, out) rather than PyTorch (out, in).
    var storedTransposed: Bool
}

/// Conv2D with squared weights, canonical (out, in/groups, kh, kw).
struct SquaredConv {
    var weightName: String
    var biasName: String?
    var outChannels: Int
    var inPerGroup: Int
    var kH: Int, kW: Int
    var conv: Conv2D
    var weight: [Double]
    var bias: [Double]?
    /// The stored kernel is Keras (kh, kw, in/groups, out).
    var storedKeras: Bool
}

/// Inference batch norm as the per-channel affine map a·x + c, squared:
/// `scale` = a² with a = γ/√(σ²+ε) (γ = 1 when absent), `shift` = c² with
/// c = β − a·μ (β = 0 when absent).
struct SquaredBatchNorm {
    var gammaName: String?
    var betaName: String?
    var channels: Int
    var scale: [Double]
    var shift: [Double]
}

/// Reads the tensors of each node and builds its squared form.
struct SquaredOpBuilder {
    var tensors: [String: Tensor]
    var layout: Layout

    /// The squared op of `node`; throws naming the node and tensor when a
    /// tensor is missing, not floating point or of the wrong rank.
    func build(_ node: Node) throws -> (op: SquaredOp, note: String?) {
        switch node.op {
        case .input: return (.input, nil)
        case let .linear(weight, bias): return (.linear(try linear(node.name, weight: weight, bias: bias)), nil)
        case let .conv2d(conv): return (.conv(try convolution(node.name, conv)), nil)
        case let .batchNorm(bn): return (.batchNorm(try batchNorm(node.name, bn)), nil)
        case let .activation(activation):
            if case let .other(name) = activation {
                return (.identity, "node \(node.name) (\(name)) is not positively homogeneous: "
                    + "the path kernel treats it as the identity")
            }
            return (.identity, nil)
        case let .maxPool2d(pool): return (.maxPool(pool), nil)
        case let .avgPool2d(pool): return (.avgPool(pool), nil)
        case .globalAvgPool2d: return (.globalAvgPool, nil)
        case .globalMaxPool2d: return (.globalMaxPool, nil)
        case .flatten: return (.flatten, nil)
        case let .reshape(shape): return (.reshape(shape), nil)
        case .add: return (.add, nil)
        case let .concatenate(axis): return (.concatenate(axis: axis), nil)
        }
    }

    /// The tensor's values as doubles, after checking it exists, is
    /// floating point and has no empty dimension.
    func values(_ name: String, node: String) throws -> (shape: [Int], values: [Double]) {
        guard let tensor = tensors[name] else { throw PathKernelError.missingTensor(node: node, tensor: name) }
        guard tensor.dtype.isFloatingPoint else {
            throw PathKernelError.notFloatingPoint(tensor: name, dtype: tensor.dtype.numpyName)
        }
        guard tensor.shape.allSatisfy({ $0 > 0 }) else {
            throw PathKernelError.shapeMismatch(node: node, tensor: name, expected: "no empty dimension", found: tensor.shape)
        }
        return (tensor.shape, tensor.doubles())
    }

    private func vector(_ name: String, node: String, count: Int) throws -> [Double] {
        let (shape, v) = try values(name, node: node)
        guard v.count == count, shape.count <= 1 else {
            throw PathKernelError.shapeMismatch(node: node, tensor: name, expected: "[\(count)]", found: shape)
        }
        return v
    }

    private func linear(_ node: String, weight: String, bias: String?) throws -> SquaredLinear {
        let (shape, w) = try values(weight, node: node)
        guard shape.count == 2 else {
            throw PathKernelError.shapeMismatch(node: node, tensor: weight, expected: "a matrix", found: shape)
        }
        let transposed = layout == .keras
        let (outF, inF) = transposed ? (shape[1], shape[0]) : (shape[0], shape[1])
        let b = try bias.map { try vector($0, node: node, count: outF) }
        return SquaredLinear(weightName: weight, biasName: bias, outFeatures: outF, inFeatures: inF,
                             weight: Self.squared(transposed ? ChannelImage.transpose(w, rows: inF, columns: outF) : w),
                             bias: b.map(Self.squared), storedTransposed: transposed)
    }

    private func convolution(_ node: String, _ conv: Conv2D) throws -> SquaredConv {
        let (shape, w) = try values(conv.weight, node: node)
        guard shape.count == 4 else {
            throw PathKernelError.shapeMismatch(node: node, tensor: conv.weight, expected: "a rank-4 kernel", found: shape)
        }
        let keras = layout == .keras
        // Canonical (O, I/G, kh, kw).
        let (o, i, kh, kw) = keras ? (shape[3], shape[2], shape[0], shape[1]) : (shape[0], shape[1], shape[2], shape[3])
        guard conv.groups > 0, o % conv.groups == 0 else {
            throw PathKernelError.invalidOp(node: node, reason: "\(o) output channels are not divisible by groups=\(conv.groups)")
        }
        var canonical = w
        if keras {
            // (kh, kw, i, o) -> (o, i, kh, kw)
            for y in 0..<kh { for x in 0..<kw { for c in 0..<i { for f in 0..<o {
                canonical[((f * i + c) * kh + y) * kw + x] = w[((y * kw + x) * i + c) * o + f]
            } } } }
        }
        let b = try conv.bias.map { try vector($0, node: node, count: o) }
        return SquaredConv(weightName: conv.weight, biasName: conv.bias, outChannels: o, inPerGroup: i,
                           kH: kh, kW: kw, conv: conv, weight: Self.squared(canonical),
                           bias: b.map(Self.squared), storedKeras: keras)
    }

    /// Every element squared, in place (the values are fresh copies: no
    /// second array of the size of the weights).
    private static func squared(_ values: consuming [Double]) -> [Double] {
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] *= v[i] }
        }
        return values
    }

    private func batchNorm(_ node: String, _ bn: BatchNorm) throws -> SquaredBatchNorm {
        let (meanShape, mean) = try values(bn.mean, node: node)
        guard meanShape.count <= 1 else {
            throw PathKernelError.shapeMismatch(node: node, tensor: bn.mean, expected: "a vector", found: meanShape)
        }
        let channels = mean.count
        let variance = try vector(bn.variance, node: node, count: channels)
        let gamma = try bn.gamma.map { try vector($0, node: node, count: channels) }
        let beta = try bn.beta.map { try vector($0, node: node, count: channels) }
        guard bn.epsilon >= 0, bn.epsilon.isFinite else {
            throw PathKernelError.invalidOp(node: node, reason: "epsilon \(bn.epsilon) is not a non-negative number")
        }
        var scale = [Double](repeating: 0, count: channels), shift = scale
        for ch in 0..<channels {
            guard variance[ch] + bn.epsilon > 0 else {
                throw PathKernelError.invalidOp(node: node,
                    reason: "channel \(ch): variance + epsilon = \(variance[ch] + bn.epsilon) is not positive")
            }
            let denominator = (variance[ch] + bn.epsilon).squareRoot()
            let a = (gamma?[ch] ?? 1) / denominator
            let c = (beta?[ch] ?? 0) - a * mean[ch]
            scale[ch] = a * a
            shift[ch] = c * c
        }
        return SquaredBatchNorm(gammaName: bn.gamma, betaName: bn.beta, channels: channels, scale: scale, shift: shift)
    }
}
