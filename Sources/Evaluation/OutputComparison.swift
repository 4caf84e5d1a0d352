#if canImport(Glibc)
import Glibc
#endif
import Network
import WeightFiles

/// How two parameter sets' outputs differ on the same probe inputs.
public struct OutputComparison: Sendable, Equatable {
    /// Number of probe samples evaluated.
    public var probes: Int
    /// One sample's input shape.
    public var sampleShape: [Int]
    /// The largest |a − b| over every output element (infinity when one is
    /// NaN or infinite and the other is not, they differ in an infinity, or
    /// the outputs differ in shape).
    public var maxAbsDiff: Double
    /// `maxAbsDiff` divided by the largest finite |a| over every output
    /// element of A (the output scale); infinity when that scale is 0 but
    /// outputs differ.
    public var maxRelDiff: Double
    /// True when every output element has the same bit pattern in both.
    public var bitIdentical: Bool
    /// The arithmetic precision of the evaluation.
    public var precision: Precision

    /// Compares outputs node by node; both lists come from the same network.
    public init(_ a: [NodeOutput], _ b: [NodeOutput], probes: Int, sampleShape: [Int], precision: Precision) {
        var maxAbs = 0.0, scale = 0.0, identical = true
        for (x, y) in zip(a, b) {
            for (u, v) in zip(x.values, y.values) {
                if u.isFinite { scale = max(scale, abs(u)) }
                if u.bitPattern != v.bitPattern { identical = false }
                if u == v || (u.isNaN && v.isNaN) { continue }
                let difference = abs(u - v)
                maxAbs = max(maxAbs, difference.isNaN ? .infinity : difference)
            }
        }
        let sameShapes = a.count == b.count && zip(a, b).allSatisfy { $0.values.count == $1.values.count }
        if !sameShapes { maxAbs = .infinity }
        self.probes = probes
        self.sampleShape = sampleShape
        maxAbsDiff = maxAbs
        maxRelDiff = maxAbs == 0 ? 0 : (scale > 0 ? maxAbs / scale : .infinity)
        bitIdentical = identical && sameShapes
        self.precision = precision
    }
}

/// Probe inputs for a comparison: given, or seeded.
public enum ProbeInputs: Sendable, Equatable {
    /// `count` samples of `sampleShape` in one flat C-order array.
    case values([Double], count: Int, sampleShape: [Int])
    /// `count` seeded uniform samples in [−1, 1) of the given shape (nil:
    /// the network's input shape).
    case seeded(count: Int, seed: UInt64, sampleShape: [Int]?)

    /// The default seed of `fulcrum diff --probes`.
    public static let defaultSeed: UInt64 = 0x5EED_F01C_2026

    /// Reads a batch (count, sample shape…) from a tensor, e.g. an `.npy`;
    /// a tensor of exactly `sampleShape` is a batch of one. Throws when the
    /// tensor is boolean, not a batch, or its samples are not `sampleShape`.
    public static func tensor(_ tensor: Tensor, sampleShape: [Int]? = nil) throws -> ProbeInputs {
        guard tensor.dtype != .bool else {
            throw EvaluationError.invalidInput(reason: "input tensor '\(tensor.name)' is boolean")
        }
        if let sampleShape, tensor.shape == sampleShape {
            return .values(tensor.doubles(), count: 1, sampleShape: sampleShape)
        }
        if let sampleShape, Array(tensor.shape.dropFirst()) != sampleShape {
            throw EvaluationError.invalidInput(reason:
                "input tensor '\(tensor.name)' of shape \(tensor.shape) does not hold samples of shape \(sampleShape)")
        }
        guard tensor.shape.count >= 2, let count = tensor.shape.first else {
            throw EvaluationError.invalidInput(reason:
                "input tensor '\(tensor.name)' of shape \(tensor.shape) is not a batch (count, sample shape…)")
        }
        return .values(tensor.doubles(), count: count, sampleShape: Array(tensor.shape.dropFirst()))
    }
}

extension ForwardEvaluator {
    /// The most input values a seeded probe batch may hold: an eighth of the
    /// machine's physical memory in float64 values (the batch, both
    /// evaluations and their activations must fit beside it).
    public static let maximumProbeElements: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 1 << 28 }
        return pages / 64 * pageSize
    }()

    /// The concrete input batch for `probes`: seeded values are drawn for
    /// the given shape, or this network's input shape.
    public func resolve(_ probes: ProbeInputs) throws -> (values: [Double], count: Int, sampleShape: [Int]) {
        switch probes {
        case let .values(values, count, shape):
            return (values, count, shape)
        case let .seeded(count, seed, shape):
            let sampleShape = try shape ?? inputShape()
            let (elements, overflow) = (sampleShape + [count]).reduce((1, false)) { product, size in
                let (next, o) = product.0.multipliedReportingOverflow(by: size)
                return (next, product.1 || o)
            }
            guard !overflow, elements <= ForwardEvaluator.maximumProbeElements else {
                throw EvaluationError.invalidInput(reason: "\(count) probe input(s) of shape \(sampleShape) hold more values than "
                    + "this machine's memory can evaluate (at most \(ForwardEvaluator.maximumProbeElements)); use fewer probes")
            }
            var generator = ProbeGenerator(seed: seed)
            return (generator.batch(count: count, sampleShape: sampleShape), count, sampleShape)
        }
    }

    /// Evaluates this network on `probes` with this evaluator's parameters
    /// and with `other`'s (same network and precision) and compares.
    public func compare(with other: ForwardEvaluator, on probes: ProbeInputs) throws -> OutputComparison {
        guard other.precision == precision else {
            throw EvaluationError.invalidInput(reason: "cannot compare \(precision.rawValue) with \(other.precision.rawValue) outputs")
        }
        return try other.compare(against: outputs(on: probes))
    }

    /// This evaluator's outputs on `probes` (resolved as `resolve` does),
    /// kept with their inputs: the evaluator can be released before the
    /// other parameter set is loaded and compared with `compare(against:)`.
    public func outputs(on probes: ProbeInputs) throws -> ProbeOutputs {
        let (values, count, shape) = try resolve(probes)
        return ProbeOutputs(inputs: values, count: count, sampleShape: shape, precision: precision,
                            outputs: try evaluate(values, count: count, sampleShape: shape))
    }

    /// Evaluates this evaluator on `reference`'s inputs and compares:
    /// `reference` is A (the original), this evaluator B. Throws when the
    /// precisions differ or the inputs do not fit this network.
    public func compare(against reference: ProbeOutputs) throws -> OutputComparison {
        guard reference.precision == precision else {
            throw EvaluationError.invalidInput(reason: "cannot compare \(reference.precision.rawValue) with \(precision.rawValue) outputs")
        }
        let b = try evaluate(reference.inputs, count: reference.count, sampleShape: reference.sampleShape)
        return OutputComparison(reference.outputs, b, probes: reference.count, sampleShape: reference.sampleShape,
                                precision: precision)
    }
}

/// One parameter set's outputs on a probe batch, with the batch: what
/// `OutputComparison` needs from the original, without its evaluator.
public struct ProbeOutputs: Sendable, Equatable {
    /// The probe batch, `count` samples of `sampleShape` in C order.
    public var inputs: [Double]
    /// Number of samples.
    public var count: Int
    /// One sample's input shape.
    public var sampleShape: [Int]
    /// The arithmetic precision of the evaluation.
    public var precision: Precision
    /// Every output node's values, in the network's output order.
    public var outputs: [NodeOutput]
}
