import Network

extension ForwardPass {
    /// A relabelling of the per-sample shape (same C-order data); a single
    /// −1 entry takes the remaining size.
    func reshape(_ x: BatchValue<S>, to shape: [Int], node: String) throws -> BatchValue<S> {
        var target = shape
        let size = x.sampleSize
        let unknown = target.indices.filter { target[$0] == -1 }
        let known = target.filter { $0 != -1 }.reduce(1, *)
        if unknown.count == 1, known > 0, size % known == 0 { target[unknown[0]] = size / known }
        guard target.allSatisfy({ $0 >= 0 }), target.reduce(1, *) == size else {
            throw EvaluationError.shapeMismatch(node: node,
                reason: "cannot reshape a sample of shape \(x.sampleShape) to \(shape)")
        }
        return BatchValue(sampleShape: target, count: x.count, data: x.data)
    }

    /// Element-wise sum of the inputs, added left to right.
    func add(_ inputs: [BatchValue<S>], node: String) throws -> BatchValue<S> {
        guard var sum = inputs.first else {
            throw EvaluationError.shapeMismatch(node: node, reason: "add needs at least one input")
        }
        for other in inputs.dropFirst() {
            guard other.sampleShape == sum.sampleShape, other.count == sum.count else {
                throw EvaluationError.shapeMismatch(node: node,
                    reason: "adds inputs of shapes \(inputs.map(\.sampleShape)); they must be equal")
            }
            sum.data.withUnsafeMutableBufferPointer { y in
                other.data.withUnsafeBufferPointer { x in
                    for i in y.indices { y[i] += x[i] }
                }
            }
        }
        return sum
    }

    /// Concatenation along a per-sample axis (layout order; negative counts
    /// from the end). Every other axis must agree.
    func concatenate(_ inputs: [BatchValue<S>], axis requested: Int, node: String) throws -> BatchValue<S> {
        guard let first = inputs.first else {
            throw EvaluationError.shapeMismatch(node: node, reason: "concatenate needs at least one input")
        }
        let rank = first.sampleShape.count
        let axis = requested < 0 ? requested + rank : requested
        guard axis >= 0, axis < rank else {
            throw EvaluationError.shapeMismatch(node: node,
                reason: "concatenation axis \(requested) is outside a sample of shape \(first.sampleShape)")
        }
        for input in inputs {
            var a = input.sampleShape, b = first.sampleShape
            guard a.count == rank, input.count == first.count else {
                throw EvaluationError.shapeMismatch(node: node,
                    reason: "concatenates samples of shapes \(inputs.map(\.sampleShape))")
            }
            a[axis] = 0; b[axis] = 0
            guard a == b else {
                throw EvaluationError.shapeMismatch(node: node,
                    reason: "concatenates samples of shapes \(inputs.map(\.sampleShape)) along axis \(axis)")
            }
        }
        var shape = first.sampleShape
        shape[axis] = inputs.map { $0.sampleShape[axis] }.reduce(0, +)
        let outer = first.count * first.sampleShape[..<axis].reduce(1, *)
        let inner = first.sampleShape[(axis + 1)...].reduce(1, *)
        var data = [S]()
        data.reserveCapacity(first.count * shape.reduce(1, *))
        for o in 0..<outer {
            for input in inputs {
                let block = input.sampleShape[axis] * inner
                data.append(contentsOf: input.data[(o * block)..<((o + 1) * block)])
            }
        }
        return BatchValue(sampleShape: shape, count: first.count, data: data)
    }
}
