import Network
import WeightFiles

/// A linear or conv2d node seen as the matrix it applies: one row per output
/// unit, one column per input the unit reads (its fan-in), whatever the
/// layout stored.
///
/// Columns are ordered (in/groups, kh, kw) as PyTorch stores them; Keras
/// kernels are transposed into that order. Metrics that depend only on
/// rows (norms, σ_w²) or on singular values do not depend on the column
/// order.
struct LayerMatrix {
    enum Kind: String, Sendable {
        case linear, conv2d
    }

    var node: String
    var kind: Kind
    var weightName: String
    var biasName: String?
    /// Output units (features or channels).
    var outUnits: Int
    /// Inputs per output unit: in for linear, in/groups·kh·kw for conv2d.
    var fanIn: Int
    /// Convolution groups (1 for linear): output unit o reads the inputs of
    /// block o / (outUnits / groups) only.
    var groups: Int
    /// Kernel height and width (1, 1 for linear).
    var kernelHeight: Int
    var kernelWidth: Int
    /// values[o * fanIn + k].
    var values: [Double]
    /// One value per output unit, or nil.
    var bias: [Double]?

    /// The matrix of `node`, or nil when the node has no weight matrix.
    /// Throws when a tensor is missing or its shape does not fit the op.
    static func of(_ node: Node, layout: Layout, tensors: inout TensorTable) throws -> LayerMatrix? {
        switch node.op {
        case let .linear(weight, bias):
            let tensor = try tensors.tensor(weight, node: node.name)
            guard tensor.shape.count == 2 else {
                throw AuditError.invalidLayer(node: node.name,
                    reason: "linear weight '\(weight)' has shape \(tensor.shape), expected 2 dimensions")
            }
            let stored = try tensors.values(weight, node: node.name)
            let (outUnits, fanIn): (Int, Int)
            var values: [Double]
            switch layout {
            case .torch:
                (outUnits, fanIn) = (tensor.shape[0], tensor.shape[1])
                values = stored
            case .keras:
                (fanIn, outUnits) = (tensor.shape[0], tensor.shape[1])
                values = [Double](repeating: 0, count: stored.count)
                for i in 0..<fanIn { for o in 0..<outUnits { values[o * fanIn + i] = stored[i * outUnits + o] } }
            }
            let biasValues = try biasVector(bias, units: outUnits, node: node.name, tensors: &tensors)
            return LayerMatrix(node: node.name, kind: .linear, weightName: weight, biasName: bias,
                               outUnits: outUnits, fanIn: fanIn, groups: 1, kernelHeight: 1, kernelWidth: 1,
                               values: values, bias: biasValues)

        case let .conv2d(conv):
            let tensor = try tensors.tensor(conv.weight, node: node.name)
            guard tensor.shape.count == 4 else {
                throw AuditError.invalidLayer(node: node.name,
                    reason: "conv2d weight '\(conv.weight)' has shape \(tensor.shape), expected 4 dimensions")
            }
            let stored = try tensors.values(conv.weight, node: node.name)
            let (outUnits, inPerGroup, kh, kw): (Int, Int, Int, Int)
            var values: [Double]
            switch layout {
            case .torch:
                (outUnits, inPerGroup, kh, kw) = (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
                values = stored
            case .keras:
                (kh, kw, inPerGroup, outUnits) = (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
                values = [Double](repeating: 0, count: stored.count)
                let fanIn = inPerGroup * kh * kw
                for i in 0..<kh { for j in 0..<kw { for c in 0..<inPerGroup { for o in 0..<outUnits {
                    values[o * fanIn + (c * kh + i) * kw + j] = stored[((i * kw + j) * inPerGroup + c) * outUnits + o]
                } } } }
            }
            guard conv.groups >= 1, outUnits % conv.groups == 0 else {
                throw AuditError.invalidLayer(node: node.name,
                    reason: "conv2d has \(outUnits) output channels, not divisible by groups=\(conv.groups)")
            }
            let biasValues = try biasVector(conv.bias, units: outUnits, node: node.name, tensors: &tensors)
            return LayerMatrix(node: node.name, kind: .conv2d, weightName: conv.weight, biasName: conv.bias,
                               outUnits: outUnits, fanIn: inPerGroup * kh * kw, groups: conv.groups,
                               kernelHeight: kh, kernelWidth: kw, values: values, bias: biasValues)
        default:
            return nil
        }
    }

    private static func biasVector(_ name: String?, units: Int, node: String,
                                   tensors: inout TensorTable) throws -> [Double]? {
        guard let name else { return nil }
        let values = try tensors.values(name, node: node)
        guard values.count == units else {
            throw AuditError.invalidLayer(node: node,
                reason: "bias '\(name)' has \(values.count) elements for \(units) output units")
        }
        return values
    }

    /// Σ over output unit o's row (and its bias) of the squares.
    func rowSquaredNorm(_ o: Int) -> Double {
        var sum = bias.map { $0[o] * $0[o] } ?? 0
        for k in 0..<fanIn { let w = values[o * fanIn + k]; sum += w * w }
        return sum
    }

    /// True when unit o's row and bias are all exactly zero.
    func rowIsZero(_ o: Int) -> Bool {
        if let bias, bias[o] != 0 { return false }
        for k in 0..<fanIn where values[o * fanIn + k] != 0 { return false }
        return true
    }

    /// The blocks of the layer's full (outUnits × in·kh·kw) matrix that are
    /// not structurally zero: one (outUnits/groups × fanIn) block per group,
    /// row-major. The full matrix is block diagonal, so its singular values
    /// are the union of the blocks'.
    func blocks() -> [[Double]] {
        let rowsPerBlock = outUnits / groups
        return (0..<groups).map { b in
            Array(values[(b * rowsPerBlock * fanIn)..<((b + 1) * rowsPerBlock * fanIn)])
        }
    }
}
