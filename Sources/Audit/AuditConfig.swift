/// A per-layer limit of the audit configuration, by its config key.
public enum LayerLimit: String, CaseIterable, Sendable {
    /// Largest allowed condition number σ_max/σ_min of a layer matrix.
    case maxConditionNumber = "max_condition_number"
    /// Largest allowed σ_max.
    case maxSingularValue = "max_singular_value"
    /// Smallest allowed σ_min (catches rank collapse).
    case minSingularValue = "min_singular_value"
    /// Largest allowed orthogonality error.
    case maxOrthogonalityError = "max_orthogonality_error"
    /// Largest allowed |σ_w²/critical − 1| (layers whose following
    /// activation has a known critical value).
    case sigmaW2Tolerance = "sigma_w2_tolerance"
    /// Largest allowed |log(‖out‖/‖in‖)| of any rescalable unit of the layer.
    case maxAbsBalance = "max_abs_balance"
    /// Largest allowed |mean of log(‖out‖/‖in‖)| over the layer's units.
    case maxAbsBalanceMean = "max_abs_balance_mean"
}

/// Thresholds that decide whether a file passes the audit, and the options
/// of the metrics. Every limit is optional: an absent limit is not checked.
///
/// Keys (YAML or JSON; see docs/audit.md):
/// - per layer, at the top level (apply to every linear/conv2d layer) or
///   under `layers: {<node name>: {...}}` (override for that layer; `null`
///   removes the limit for it): see `LayerLimit`.
/// - `max_unbalance_ratio`: largest allowed ℓ_{p,q} / balanced minimum.
/// - `max_dead_units`: largest allowed number of dead units in the file.
/// - `max_path_norm_l1`, `max_path_norm_l2`: largest allowed path-norms.
/// - `forbid_nan`, `forbid_inf` (default true): fail a file holding any
///   NaN, resp. ±Inf, in any floating-point tensor.
/// - `p`, `q` (default 2, 2): exponents of the ℓ_{p,q} norm, finite and ≥ 1.
/// - `singular_values` (default true): compute the SVD-based metrics.
public struct AuditConfig: Sendable, Equatable {
    /// Limits for every layer.
    public var layerLimits: [LayerLimit: Double]
    /// Per node name: limits that replace the defaults; nil removes one.
    public var layerOverrides: [String: [LayerLimit: Double?]]
    public var maxUnbalanceRatio: Double?
    public var maxDeadUnits: Double?
    public var maxPathNormL1: Double?
    public var maxPathNormL2: Double?
    public var forbidNaN: Bool
    public var forbidInf: Bool
    public var metricOptions: MetricOptions

    /// The default configuration: only NaN and Inf are checked.
    public init(layerLimits: [LayerLimit: Double] = [:], layerOverrides: [String: [LayerLimit: Double?]] = [:],
                maxUnbalanceRatio: Double? = nil, maxDeadUnits: Double? = nil, maxPathNormL1: Double? = nil,
                maxPathNormL2: Double? = nil, forbidNaN: Bool = true, forbidInf: Bool = true,
                metricOptions: MetricOptions = MetricOptions()) {
        self.layerLimits = layerLimits; self.layerOverrides = layerOverrides
        self.maxUnbalanceRatio = maxUnbalanceRatio; self.maxDeadUnits = maxDeadUnits
        self.maxPathNormL1 = maxPathNormL1; self.maxPathNormL2 = maxPathNormL2
        self.forbidNaN = forbidNaN; self.forbidInf = forbidInf; self.metricOptions = metricOptions
    }

    /// The limits in force for the layer named `layer`.
    public func limits(forLayer layer: String) -> [LayerLimit: Double] {
        var limits = layerLimits
        for (limit, value) in layerOverrides[layer] ?? [:] { limits[limit] = value }
        return limits
    }
}
