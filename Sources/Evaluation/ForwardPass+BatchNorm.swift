import Network

extension ForwardPass {
    /// Inference batch norm over the channel axis, in the order each
    /// framework computes it so rounding stays close:
    /// torch: α = γ·(1/√(σ²+ε)), y = x·α + (β − μ·α) (ATen's CPU kernel);
    /// keras: y = (x − μ)·((1/√(σ²+ε))·γ) + β (Keras 3 `batch_normalization`).
    /// A missing γ is 1, a missing β is 0.
    func batchNorm(_ x: BatchValue<S>, _ bn: BatchNorm, node: String) throws -> BatchValue<S> {
        guard !x.sampleShape.isEmpty else {
            throw EvaluationError.shapeMismatch(node: node, reason: "batchnorm needs a channel axis")
        }
        let axis = channelAxis(of: x.sampleShape)
        let channels = x.sampleShape[axis]
        func vector(_ name: String?, default fill: S) throws -> [S] {
            guard let name else { return [S](repeating: fill, count: channels) }
            let p = try parameter(name, of: node)
            guard p.count == channels else {
                throw EvaluationError.parameterMismatch(node: node, tensor: name,
                    reason: "has \(p.count) elements for \(channels) channels")
            }
            return p.values
        }
        let gamma = try vector(bn.gamma, default: 1), beta = try vector(bn.beta, default: 0)
        let mean = try vector(bn.mean, default: 0), variance = try vector(bn.variance, default: 1)
        let epsilon = S(bn.epsilon)
        let inverseDeviation = variance.map { 1 / ($0 + epsilon).squareRoot() }
        // Per-channel multiplier and shift in the framework's order.
        let multiplier = (0..<channels).map { inverseDeviation[$0] * gamma[$0] }
        let shift = (0..<channels).map { beta[$0] - mean[$0] * multiplier[$0] }
        let torch = network.layout == .torch
        // Elements per channel run: inner extent after the channel axis.
        let inner = x.sampleShape[(axis + 1)...].reduce(1, *)
        let outer = x.count * x.sampleShape[..<axis].reduce(1, *)
        var output = x
        output.data.withUnsafeMutableBufferPointer { y in
            var index = 0
            for _ in 0..<outer {
                for c in 0..<channels {
                    let a = multiplier[c]
                    if torch {
                        let b = shift[c]
                        for _ in 0..<inner { y[index] = y[index] * a + b; index += 1 }
                    } else {
                        let m = mean[c], b = beta[c]
                        for _ in 0..<inner { y[index] = (y[index] - m) * a + b; index += 1 }
                    }
                }
            }
        }
        return output
    }
}
