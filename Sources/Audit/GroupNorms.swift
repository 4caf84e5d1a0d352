import Network
import Rescaling
import WeightFiles

/// Squared ℓ2 norms of what produces and what consumes each rescaling group,
/// the two sides a rescaling by λ multiplies by λ² and λ⁻².
struct GroupNorms {
    /// Σ of squares of the elements that produce group g (its out side).
    var inSquared: [Double]
    /// Σ of squares of the elements that consume group g (its in side).
    var outSquared: [Double]

    /// Sums over every parameter of `structure`. Throws when a parameter's
    /// tensor is missing or its stored shape differs from the role's.
    init(structure: RescalingStructure, tensors: inout TensorTable) throws {
        let count = structure.groups.count
        var inSquared = [Double](repeating: 0, count: count)
        var outSquared = [Double](repeating: 0, count: count)
        for role in structure.parameters {
            let tensor = try tensors.tensor(role.tensor, node: role.node)
            guard tensor.shape == role.shape else {
                throw AuditError.invalidLayer(node: role.node,
                    reason: "tensor '\(role.tensor)' has shape \(tensor.shape), its rescaling role expects \(role.shape)")
            }
            let values = try tensors.values(role.tensor, node: role.node)
            var badGroup: Int?
            role.forEachElement { index, outGroup, inGroup in
                let square = values[index] * values[index]
                if outGroup >= 0 { if outGroup < count { inSquared[outGroup] += square } else { badGroup = outGroup } }
                if inGroup >= 0 { if inGroup < count { outSquared[inGroup] += square } else { badGroup = inGroup } }
            }
            if let badGroup {
                throw AuditError.invalidLayer(node: role.node,
                    reason: "tensor '\(role.tensor)' names rescaling group \(badGroup) of \(count)")
            }
        }
        self.inSquared = inSquared
        self.outSquared = outSquared
    }

    /// The per-unit metrics of group g, reported as output unit `index`.
    func unit(index: Int, group g: Int) -> UnitMetrics {
        let inNorm = inSquared[g].squareRoot(), outNorm = outSquared[g].squareRoot()
        let balance: Double? = (inNorm > 0 && outNorm > 0 && inNorm.isFinite && outNorm.isFinite)
            ? log(outNorm / inNorm) : nil
        return UnitMetrics(index: index, group: g, inNorm: inNorm, outNorm: outNorm,
                           balance: balance, conserved: inSquared[g] - outSquared[g])
    }

    /// True when group g has no incoming or no outgoing weight.
    func isDead(_ g: Int) -> Bool { inSquared[g] == 0 || outSquared[g] == 0 }
}

#if canImport(Glibc)
import Glibc
#endif
