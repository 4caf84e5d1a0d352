import Foundation

/// One threshold a file crossed.
public struct ThresholdFailure: Sendable, Equatable {
    /// The metric, as the JSON report names it (`condition_number`).
    public var metric: String
    /// The configuration key that set the limit (`max_condition_number`).
    public var key: String
    /// The layer, or nil for a whole-network metric.
    public var layer: String?
    /// The metric's value (NaN when the metric itself is NaN).
    public var value: Double
    /// The limit it crossed.
    public var limit: Double
    /// A sentence for people: "fc1: condition_number 1523.2 > max_condition_number 1000".
    public var message: String

    public init(metric: String, key: String, layer: String?, value: Double, limit: Double, message: String) {
        self.metric = metric; self.key = key; self.layer = layer; self.value = value
        self.limit = limit; self.message = message
    }
}

extension AuditConfig {
    /// Every limit of this configuration that `metrics` crosses, layers
    /// first (in layer order, limits in `LayerLimit` order), then the
    /// network. A metric that is nil is not checked; one that is NaN fails.
    public func failures(of metrics: FileMetrics) -> [ThresholdFailure] {
        var failures: [ThresholdFailure] = []
        for layer in metrics.layers {
            for (limit, bound) in limits(forLayer: layer.name).sorted(by: { $0.key.order < $1.key.order }) {
                let (metric, value, isMinimum) = limit.measure(layer)
                guard let value else { continue }
                if let failure = Self.check(metric: metric, key: limit.rawValue, layer: layer.name,
                                            value: value, limit: bound, isMinimum: isMinimum) {
                    failures.append(failure)
                }
            }
        }
        let network = metrics.network
        let checks: [(String, String, Double?, Double?)] = [
            ("unbalance_ratio", "max_unbalance_ratio", network.unbalanceRatio, maxUnbalanceRatio),
            ("dead_units", "max_dead_units", Double(network.deadUnits), maxDeadUnits),
            ("path_norm_l1", "max_path_norm_l1", network.pathNormL1, maxPathNormL1),
            ("path_norm_l2", "max_path_norm_l2", network.pathNormL2, maxPathNormL2),
            ("nan_count", "forbid_nan", Double(network.nanCount), forbidNaN ? 0 : nil),
            ("inf_count", "forbid_inf", Double(network.infCount), forbidInf ? 0 : nil),
        ]
        for (metric, key, value, bound) in checks {
            guard let value, let bound else { continue }
            if let failure = Self.check(metric: metric, key: key, layer: nil, value: value, limit: bound, isMinimum: false) {
                failures.append(failure)
            }
        }
        return failures
    }

    static func check(metric: String, key: String, layer: String?, value: Double, limit: Double,
                      isMinimum: Bool) -> ThresholdFailure? {
        let crossed = value.isNaN || (isMinimum ? value < limit : value > limit)
        guard crossed else { return nil }
        let prefix = layer.map { "\($0): " } ?? ""
        let message: String
        if value.isNaN {
            message = "\(prefix)\(metric) is NaN (\(key) \(format(limit)))"
        } else if key == LayerLimit.sigmaW2Tolerance.rawValue {
            message = "\(prefix)sigma_w2_ratio is \(format(value)) away from 1 > \(key) \(format(limit))"
        } else {
            message = "\(prefix)\(metric) \(format(value)) \(isMinimum ? "<" : ">") \(key) \(format(limit))"
        }
        return ThresholdFailure(metric: metric, key: key, layer: layer, value: value, limit: limit, message: message)
    }

    /// Shortest decimal form for integers, 6 significant digits otherwise.
    static func format(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.6g", value)
    }
}

extension LayerLimit {
    /// Position in `allCases`, for a stable order of failures.
    var order: Int { LayerLimit.allCases.firstIndex(of: self) ?? 0 }

    /// The metric this limit checks: its JSON name, its value on `layer`
    /// (nil when not computed) and whether the limit is a lower bound.
    func measure(_ layer: LayerMetrics) -> (metric: String, value: Double?, isMinimum: Bool) {
        switch self {
        case .maxConditionNumber: return ("condition_number", layer.conditionNumber, false)
        case .maxSingularValue: return ("singular_max", layer.singularMax, false)
        case .minSingularValue: return ("singular_min", layer.singularMin, true)
        case .maxOrthogonalityError: return ("orthogonality_error", layer.orthogonalityError, false)
        case .sigmaW2Tolerance: return ("sigma_w2_deviation", layer.sigmaW2Ratio.map { abs($0 - 1) }, false)
        case .maxAbsBalance: return ("balance_worst", layer.balanceWorst.map(abs), false)
        case .maxAbsBalanceMean: return ("balance_mean", layer.balanceMean.map(abs), false)
        }
    }
}
