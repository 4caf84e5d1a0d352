import Network

/// Gradients of the summed outputs with respect to the squared parameters,
/// per tensor name, in the tensor's stored shape and C order.
struct KernelGradients {
    private(set) var byTensor: [String: [Double]] = [:]

    /// Adds `values` (stored order) into the tensor's gradient.
    mutating func add(_ name: String, _ values: [Double]) {
        if var existing = byTensor[name] {
            precondition(existing.count == values.count, "gradient of \(name) changes size")
            for i in existing.indices { existing[i] += values[i] }
            byTensor[name] = existing
        } else {
            byTensor[name] = values
        }
    }
}

extension SquaredLinear {
    /// y = x·Wᵀ + b over the last axis of `x` (any leading axes are rows).
    func forward(_ x: KernelValue, node: String) throws -> KernelValue {
        guard let last = x.shape.last, last == inFeatures else {
            throw PathKernelError.invalidOp(node: node,
                reason: "weight '\(weightName)' takes \(inFeatures) features, input has shape \(x.shape)")
        }
        let rows = x.data.count / inFeatures
        var y = [Double](repeating: 0, count: rows * outFeatures)
        KernelBLAS.multiply(x.data, transposeA: false, weight, transposeB: true, into: &y,
                            m: rows, n: outFeatures, k: inFeatures, accumulate: false)
        if let bias {
            for r in 0..<rows { for o in 0..<outFeatures { y[r * outFeatures + o] += bias[o] } }
        }
        return KernelValue(shape: Array(x.shape.dropLast()) + [outFeatures], data: y)
    }

    /// Records dW = δᵀ·x and db = Σ δ, and returns dx = δ·W.
    func backward(input x: KernelValue, gradient delta: KernelValue, into gradients: inout KernelGradients) -> KernelValue {
        let rows = x.data.count / inFeatures
        var dW = [Double](repeating: 0, count: outFeatures * inFeatures)
        KernelBLAS.multiply(delta.data, transposeA: true, x.data, transposeB: false, into: &dW,
                            m: outFeatures, n: inFeatures, k: rows, accumulate: false)
        gradients.add(weightName, storedTransposed ? ChannelImage.transpose(dW, rows: outFeatures, columns: inFeatures) : dW)
        if let biasName {
            var db = [Double](repeating: 0, count: outFeatures)
            for r in 0..<rows { for o in 0..<outFeatures { db[o] += delta.data[r * outFeatures + o] } }
            gradients.add(biasName, db)
        }
        var dx = [Double](repeating: 0, count: x.data.count)
        KernelBLAS.multiply(delta.data, transposeA: false, weight, transposeB: false, into: &dx,
                            m: rows, n: inFeatures, k: outFeatures, accumulate: false)
        return KernelValue(shape: x.shape, data: dx)
    }
}

extension SquaredBatchNorm {
    /// The channel of element `index` of a value of `shape`: axis 0 in the
    /// torch layout, the last axis in the keras layout (the same for vectors).
    private func channelIndexer(shape: [Int], layout: Layout, node: String) throws -> (Int) -> Int {
        guard !shape.isEmpty else { throw PathKernelError.invalidOp(node: node, reason: "batch norm of a scalar") }
        let axisSize = layout == .torch ? shape[0] : shape[shape.count - 1]
        guard axisSize == channels else {
            throw PathKernelError.invalidOp(node: node,
                reason: "batch norm has \(channels) channels, input has shape \(shape) (\(layout.rawValue) layout)")
        }
        let inner = shape.reduce(1, *) / channels
        return layout == .torch ? { $0 / inner } : { $0 % channels }
    }

    /// y = a²·x + c² per channel.
    func forward(_ x: KernelValue, layout: Layout, node: String) throws -> KernelValue {
        let channelOf = try channelIndexer(shape: x.shape, layout: layout, node: node)
        var y = x.data
        for i in y.indices { let ch = channelOf(i); y[i] = scale[ch] * y[i] + shift[ch] }
        return KernelValue(shape: x.shape, data: y)
    }

    /// Records d(a²) = Σ δ·x and d(c²) = Σ δ per channel under the names of
    /// γ and β (the parameters that carry a and c), and returns dx = a²·δ.
    func backward(input x: KernelValue, gradient delta: KernelValue, layout: Layout, node: String,
                  into gradients: inout KernelGradients) throws -> KernelValue {
        let channelOf = try channelIndexer(shape: x.shape, layout: layout, node: node)
        var dScale = [Double](repeating: 0, count: channels), dShift = dScale
        var dx = delta.data
        for i in dx.indices {
            let ch = channelOf(i)
            dScale[ch] += delta.data[i] * x.data[i]
            dShift[ch] += delta.data[i]
            dx[i] = scale[ch] * delta.data[i]
        }
        if let gammaName { gradients.add(gammaName, dScale) }
        if let betaName { gradients.add(betaName, dShift) }
        return KernelValue(shape: x.shape, data: dx)
    }
}
