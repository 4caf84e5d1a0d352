import Network
import WeightFiles

/// The entrywise ℓ_{p,q} objective of Saul (TMLR 2023) over the parameters a
/// rescaling moves: Σ over rows of (Σ_j |θ_j|^p)^(q/p), where a row is
/// every element of one node's parameters with the same output coordinate
/// (a weight row with its bias, a BN channel's γ and β).
enum LpqNorm {
    /// The objective at the stored weights. p and q are finite and ≥ 1
    /// (checked by the configuration).
    static func value(structure: RescalingStructure, p: Double, q: Double, tensors: inout TensorTable) throws -> Double {
        // node → per-output-coordinate Σ|θ|^p, in first-seen node order.
        var rows: [String: [Double]] = [:]
        var order: [String] = []
        for role in structure.parameters {
            let values = try tensors.values(role.tensor, node: role.node)
            let shape = role.shape
            guard role.outAxis < shape.count, values.count == shape.reduce(1, *) else {
                throw AuditError.invalidLayer(node: role.node,
                    reason: "tensor '\(role.tensor)' does not fit its rescaling role (shape \(shape), out axis \(role.outAxis))")
            }
            let outSize = shape[role.outAxis]
            let outStride = shape[(role.outAxis + 1)...].reduce(1, *)
            if rows[role.node] == nil { order.append(role.node) }
            var sums = rows[role.node] ?? []
            if sums.count < outSize { sums += [Double](repeating: 0, count: outSize - sums.count) }
            for (index, value) in values.enumerated() {
                let o = (index / outStride) % outSize
                sums[o] += p == 2 ? value * value : pow(abs(value), p)
            }
            rows[role.node] = sums
        }
        var total = 0.0
        for node in order {
            for sum in rows[node] ?? [] { total += q == p ? sum : pow(sum, q / p) }
        }
        return total
    }
}

#if canImport(Glibc)
import Glibc
#endif
