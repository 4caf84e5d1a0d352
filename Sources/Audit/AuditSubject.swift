import Network
import WeightFiles

/// What is audited: a network, its rescaling symmetry and the tensors of
/// the file it came from.
public struct AuditSubject: Sendable {
    public var network: Network
    public var structure: RescalingStructure
    /// Every tensor of the file by name (NaN/Inf are counted over all of
    /// them; the other metrics read the ones the network names).
    public var tensors: [String: Tensor]

    public init(network: Network, structure: RescalingStructure, tensors: [String: Tensor]) {
        self.network = network; self.structure = structure; self.tensors = tensors
    }
}

/// Which metrics to compute, and with what exponents.
public struct MetricOptions: Sendable, Equatable {
    /// Exponents of the ℓ_{p,q} objective; finite, ≥ 1.
    public var p: Double
    public var q: Double
    /// Compute singular values (an O(m·n·min(m,n)) SVD per layer); when
    /// false the singular, condition and orthogonality metrics are nil.
    public var singularValues: Bool

    public init(p: Double = 2, q: Double = 2, singularValues: Bool = true) {
        self.p = p; self.q = q; self.singularValues = singularValues
    }
}
