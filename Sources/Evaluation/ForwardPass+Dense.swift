import Network

extension ForwardPass {
    /// Fully connected layer over the last per-sample axis:
    /// y = x·Wᵀ + b (torch weight (out, in)) or y = x·W + b (keras kernel
    /// (in, out)); one GEMM for the whole batch, bias added after.
    func linear(_ x: BatchValue<S>, weight: String, bias: String?, node: String) throws -> BatchValue<S> {
        let w = try parameter(weight, of: node)
        guard let fanIn = x.sampleShape.last else {
            throw EvaluationError.shapeMismatch(node: node, reason: "linear needs at least one feature axis")
        }
        guard w.shape.count == 2 else {
            throw EvaluationError.parameterMismatch(node: node, tensor: weight,
                reason: "has shape \(w.shape); a linear weight has two axes")
        }
        let torch = network.layout == .torch
        let (storedIn, fanOut) = torch ? (w.shape[1], w.shape[0]) : (w.shape[0], w.shape[1])
        guard storedIn == fanIn else {
            throw EvaluationError.parameterMismatch(node: node, tensor: weight,
                reason: "has shape \(w.shape), which takes \(storedIn) inputs, but the input has \(fanIn) features "
                    + "(sample shape \(x.sampleShape), \(network.layout.rawValue) layout)")
        }
        let rows = x.count * x.sampleShape.dropLast().reduce(1, *)
        var output = BatchValue<S>(sampleShape: x.sampleShape.dropLast() + [fanOut], count: x.count)
        x.data.withUnsafeBufferPointer { input in
            w.withUnsafeValues { weights in
                output.data.withUnsafeMutableBufferPointer { out in
                    Gemm.multiply(transposeA: false, transposeB: torch, m: rows, n: fanOut, k: fanIn,
                                  a: input, aOffset: 0, lda: fanIn,
                                  b: weights, bOffset: 0, ldb: torch ? fanIn : fanOut,
                                  c: out, cOffset: 0, ldc: fanOut)
                }
            }
        }
        if let bias {
            let b = try parameter(bias, of: node)
            guard b.count == fanOut else {
                throw EvaluationError.parameterMismatch(node: node, tensor: bias,
                    reason: "has \(b.count) elements for \(fanOut) outputs")
            }
            output.data.withUnsafeMutableBufferPointer { y in
                b.withUnsafeValues { b in
                    for row in 0..<rows {
                        let base = row * fanOut
                        for o in 0..<fanOut { y[base + o] += b[o] }
                    }
                }
            }
        }
        return output
    }
}
