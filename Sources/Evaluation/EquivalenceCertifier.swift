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
        let (scales, undetermined) = try recovery.run()
        let integral = scales.allSatisfy { $0 == $0.rounded() }
        var check = CertificateCheck(scales: scales, integral: integral, tolerance: tolerance)
        let originalNames = Set(original.names)
        for name in original.names {
            guard candidateNames.contains(name) else {
                check.fail(CertificateViolation(
                    entry: CertificateEntry(tensor: name, index: [], unit: nil, relativeError: .infinity),
                    expected: nil, actual: nil, reason: "tensor is missing from \(candidate.label)"))
                continue
            }
            let a = try original.tensor(name), b = try candidate.tensor(name)
            if let role = roles[name] {
                guard role.shape == a.shape else {
                    throw EvaluationError.invalidStructure(tensor: name,
                        reason: "has role shape \(role.shape) but \(original.label) stores \(a.shape)")
                }
                check.verifyParameter(a, b, role: role)
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

/// The element-by-element checks of a certificate, accumulating the worst
/// entry and the first violation.
struct CertificateCheck {
    let scales: [Double]
    /// Every scale a power of two: compare bit for bit.
    let integral: Bool
    let tolerance: Double
    private let factors: [Double]
    private(set) var worst: CertificateEntry?
    private(set) var firstViolation: CertificateViolation?
    var violationCount = 0

    init(scales: [Double], integral: Bool, tolerance: Double) {
        self.scales = scales; self.integral = integral; self.tolerance = tolerance
        factors = scales.map { Foundation.exp2($0) }
    }

    mutating func fail(_ violation: CertificateViolation) {
        violationCount += 1
        if firstViolation == nil { firstViolation = violation }
    }

    /// B's parameter against A moved by the scales.
    ///
    /// One pass decides a tensor that holds (and finds the first violation in
    /// exact mode); a second pass runs only for a tensor that breaks the
    /// tolerance, to count and locate its violations. Only the first
    /// violation's message is built.
    mutating func verifyParameter(_ a: Tensor, _ b: Tensor, role: ParameterRole) {
        guard a.dtype == b.dtype, a.shape == b.shape else {
            fail(CertificateViolation(
                entry: CertificateEntry(tensor: a.name, index: [], unit: nil, relativeError: .infinity),
                expected: nil, actual: nil,
                reason: "is \(a.dtype.numpyName) \(a.shape) in A but \(b.dtype.numpyName) \(b.shape) in B"))
            return
        }
        let geometry = RoleGeometry(role)
        let av = a.doubles(), bv = b.doubles()
        let factors = self.factors, dtype = a.dtype, integral = self.integral, tolerance = self.tolerance
        /// The expected value, |B − expected|, and whether the element breaks
        /// an exact requirement (exact mode, fixed units, NaN, overflow).
        func classify(_ index: Int, _ outGroup: Int, _ inGroup: Int) -> (expected: Double, difference: Double, broken: Bool) {
            var expected = av[index]
            if outGroup >= 0 { expected *= factors[outGroup] }
            if inGroup >= 0 { expected /= factors[inGroup] }
            let actual = bv[index]
            if expected.isNaN || actual.isNaN {
                let same = expected.isNaN && actual.isNaN
                return (expected, same ? 0 : .infinity, !same)
            }
            let difference = actual == expected ? 0 : abs(actual - expected)
            guard integral || (outGroup < 0 && inGroup < 0) else { return (expected, difference, false) }
            let stored = DTypeRounding.round(expected, to: dtype)
            let broken = actual != stored || (av[index].isFinite && !stored.isFinite)
            return (expected, broken && difference == 0 ? .infinity : difference, broken)
        }
        var rowSquares = [Double](repeating: 0, count: geometry.rows)
        var rowWorst = [Double](repeating: 0, count: geometry.rows)
        var rowWorstIndex = [Int](repeating: -1, count: geometry.rows)
        var broken = 0
        var first: (index: Int, out: Int, fixed: Bool, expected: Double, exact: Bool)?
        geometry.forEach { index, o, outGroup, inGroup in
            let (expected, difference, isBroken) = classify(index, outGroup, inGroup)
            if expected.isFinite { rowSquares[o] += expected * expected }
            if difference > rowWorst[o] { rowWorst[o] = difference; rowWorstIndex[o] = index }
            if isBroken {
                broken += 1
                if first == nil { first = (index, o, outGroup < 0 && inGroup < 0, expected, true) }
            }
        }
        let rowNorms = rowSquares.map { $0.squareRoot() }
        func relative(_ difference: Double, row o: Int) -> Double {
            difference == 0 ? 0 : (rowNorms[o] > 0 ? difference / rowNorms[o] : .infinity)
        }
        // Worst entry of this tensor.
        var localWorst = (error: 0.0, index: 0, out: 0)
        for o in 0..<geometry.rows where rowWorstIndex[o] >= 0 {
            let error = relative(rowWorst[o], row: o)
            if error > localWorst.error { localWorst = (error, rowWorstIndex[o], o) }
        }
        if geometry.count > 0, localWorst.error > (worst?.relativeError ?? -1) {
            worst = CertificateEntry(tensor: a.name, index: geometry.coordinates(of: localWorst.index),
                                     unit: "\(role.node):\(localWorst.out)", relativeError: localWorst.error)
        }
        // Outside exact mode, rows whose worst difference exceeds the tolerance: count and locate.
        var violating = 0
        if !integral && (0..<geometry.rows).contains(where: { !(rowWorst[$0] <= tolerance * rowNorms[$0]) }) {
            broken = 0
            first = nil
            geometry.forEach { index, o, outGroup, inGroup in
                let (expected, difference, isBroken) = classify(index, outGroup, inGroup)
                let beyond = !(difference <= tolerance * rowNorms[o])
                guard isBroken || beyond else { return }
                violating += 1
                if first == nil { first = (index, o, outGroup < 0 && inGroup < 0, expected, isBroken) }
            }
        } else {
            violating = broken
        }
        guard let first else { return }
        let actual = bv[first.index], original = av[first.index]
        let error = relative(first.expected.isNaN || actual.isNaN ? .infinity : abs(actual - first.expected), row: first.out)
        let reason: String
        if first.fixed {
            reason = "belongs to no rescaling group, so it must be unchanged, but A has \(original) and B \(actual)"
        } else if first.exact && original.isFinite && !DTypeRounding.round(first.expected, to: dtype).isFinite {
            reason = "A moved by the recovered scales overflows \(dtype.numpyName) (\(first.expected))"
        } else if first.exact {
            reason = "is \(actual) in B but A moved by the \(integral ? "power-of-two" : "recovered") scales gives exactly "
                + "\(DTypeRounding.round(first.expected, to: dtype))"
        } else {
            reason = "is \(actual) in B but A moved by the recovered scales gives \(first.expected) "
                + "(relative error \(error) of the row norm exceeds \(tolerance))"
        }
        fail(CertificateViolation(
            entry: CertificateEntry(tensor: a.name, index: geometry.coordinates(of: first.index),
                                    unit: "\(role.node):\(first.out)", relativeError: error),
            expected: first.expected, actual: actual, reason: reason))
        violationCount += violating - 1
    }

    /// A tensor outside every rescaling group: must be byte-equal.
    mutating func verifyUnchanged(_ a: Tensor, _ b: Tensor) {
        guard a.dtype == b.dtype, a.shape == b.shape else {
            fail(CertificateViolation(
                entry: CertificateEntry(tensor: a.name, index: [], unit: nil, relativeError: .infinity),
                expected: nil, actual: nil,
                reason: "is \(a.dtype.numpyName) \(a.shape) in A but \(b.dtype.numpyName) \(b.shape) in B"))
            return
        }
        guard a.bytes != b.bytes else { return }
        let width = a.dtype.byteCount
        let firstByte = a.bytes.indices.first { a.bytes[$0] != b.bytes[$0] } ?? 0
        let element = firstByte / width
        let shape = a.shape
        var coordinates = [Int](repeating: 0, count: shape.count)
        var rest = element
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            coordinates[axis] = rest % max(shape[axis], 1); rest /= max(shape[axis], 1)
        }
        let (va, vb) = (a.doubles()[element], b.doubles()[element])
        fail(CertificateViolation(
            entry: CertificateEntry(tensor: a.name, index: coordinates, unit: nil, relativeError: .infinity),
            expected: va, actual: vb,
            reason: "is outside every rescaling group (running statistics, counters, blocked layers, optimizer state) "
                + "and must be byte-equal, but element \(coordinates) is \(va) in A and \(vb) in B"))
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
