import Foundation
import Network
import WeightFiles
@testable import Evaluation

// The certificate as it was computed before it read tensors in place: every
// tensor converted to [Double] whole, recovery and checks in separate passes,
// CertificateCheck.verifyParameter element by element. Kept verbatim (only
// renamed) so `CertificateReferenceTests` can check that the in-place
// certificate is the same certificate, field for field.

/// The previous `EquivalenceCertifier.certify`.
enum ReferenceCertifier {
    static func certify(original: TensorSource, candidate: TensorSource, structure: RescalingStructure,
                               tolerance: Double = EquivalenceCertifier.defaultTolerance) throws -> EquivalenceCertificate {
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
        let recovery = ReferenceRecovery(original: original, candidate: candidate, roles: structure.parameters,
                                     groupCount: groupCount, candidateNames: candidateNames)
        let (scales, undetermined) = try recovery.run()
        let integral = scales.allSatisfy { $0 == $0.rounded() }
        var check = ReferenceCheck(scales: scales, integral: integral, tolerance: tolerance)
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

/// The previous `CertificateCheck`.
struct ReferenceCheck {
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

/// The previous `ScaleRecovery`.
struct ReferenceRecovery {
    let original: TensorSource
    let candidate: TensorSource
    let roles: [ParameterRole]
    let groupCount: Int
    let candidateNames: Set<String>

    /// The recovered scales (0 for undetermined groups) and the groups
    /// nothing determined.
    func run() throws -> (scales: [Double], undetermined: [Int]) {
        var scales = [Double?](repeating: nil, count: groupCount)
        while scales.contains(where: { $0 == nil }) {
            if try producerSweep(&scales) { continue }
            if try !consumerSweep(&scales) { break }
        }
        let undetermined = scales.indices.filter { scales[$0] == nil }
        return (scales.map { $0 ?? 0 }, undetermined)
    }

    /// One pass over the producers; the groups of a node are settled after
    /// all of its tensors (weight and bias, γ and β) have voted. Returns
    /// whether any group was settled.
    private func producerSweep(_ scales: inout [Double?]) throws -> Bool {
        var progress = false
        var votes = [Votes](repeating: Votes(), count: groupCount)
        var start = 0
        while start < roles.count {
            var end = start
            while end < roles.count, roles[end].node == roles[start].node { end += 1 }
            var touched: [Int] = []
            for role in roles[start..<end] where role.outGroups.contains(where: { $0 >= 0 && scales[$0] == nil }) {
                guard let (a, b) = try values(of: role) else { continue }
                let known = scales
                RoleGeometry(role).forEach { index, _, outGroup, inGroup in
                    guard outGroup >= 0, known[outGroup] == nil else { return }
                    let inScale: Double
                    if inGroup < 0 { inScale = 0 } else if let value = known[inGroup] { inScale = value } else { return }
                    let (x, y) = (a[index], b[index])
                    guard ScaleRecovery.isUsable(y, x) else { return }
                    if votes[outGroup].count == 0 { touched.append(outGroup) }
                    votes[outGroup].offer(Vote(a: x, b: y, base: inScale, sign: 1))
                }
            }
            for group in touched {
                if let estimate = votes[group].estimate { scales[group] = estimate; progress = true }
                votes[group] = Votes()
            }
            start = end
        }
        return progress
    }

    /// One pass over the consumers of still unknown groups.
    private func consumerSweep(_ scales: inout [Double?]) throws -> Bool {
        var votes = [Votes](repeating: Votes(), count: groupCount)
        var touched: [Int] = []
        for role in roles where role.inAxis != nil
            && role.inGroups.contains(where: { $0 >= 0 && scales[$0] == nil }) {
            guard let (a, b) = try values(of: role) else { continue }
            let known = scales
            RoleGeometry(role).forEach { index, _, outGroup, inGroup in
                guard inGroup >= 0, known[inGroup] == nil else { return }
                let outScale: Double
                if outGroup < 0 { outScale = 0 } else if let value = known[outGroup] { outScale = value } else { return }
                let (x, y) = (a[index], b[index])
                guard ScaleRecovery.isUsable(y, x) else { return }
                if votes[inGroup].count == 0 { touched.append(inGroup) }
                votes[inGroup].offer(Vote(a: x, b: y, base: outScale, sign: -1))
            }
        }
        var progress = false
        for group in touched {
            if let estimate = votes[group].estimate { scales[group] = estimate; progress = true }
        }
        return progress
    }

    /// Both tensors' values, or nil when B lacks the tensor or stores it
    /// differently (the verification reports that).
    private func values(of role: ParameterRole) throws -> ([Double], [Double])? {
        guard candidateNames.contains(role.tensor) else { return nil }
        let a = try original.tensor(role.tensor), b = try candidate.tensor(role.tensor)
        guard a.shape == b.shape, a.dtype == b.dtype, a.shape == role.shape,
              a.dtype.isFloatingPoint else { return nil }
        return (a.doubles(), b.doubles())
    }
}
