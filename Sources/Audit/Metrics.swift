/// Health metrics of one linear or conv2d layer.
///
/// Optional values are nil when the metric does not apply or cannot be
/// computed: no known critical value for the following activation, a
/// matrix with NaN or Inf (no SVD), a layer without rescalable units (no
/// balance).
public struct LayerMetrics: Sendable, Equatable {
    /// The node's name.
    public var name: String
    /// "linear" or "conv2d".
    public var kind: String
    /// Output units (features or channels).
    public var outUnits: Int
    /// Inputs per output unit (in, or in/groups·kh·kw).
    public var fanIn: Int
    /// Convolution groups (1 for linear).
    public var groups: Int
    /// The activation that follows (see `FollowingActivation`).
    public var activation: String
    /// σ_w² = fan_in · mean(W²) over the weight tensor (bias excluded).
    public var sigmaW2: Double
    /// The activation's critical σ_w², or nil when unknown.
    public var critical: Double?
    /// σ_w² / critical.
    public var sigmaW2Ratio: Double?
    /// Largest singular value of the layer matrix (out × in·kh·kw; a grouped
    /// convolution's block-diagonal matrix).
    public var singularMax: Double?
    /// Smallest of its min(out, in·kh·kw) singular values.
    public var singularMin: Double?
    /// singularMax / singularMin (+∞ when singularMin is 0).
    public var conditionNumber: Double?
    /// ‖G − I‖_F / √k where G is the k×k Gram matrix of the layer matrix on
    /// its smaller side (WᵀW when out ≥ in·kh·kw, else WWᵀ), k = min(out,
    /// in·kh·kw); computed from the singular values as √(Σ(σᵢ²−1)²/k).
    public var orthogonalityError: Double?
    /// Output units that are rescalable hidden units.
    public var rescalableUnits: Int
    /// Mean over the layer's live rescalable units of log(‖out‖/‖in‖)
    /// (natural log; ‖in‖ = the unit's producer row with bias, or its BN
    /// γ and β; ‖out‖ = every weight that consumes it). 0 is balanced in ℓ2.
    public var balanceMean: Double?
    /// The log(‖out‖/‖in‖) of largest magnitude, with its sign.
    public var balanceWorst: Double?
    /// Mean, smallest and largest of ‖in‖² − ‖out‖² over the layer's
    /// rescalable units: the quantity gradient flow conserves.
    public var conservedMean: Double?
    public var conservedMin: Double?
    public var conservedMax: Double?
    /// Output units whose producer row and bias are all zero, or whose
    /// rescaling group has zero incoming or zero outgoing weights.
    public var deadUnits: Int
    /// NaN and ±Inf elements in the layer's weight and bias.
    public var nanCount: Int
    public var infCount: Int
    /// Per-unit detail of the rescalable units, in output-unit order.
    public var units: [UnitMetrics]

    public init(name: String, kind: String, outUnits: Int, fanIn: Int, groups: Int, activation: String,
                sigmaW2: Double, critical: Double?, sigmaW2Ratio: Double?, singularMax: Double?,
                singularMin: Double?, conditionNumber: Double?, orthogonalityError: Double?,
                rescalableUnits: Int, balanceMean: Double?, balanceWorst: Double?, conservedMean: Double?,
                conservedMin: Double?, conservedMax: Double?, deadUnits: Int, nanCount: Int, infCount: Int,
                units: [UnitMetrics]) {
        self.name = name; self.kind = kind; self.outUnits = outUnits; self.fanIn = fanIn; self.groups = groups
        self.activation = activation; self.sigmaW2 = sigmaW2; self.critical = critical
        self.sigmaW2Ratio = sigmaW2Ratio; self.singularMax = singularMax; self.singularMin = singularMin
        self.conditionNumber = conditionNumber; self.orthogonalityError = orthogonalityError
        self.rescalableUnits = rescalableUnits; self.balanceMean = balanceMean; self.balanceWorst = balanceWorst
        self.conservedMean = conservedMean; self.conservedMin = conservedMin; self.conservedMax = conservedMax
        self.deadUnits = deadUnits; self.nanCount = nanCount; self.infCount = infCount; self.units = units
    }
}

/// One rescalable hidden unit (a rescaling group) as a layer produces it.
public struct UnitMetrics: Sendable, Equatable {
    /// Output-unit index within the layer.
    public var index: Int
    /// The rescaling group (`RescalingStructure.groups` index).
    public var group: Int
    /// ‖in‖: ℓ2 norm of everything that produces the group (weight rows
    /// with biases, BN γ and β), over all its producers.
    public var inNorm: Double
    /// ‖out‖: ℓ2 norm of everything that consumes the group.
    public var outNorm: Double
    /// log(‖out‖/‖in‖), nil when either norm is 0 (a dead unit).
    public var balance: Double?
    /// ‖in‖² − ‖out‖².
    public var conserved: Double

    public init(index: Int, group: Int, inNorm: Double, outNorm: Double, balance: Double?, conserved: Double) {
        self.index = index; self.group = group; self.inNorm = inNorm; self.outNorm = outNorm
        self.balance = balance; self.conserved = conserved
    }
}

/// Whole-network metrics.
public struct NetworkMetrics: Sendable, Equatable {
    /// The exponents of the ℓ_{p,q} norm.
    public var p: Double
    public var q: Double
    /// Σ over rows of (Σ_j |θ_j|^p)^(q/p) over every layer: a row is one
    /// output unit of a linear or conv2d node (weight row and bias) or one
    /// batch-norm channel (γ and β). See `LpqNorm`.
    public var lpqNorm: Double
    /// The smallest value of that objective over all rescalings (the
    /// balanced point), or nil when it was not computed.
    public var lpqBalancedMin: Double?
    /// lpqNorm / lpqBalancedMin: 1 is balanced; "how unbalanced".
    public var unbalanceRatio: Double?
    /// Rescaling-invariant path-norms (Σ over input-output paths of
    /// Π|θ|^q)^(1/q) for q = 1 and 2, biases included as paths; nil when
    /// the network has a non-homogeneous activation or no input shape.
    public var pathNormL1: Double?
    public var pathNormL2: Double?
    /// Why the path-norms are nil, when they are.
    public var pathNormNote: String?
    /// Rescaling groups (rescalable hidden units; a residual group counts once).
    public var rescalableUnits: Int
    /// Hidden units that cannot be rescaled.
    public var blockedUnits: Int
    /// Σ of the layers' dead units.
    public var deadUnits: Int
    /// Mean and signed worst of log(‖out‖/‖in‖) over all live groups.
    public var balanceMean: Double?
    public var balanceWorst: Double?
    /// NaN and ±Inf elements over every floating-point tensor of the file.
    public var nanCount: Int
    public var infCount: Int

    public init(p: Double, q: Double, lpqNorm: Double, lpqBalancedMin: Double?, unbalanceRatio: Double?,
                pathNormL1: Double?, pathNormL2: Double?, pathNormNote: String?, rescalableUnits: Int,
                blockedUnits: Int, deadUnits: Int, balanceMean: Double?, balanceWorst: Double?,
                nanCount: Int, infCount: Int) {
        self.p = p; self.q = q; self.lpqNorm = lpqNorm; self.lpqBalancedMin = lpqBalancedMin
        self.unbalanceRatio = unbalanceRatio; self.pathNormL1 = pathNormL1; self.pathNormL2 = pathNormL2
        self.pathNormNote = pathNormNote; self.rescalableUnits = rescalableUnits; self.blockedUnits = blockedUnits
        self.deadUnits = deadUnits; self.balanceMean = balanceMean; self.balanceWorst = balanceWorst
        self.nanCount = nanCount; self.infCount = infCount
    }
}

/// Every metric of one file.
public struct FileMetrics: Sendable, Equatable {
    /// The linear and conv2d layers, in node order.
    public var layers: [LayerMetrics]
    public var network: NetworkMetrics
    public init(layers: [LayerMetrics], network: NetworkMetrics) {
        self.layers = layers; self.network = network
    }
}
