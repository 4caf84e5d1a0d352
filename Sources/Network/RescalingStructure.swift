/// The rescaling symmetry of a network over the tensors of its file: which
/// units share a scale, and how each parameter tensor moves when they do.
///
/// With z_g the log2-scale of group g (λ_g = 2^z_g), every element of a
/// parameter tensor is multiplied by 2^(z_out − z_in), where `out` is the
/// group of the unit the element produces and `in` the group of the unit it
/// consumes (−1 on either side means "not rescaled", z = 0). The network's
/// function is unchanged for every choice of z.
public struct RescalingStructure: Sendable, Equatable {
    public var groups: [RescalingGroup]
    public var parameters: [ParameterRole]
    /// Units that cannot be rescaled, each with the reason.
    public var blocked: [BlockedUnit]
    public init(groups: [RescalingGroup], parameters: [ParameterRole], blocked: [BlockedUnit]) {
        self.groups = groups; self.parameters = parameters; self.blocked = blocked
    }
}

/// A set of hidden units that must share one scale: a single unit or
/// channel, or channels tied by a residual add across all its branches.
public struct RescalingGroup: Sendable, Equatable {
    /// Index in `RescalingStructure.groups`.
    public var id: Int
    /// The units, as "node:index" (e.g. "fc1:17", "bn1:3"); more than one for
    /// residual groups.
    public var units: [String]
    public init(id: Int, units: [String]) { self.id = id; self.units = units }
}

/// A unit that keeps scale 1, and why.
public struct BlockedUnit: Sendable, Equatable {
    /// The node whose output unit this is.
    public var node: String
    /// Unit (channel) index within that node's output.
    public var index: Int
    /// Human-readable reason naming the op, e.g. "feeds tanh (node act2)",
    /// "network output", "normalised by batchnorm bn1".
    public var reason: String
    public init(node: String, index: Int, reason: String) {
        self.node = node; self.index = index; self.reason = reason
    }
}

/// How one parameter tensor moves under the symmetry.
///
/// The tensor is addressed in its stored shape. Element e with coordinate
/// o along `outAxis` and i along `inAxis` is multiplied by
/// 2^(z[outGroups[o]] − z[inGroup(o, i)]), with z[−1] = 0.
public struct ParameterRole: Sendable, Equatable {
    /// Tensor name as the file spells it.
    public var tensor: String
    /// The node this parameter belongs to; rows of all tensors with the same
    /// node and the same out coordinate form one row of the ℓ_{p,q}
    /// objective (a weight row with its bias, a BN channel's γ and β).
    public var node: String
    public var kind: Kind
    public var shape: [Int]
    /// Axis whose coordinate selects the produced unit.
    public var outAxis: Int
    /// Group of each produced unit (length shape[outAxis]); −1 = fixed.
    public var outGroups: [Int]
    /// Axis whose coordinate selects the consumed unit, nil for biases, γ, β.
    public var inAxis: Int?
    /// Group of each consumed unit, for each block of out units: length
    /// `inBlocks * shape[inAxis]`; −1 = fixed. For a flatten-fed layer the
    /// entries repeat the channel's group for every spatial position.
    public var inGroups: [Int]
    /// 1 normally; the conv's `groups` for a grouped convolution, where out
    /// unit o belongs to block o / (shape[outAxis] / inBlocks).
    public var inBlocks: Int

    public enum Kind: String, Sendable, Codable {
        case weight, bias, bnGamma = "bn_gamma", bnBeta = "bn_beta"
    }

    public init(tensor: String, node: String, kind: Kind, shape: [Int], outAxis: Int, outGroups: [Int],
                inAxis: Int?, inGroups: [Int], inBlocks: Int = 1) {
        self.tensor = tensor; self.node = node; self.kind = kind; self.shape = shape
        self.outAxis = outAxis; self.outGroups = outGroups; self.inAxis = inAxis
        self.inGroups = inGroups; self.inBlocks = inBlocks
    }

    /// The group consumed by elements with out coordinate `o` and in
    /// coordinate `i`, or −1.
    @inline(__always)
    public func inGroup(out o: Int, in i: Int) -> Int {
        guard let axis = inAxis else { return -1 }
        let block = inBlocks == 1 ? 0 : o / (shape[outAxis] / inBlocks)
        return inGroups[block * shape[axis] + i]
    }
}
