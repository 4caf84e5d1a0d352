import Network
import WeightFiles

/// One output node's values for a batch.
public struct NodeOutput: Sendable, Equatable {
    /// The node's name.
    public var node: String
    /// One sample's shape, in the layout's order.
    public var sampleShape: [Int]
    /// Number of samples.
    public var count: Int
    /// All samples one after the other, each in C order of `sampleShape`.
    /// Float32 results are converted exactly, so equal bit patterns here mean
    /// equal float32 bit patterns.
    public var values: [Double]
}

/// Forward evaluation of a `Network` over the tensors of one source.
///
/// Parameters are checked at initialisation and read from the source, and
/// converted to the evaluation precision, as each node is evaluated (one
/// node's parameters in memory at a time beyond what the source holds).
/// Every op is computed in a fixed order that does not depend on the
/// values, with all matrix products done by OpenBLAS (`cblas_sgemm`,
/// `cblas_dgemm`); so two parameter sets that differ by power-of-two unit
/// scalings give bit-identical outputs (barring overflow and subnormals).
public struct ForwardEvaluator: Sendable {
    /// The evaluated graph.
    public let network: Network
    /// The arithmetic precision.
    public let precision: Precision
    private let pass: Pass

    private enum Pass: Sendable {
        case single(ForwardPass<Float>)
        case double(ForwardPass<Double>)
    }

    /// Validates `network` and loads every tensor it names from `parameters`.
    /// Throws `EvaluationError` for a malformed graph, a missing tensor or a
    /// non-float parameter, and the source's own read errors.
    public init(network: Network, parameters: TensorSource, precision: Precision = .float32) throws {
        self.network = network
        self.precision = precision
        switch precision {
        case .float32: pass = .single(try ForwardPass<Float>(network: network, source: parameters))
        case .float64: pass = .double(try ForwardPass<Double>(network: network, source: parameters))
        }
    }

    /// One sample's input shape: the network's own, else (for a network that
    /// starts with a linear layer) the fan-in of that layer's weight. Throws
    /// when neither says, naming what to pass.
    public func inputShape() throws -> [Int] {
        if let shape = network.inputShape { return shape }
        switch pass {
        case let .single(pass): return try pass.inferredInputShape()
        case let .double(pass): return try pass.inferredInputShape()
        }
    }

    /// Evaluates `count` samples given as one flat C-order array of
    /// `count × sampleShape` values (converted to the evaluation precision),
    /// and returns every output node's values. `sampleShape` defaults to
    /// `inputShape()`.
    public func evaluate(_ inputs: [Double], count: Int, sampleShape: [Int]? = nil) throws -> [NodeOutput] {
        let shape = try sampleShape ?? inputShape()
        guard count >= 0, shape.allSatisfy({ $0 > 0 }) else {
            throw EvaluationError.invalidInput(reason: "sample shape \(shape) and count \(count) must be positive")
        }
        guard inputs.count == count * shape.reduce(1, *) else {
            throw EvaluationError.invalidInput(reason:
                "\(inputs.count) values do not make \(count) samples of shape \(shape)")
        }
        switch pass {
        case let .single(pass): return try Self.run(pass, inputs.map(Float.init), count: count, shape: shape)
        case let .double(pass): return try Self.run(pass, inputs, count: count, shape: shape)
        }
    }

    private static func run<S: EvaluationScalar>(_ pass: ForwardPass<S>, _ inputs: [S], count: Int,
                                                 shape: [Int]) throws -> [NodeOutput] {
        let outputs = try pass.run(BatchValue(sampleShape: shape, count: count, data: inputs))
        return zip(pass.network.outputs, outputs).map { index, value in
            NodeOutput(node: pass.network.nodes[index].name, sampleShape: value.sampleShape,
                       count: value.count, values: value.data.map(\.doubleValue))
        }
    }
}

extension ForwardPass {
    /// The fan-in of the first linear layer when the input feeds it directly
    /// (possibly through element-wise activations or flatten).
    func inferredInputShape() throws -> [Int] {
        var current = 0
        while true {
            guard let next = network.nodes.firstIndex(where: { $0.inputs.contains(current) }) else { break }
            let node = network.nodes[next]
            switch node.op {
            case let .linear(weight, _):
                if let shape = parameterShapes[weight], shape.count == 2 {
                    return [network.layout == .torch ? shape[1] : shape[0]]
                }
            case .activation, .flatten:
                current = next
                continue
            default: break
            }
            break
        }
        throw EvaluationError.invalidInput(reason:
            "the network's input shape is unknown (it does not start with a linear layer); pass --input-shape")
    }
}
