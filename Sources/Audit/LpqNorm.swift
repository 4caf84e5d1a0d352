import Network
import WeightFiles

/// The entrywise ℓ_{p,q} objective of Saul (TMLR 2023) over every layer of
/// the network: Σ over rows of (Σ_j |θ_j|^p)^(q/p), where a row is one
/// output unit of a linear or conv2d node (its weight row with its bias) or
/// one channel of a batch norm (its γ and β). Rows of tensors the rescaling
/// does not move (the output layer's bias) count too, so the value is the
/// norm of the whole network and its ratio to the balanced minimum says how
/// far from balanced the network is.
enum LpqNorm {
    /// The objective over the values `tensors` holds (overrides included).
    /// p and q are finite and ≥ 1 (checked by the configuration).
    static func value(network: Network, p: Double, q: Double, tensors: inout TensorTable) throws -> Double {
        var total = 0.0
        func addRow(_ sumOfPowers: Double) { total += q == p ? sumOfPowers : pow(sumOfPowers, q / p) }
        func power(_ value: Double) -> Double { p == 2 ? value * value : pow(abs(value), p) }
        for node in network.nodes {
            if let matrix = try LayerMatrix.of(node, layout: network.layout, tensors: &tensors) {
                for o in 0..<matrix.outUnits {
                    var sum = matrix.bias.map { power($0[o]) } ?? 0
                    for k in 0..<matrix.fanIn { sum += power(matrix.values[o * matrix.fanIn + k]) }
                    addRow(sum)
                }
            } else if case let .batchNorm(bn) = node.op {
                let gamma = try bn.gamma.map { try tensors.values($0, node: node.name) }
                let beta = try bn.beta.map { try tensors.values($0, node: node.name) }
                let channels = gamma?.count ?? beta?.count ?? 0
                guard (gamma?.count ?? channels) == channels, (beta?.count ?? channels) == channels else {
                    throw AuditError.invalidLayer(node: node.name, reason: "γ and β have different lengths")
                }
                for c in 0..<channels { addRow((gamma.map { power($0[c]) } ?? 0) + (beta.map { power($0[c]) } ?? 0)) }
            }
        }
        return total
    }
}

#if canImport(Glibc)
import Glibc
#endif
