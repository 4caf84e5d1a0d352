/// Parameter-free ops of the squared network that only move values around:
/// reshape (flatten is a reshape to a vector), add and concatenate.
enum KernelWiring {
    /// The target of a reshape with at most one −1 (inferred) dimension.
    static func reshapeTarget(_ shape: [Int], of input: [Int], node: String) throws -> [Int] {
        let count = input.reduce(1, *)
        let unknown = shape.filter { $0 == -1 }.count
        guard unknown <= 1, shape.allSatisfy({ $0 > 0 || $0 == -1 }) else {
            throw PathKernelError.invalidOp(node: node, reason: "reshape to \(shape) is not a valid shape")
        }
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        var target = shape
        if unknown == 1 {
            guard known > 0, count % known == 0 else {
                throw PathKernelError.invalidOp(node: node, reason: "cannot reshape \(input) to \(shape)")
            }
            target = shape.map { $0 == -1 ? count / known : $0 }
        }
        guard target.reduce(1, *) == count else {
            throw PathKernelError.invalidOp(node: node, reason: "cannot reshape \(input) (\(count) elements) to \(shape)")
        }
        return target
    }

    /// Element-wise sum; every input must have the same shape.
    static func add(_ inputs: [KernelValue], node: String) throws -> KernelValue {
        guard let first = inputs.first else { throw PathKernelError.invalidOp(node: node, reason: "add has no inputs") }
        var sum = first.data
        for value in inputs.dropFirst() {
            guard value.shape == first.shape else {
                throw PathKernelError.invalidOp(node: node,
                    reason: "add of shapes \(inputs.map(\.shape)) (all must be equal)")
            }
            for i in sum.indices { sum[i] += value.data[i] }
        }
        return KernelValue(shape: first.shape, data: sum)
    }

    /// `axis` of rank-`rank` values made non-negative (−1 is the last axis).
    static func normalizedAxis(_ axis: Int, rank: Int, node: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            throw PathKernelError.invalidOp(node: node, reason: "concatenate axis \(axis) does not exist for rank \(rank)")
        }
        return a
    }

    /// Concatenation along `axis` (per-sample, layout order).
    static func concatenate(_ inputs: [KernelValue], axis: Int, node: String) throws -> KernelValue {
        guard let first = inputs.first else { throw PathKernelError.invalidOp(node: node, reason: "concatenate has no inputs") }
        let a = try normalizedAxis(axis, rank: first.shape.count, node: node)
        for value in inputs {
            guard value.shape.count == first.shape.count,
                  value.shape.enumerated().allSatisfy({ $0.offset == a || $0.element == first.shape[$0.offset] }) else {
                throw PathKernelError.invalidOp(node: node,
                    reason: "concatenate along axis \(axis) of shapes \(inputs.map(\.shape)) (other axes must agree)")
            }
        }
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        let total = inputs.reduce(0) { $0 + $1.shape[a] }
        var data = [Double](repeating: 0, count: outer * total * inner)
        var offset = 0
        for value in inputs {
            let size = value.shape[a] * inner
            for o in 0..<outer {
                for j in 0..<size { data[(o * total) * inner + offset + j] = value.data[o * size + j] }
            }
            offset += size
        }
        var shape = first.shape
        shape[a] = total
        return KernelValue(shape: shape, data: data)
    }

    /// Splits a concatenation's gradient back into one gradient per input.
    static func split(_ delta: KernelValue, like inputs: [KernelValue], axis: Int, node: String) throws -> [KernelValue] {
        let a = try normalizedAxis(axis, rank: delta.shape.count, node: node)
        let outer = delta.shape[..<a].reduce(1, *), inner = delta.shape[(a + 1)...].reduce(1, *)
        let total = delta.shape[a]
        var offset = 0
        return inputs.map { value in
            let size = value.shape[a] * inner
            var data = [Double](repeating: 0, count: value.data.count)
            for o in 0..<outer {
                for j in 0..<size { data[o * size + j] = delta.data[(o * total) * inner + offset + j] }
            }
            offset += size
            return KernelValue(shape: value.shape, data: data)
        }
    }
}
