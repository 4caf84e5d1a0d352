import Foundation
import Network
import WeightFiles

/// Builds an `EquivalenceCertificate` for a pair of parameter sets.
public enum EquivalenceCertifier {
    /// Default relative tolerance for non-power-of-two scales, as a fraction
    /// of the norm of the element's row.
    public static let defaultTolerance = 1e-6

    /// Recovers every group's scale from `original` (A) and `candidate` (B)
    /// and checks every tensor of B against A.
    ///
    /// - When every recovered log2-scale is an integer, each parameter
    ///   element of B must equal A's element times 2^(z[out] − z[in]) bit for
    ///   bit (rounded to the tensor's dtype, and not overflowing it).
    /// - Otherwise each must lie within `tolerance` × the norm of its
    ///   expected row; elements of fixed units (both groups −1) must still be
    ///   equal exactly.
    /// - Every tensor not in `structure.parameters` must be byte-equal (same
    ///   dtype and shape); both sources must hold the same tensor names.
    ///
    /// Works on the tensors' own bytes (no converted copies) and holds at
    /// most one node's tensor pairs at a time; for roles listed in graph
    /// order every tensor pair is read from the sources once.
    ///
    /// Throws when a tensor cannot be read or the structure does not fit the
    /// tensors; a pair that is merely not equivalent gives a certificate that
    /// does not hold.
    public static func certify(original: TensorSource, candidate: TensorSource, structure: RescalingStructure,
                               tolerance: Double = defaultTolerance) throws -> EquivalenceCertificate {
        let groupCount = structure.groups.count
        var roles: [String: ParameterRole] = [:]
        for role in structure.parameters {
            if let problem = RoleGeometry.validate(role, groupCount: groupCount) {
                throw EvaluationError.invalidStructure(tensor: role.tensor, reason: problem)
            }
            guard roles.updateValue(role, forKey: role.tensor) == nil else {
                throw EvaluationError.invalidStructure(tensor: role.tensor, reason: "has more than one role")
            }
            guard original.contains(role.tensor) else {
                throw EvaluationError.invalidStructure(tensor: role.tensor, reason: "is not in \(original.label)")
            }
        }
        let candidateNames = Set(candidate.names)
        let recovery = ScaleRecovery(original: original, candidate: candidate, roles: structure.parameters,
                                     groupCount: groupCount, candidateNames: candidateNames)
        // Tensors the recovery reads are checked as soon as every group they
        // touch is settled (scales never change once settled), so a file is
        // read once; exact mode is assumed while every settled scale is a
        // power of two, and a tensor checked under that assumption is checked
        // again if a later scale breaks it.
        var checked: [String: TensorOutcome] = [:]
        var settledFactors = [Double](repeating: 1, count: groupCount)  // 2^scale of the groups checked so far
        let (scales, undetermined) = try recovery.run { role, a, b, known in
            let settled = { (group: Int) in group < 0 || known[group] != nil }
            guard role.outGroups.allSatisfy(settled), role.inGroups.allSatisfy(settled) else { return }
            let integralSoFar = known.allSatisfy { scale in scale.map { $0 == $0.rounded() } ?? true }
            for group in role.outGroups + role.inGroups where group >= 0 {
                if let scale = known[group] { settledFactors[group] = Foundation.exp2(scale) }
            }
            checked[role.tensor] = ParameterCheck(role: role, factors: settledFactors, integral: integralSoFar,
                                                  tolerance: tolerance).outcome(a, b)
        }
        let integral = scales.allSatisfy { $0 == $0.rounded() }
        let factors = scales.map { Foundation.exp2($0) }
        var check = CertificateCheck()
        let originalNames = Set(original.names)
        for name in original.names {
            guard candidateNames.contains(name) else {
                check.fail(CertificateViolation(
                    entry: CertificateEntry(tensor: name, index: [], unit: nil, relativeError: .infinity),
                    expected: nil, actual: nil, reason: "tensor is missing from \(candidate.label)"))
                continue
            }
            if let outcome = checked.removeValue(forKey: name), outcome.integral == integral {
                check.merge(outcome)
                continue
            }
            let a = try original.tensor(name), b = try candidate.tensor(name)
            if let role = roles[name] {
                guard role.shape == a.shape else {
                    throw EvaluationError.invalidStructure(tensor: name,
                        reason: "has role shape \(role.shape) but \(original.label) stores \(a.shape)")
                }
                check.merge(ParameterCheck(role: role, factors: factors, integral: integral, tolerance: tolerance)
                    .outcome(a, b))
            } else {
                check.verifyUnchanged(a, b)
            }
        }
        for name in candidate.names where !originalNames.contains(name) {
            check.fail(CertificateViolation(
                entry: CertificateEntry(tensor: name, index: [], unit: nil, relativeError: .infinity),
                expected: nil, actual: nil, reason: "tensor is in \(candidate.label) but not in \(original.label)"))
        }
        let holds = check.violationCount == 0
        return EquivalenceCertificate(holds: holds, exact: holds && integral, scalesLog2: scales,
                                      undeterminedGroups: undetermined, worst: check.worst,
                                      firstViolation: check.firstViolation, violationCount: check.violationCount,
                                      tolerance: tolerance)
    }
}

/// Rounding a Double to a tensor dtype the way `Tensor.setValues` does.
enum DTypeRounding {
    static func round(_ value: Double, to dtype: DType) -> Double {
        switch dtype {
        case .float32: return Double(Float(value))
        case .float16: return Double(Float(Float16(value)))
        case .bfloat16:
            let single = Float(value)
            if single.isNaN { return value }
            let bits = single.bitPattern
            let rounded = (bits &+ (0x7FFF + ((bits >> 16) & 1))) & 0xFFFF_0000
            return Double(Float(bitPattern: rounded))
        default: return value
        }
    }
}
