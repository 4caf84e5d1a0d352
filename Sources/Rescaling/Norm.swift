/// The quantity `balance` minimises over the rescaling orbit.
///
/// Rows: all elements of the tensors of one node with the same out
/// coordinate form one row (a weight row with its bias, a BN channel's γ and
/// β), so biases and γ/β count on the producer side of their unit. With the
/// rescaled elements w̃ = w·2^(z[out] − z[in]):
///
/// - `lpq(p, q)`: Saul's entrywise ℓ_{p,q} objective
///   Σ_nodes Σ_rows (Σ_j |w̃_j|^p)^(q/p), for finite p, q ≥ 1 (Saul,
///   "Weight-balancing fixes and flows for deep learning", TMLR 2023,
///   eq. (1) raised to the power q). The reported per-layer norm is
///   ‖W̃_node‖_{p,q} = (Σ_rows (Σ_j |w̃_j|^p)^(q/p))^(1/q).
/// - `max`: the sum over nodes of each node's largest rescaled magnitude,
///   Σ_nodes max_rows ‖row‖_∞ = Σ_nodes max_j |w̃_j|. This is the per-layer
///   ℓ_{p,q} norm in the limit p, q → ∞ (row max-abs, then the max over the
///   rows of the layer), summed over layers. The per-layer reading is chosen
///   over the single global maximum (Saul's ‖W‖_{p,∞} over the whole network)
///   because the global maximum pins only the worst layer and leaves every
///   other scale undetermined; per layer it is also what sets each tensor's
///   range for per-tensor quantisation. In log2 terms every element is
///   linear in z, log2|w̃| = log2|w| + z[out] − z[in], so the problem is
///   min Σ_nodes 2^(m_node) subject to difference constraints, solved
///   exactly by `MaxNormSolver`.
public enum Norm: Sendable, Equatable, CustomStringConvertible {
    /// Σ_nodes Σ_rows (Σ_j |w̃_j|^p)^(q/p), finite p, q ≥ 1.
    case lpq(p: Double, q: Double)
    /// Σ_nodes max_j |w̃_j| (the per-layer ℓ_{∞,∞} norm, summed).
    case max

    /// ℓ_{1,1}: the sum of absolute values.
    public static let l1 = Norm.lpq(p: 1, q: 1)
    /// ℓ_{2,2}: the sum of squares (the plain ℓ2 balance; the default).
    public static let l2 = Norm.lpq(p: 2, q: 2)

    /// "l1", "l2", "max" or "lpq(p=…, q=…)".
    public var description: String {
        switch self {
        case .max: return "max"
        case let .lpq(p, q):
            if p == 1 && q == 1 { return "l1" }
            if p == 2 && q == 2 { return "l2" }
            return "lpq(p=\(p), q=\(q))"
        }
    }

    /// Throws `BalanceError.invalidNorm` unless p and q are finite and ≥ 1.
    public func validate() throws {
        if case let .lpq(p, q) = self {
            guard p.isFinite, q.isFinite, p >= 1, q >= 1 else {
                throw BalanceError.invalidNorm("ℓ_{p,q} needs finite p ≥ 1 and q ≥ 1, got p=\(p), q=\(q)")
            }
        }
    }
}
