/// Summary statistics of a tensor's elements, as `fulcrum inspect` reports
/// them.
///
/// `min`, `max`, `mean` and `std` are taken over the finite elements only
/// (NaN and ±Inf are counted separately), in Double arithmetic; `std` is
/// the population standard deviation (NumPy's default, ddof = 0). They are
/// nil when the tensor has no finite element.
public struct TensorStatistics: Sendable, Equatable {
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    public var std: Double?
    public var nanCount: Int
    public var infCount: Int
    /// Number of finite elements the statistics cover.
    public var finiteCount: Int
}

extension Tensor {
    /// The tensor's `TensorStatistics`.
    public func statistics() -> TensorStatistics {
        let values = doubles()
        var nanCount = 0, infCount = 0
        var low = Double.infinity, high = -Double.infinity
        var sum = 0.0, finite = 0
        for value in values {
            if value.isNaN { nanCount += 1; continue }
            if value.isInfinite { infCount += 1; continue }
            low = Swift.min(low, value)
            high = Swift.max(high, value)
            sum += value
            finite += 1
        }
        guard finite > 0 else {
            return TensorStatistics(min: nil, max: nil, mean: nil, std: nil,
                                    nanCount: nanCount, infCount: infCount, finiteCount: 0)
        }
        let mean = sum / Double(finite)
        var squares = 0.0
        for value in values where value.isFinite {
            let deviation = value - mean
            squares += deviation * deviation
        }
        return TensorStatistics(min: low, max: high, mean: mean, std: (squares / Double(finite)).squareRoot(),
                                nanCount: nanCount, infCount: infCount, finiteCount: finite)
    }
}
