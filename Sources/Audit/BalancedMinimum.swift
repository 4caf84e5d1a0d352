import Network
import Rescaling
import WeightFiles

/// The balanced minimum of the ℓ_{p,q} objective (`LpqNorm`) over the
/// rescaling orbit: the continuous optimum of the `Rescaling` module's
/// block-coordinate solver, applied to the tensors in double precision and
/// measured with `LpqNorm` over every layer.
enum BalancedMinimum {
    /// Relative objective decrease per sweep below which the solver stops.
    static let tolerance = 1e-13
    /// Sweeps at most.
    static let maxSweeps = 10_000

    /// The minimum, or nil when the symmetry cannot be balanced (a moved
    /// tensor holds NaN or Inf, which the solver refuses). Throws when a
    /// tensor is missing or of the wrong shape.
    static func value(of subject: AuditSubject, p: Double, q: Double, tensors: inout TensorTable) throws -> Double? {
        let structure = subject.structure
        guard !structure.groups.isEmpty else {
            return try LpqNorm.value(network: subject.network, p: p, q: q, tensors: &tensors)
        }
        let z: LogScales
        do {
            let problem = try BalanceProblem(structure: structure, tensors: subject.tensors)
            let options = BalanceOptions(exact: false, tolerance: tolerance, maxSweeps: maxSweeps)
            z = try balance(problem, norm: .lpq(p: p, q: q), options: options).z
        } catch is BalanceError {
            return nil
        }
        var balanced = tensors
        var moved: [String: [Double]] = [:]
        for role in structure.parameters {
            var values = try moved[role.tensor] ?? tensors.values(role.tensor, node: role.node)
            role.forEachElement { index, outGroup, inGroup in
                let exponent = (outGroup >= 0 ? z[outGroup] : 0) - (inGroup >= 0 ? z[inGroup] : 0)
                if exponent != 0 { values[index] *= exp2(exponent) }
            }
            moved[role.tensor] = values
        }
        for (name, values) in moved { balanced.override(name, values: values) }
        return try LpqNorm.value(network: subject.network, p: p, q: q, tensors: &balanced)
    }
}

#if canImport(Glibc)
import Glibc
#endif
