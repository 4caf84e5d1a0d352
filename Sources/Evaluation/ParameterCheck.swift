import Foundation
import Network
import WeightFiles

/// What one tensor contributes to a certificate: its worst entry, its
/// first violation and how many elements violate it.
struct TensorOutcome {
    /// The element with the largest relative error (the first on ties, by
    /// row), nil for a tensor without elements or one that does not match
    /// as a whole.
    var worst: CertificateEntry?
    /// The first violating element in C order, nil when it holds.
    var firstViolation: CertificateViolation?
    /// Violating elements (1 for a tensor that does not match as a whole).
    var violationCount: Int
    /// Whether it was checked in exact mode (every scale a power of two).
    var integral: Bool
}

/// B's parameter tensor against A's moved by the recovered scales.
///
/// Reads both tensors in place (never converting them whole). In exact mode
/// one tight pass first compares every element of B with A's moved by its
/// power-of-two factor; a tensor where all agree (and stay finite)
/// holds with every difference 0, which is what the element-by-element
/// check would find. Otherwise, and outside exact mode, the element-by-element
/// check runs: one pass decides a tensor that holds (and finds the first
/// violation in exact mode); a second pass runs only for a tensor that breaks
/// the tolerance, to count and locate its violations. Only the first
/// violation's message is built.
struct ParameterCheck {
    let role: ParameterRole
    let geometry: RoleGeometry
    /// 2^scale for every group, by group id.
    let factors: [Double]
    /// Every scale a power of two: compare bit for bit.
    let integral: Bool
    let tolerance: Double

    init(role: ParameterRole, factors: [Double], integral: Bool, tolerance: Double) {
        self.role = role; geometry = RoleGeometry(role)
        self.factors = factors; self.integral = integral; self.tolerance = tolerance
    }

    /// The outcome for A's tensor `a` and B's `b`. Precondition: `a.shape`
    /// is the role's shape.
    func outcome(_ a: Tensor, _ b: Tensor) -> TensorOutcome {
        guard a.dtype == b.dtype, a.shape == b.shape else {
            return TensorOutcome(worst: nil, firstViolation: CertificateViolation(
                entry: CertificateEntry(tensor: a.name, index: [], unit: nil, relativeError: .infinity),
                expected: nil, actual: nil,
                reason: "is \(a.dtype.numpyName) \(a.shape) in A but \(b.dtype.numpyName) \(b.shape) in B"),
                violationCount: 1, integral: integral)
        }
        if integral, var exact = exactMatch(), a.visitElements(with: b, &exact) {
            let worst = geometry.count > 0
                ? CertificateEntry(tensor: a.name, index: geometry.coordinates(of: 0), unit: "\(role.node):0",
                                   relativeError: 0)
                : nil
            return TensorOutcome(worst: worst, firstViolation: nil, violationCount: 0, integral: integral)
        }
        var general = ElementCheck(check: self, name: a.name, dtype: a.dtype)
        return a.visitElements(with: b, &general)
    }

    /// The exact-mode pass, or nil when some consumed factor is not a power
    /// of two whose reciprocal is a normal number (then x · (1/f) could
    /// differ from x / f, which the element check computes).
    private func exactMatch() -> ExactMatch? {
        var outFactors = [Double](repeating: 1, count: geometry.rows)
        for (o, group) in role.outGroups.enumerated() where group >= 0 { outFactors[o] = factors[group] }
        var inReciprocals = [Double](repeating: 1, count: geometry.slotCount)
        for (slot, group) in role.inGroups.enumerated() where role.inAxis != nil && group >= 0 {
            let factor = factors[group], reciprocal = 1 / factor
            guard factor.isNormal, factor.significandBitPattern == 0, reciprocal.isNormal else { return nil }
            inReciprocals[slot] = reciprocal
        }
        return ExactMatch(geometry: geometry, outFactors: outFactors, inReciprocals: inReciprocals)
    }
}

/// True when every element of B equals A's times its factors, computed
/// as the element check computes it ((a · f_out) / f_in, with the division
/// by a power of two done as the bit-identical product by its reciprocal),
/// and finite. Such an element is not broken and differs by 0.
struct ExactMatch: ElementPairVisitor {
    let geometry: RoleGeometry
    /// f_out by produced unit (1 for a fixed unit).
    let outFactors: [Double]
    /// 1 / f_in by slot (1 for a fixed input, and the one slot of a role
    /// without in axis).
    let inReciprocals: [Double]

    func visit<L: ElementLoader>(_ a: L, _ b: L) -> Bool {
        var mismatches = 0
        outFactors.withUnsafeBufferPointer { outFactors in
            inReciprocals.withUnsafeBufferPointer { inReciprocals in
                /// Elements `start..<start + count` that do not match, the
                /// j-th moved by `factor(j)` and `reciprocal(j)`.
                @inline(__always)
                func mismatchCount(_ start: Int, _ count: Int, _ factor: (Int) -> Double,
                                   _ reciprocal: (Int) -> Double) -> Int {
                    var local = 0
                    for j in 0..<count {
                        let index = start &+ j
                        let expected = a(index) * factor(j) * reciprocal(j)
                        // B − expected is 0 exactly when both are equal and
                        // finite (∞ − ∞ and NaN give NaN; distinct finite
                        // values never subtract to 0): one branch-free test.
                        local &+= b(index) - expected == 0 ? 0 : 1
                    }
                    return local
                }
                geometry.forEachSegment { s in
                    // Dense layers (inner 1) run one contiguous loop per segment.
                    if s.inner == 1, s.outStep == 0, s.slotStep == 1 {
                        let factor = outFactors[s.out]
                        mismatches &+= mismatchCount(s.start, s.steps, { _ in factor }, { inReciprocals[s.slot &+ $0] })
                    } else if s.inner == 1, s.outStep == 1, s.slotStep == 0 {
                        let reciprocal = inReciprocals[s.slot]
                        mismatches &+= mismatchCount(s.start, s.steps, { outFactors[s.out &+ $0] }, { _ in reciprocal })
                    } else {
                        var index = s.start, o = s.out, slot = s.slot
                        for _ in 0..<s.steps {
                            let factor = outFactors[o], reciprocal = inReciprocals[slot]
                            mismatches &+= mismatchCount(index, s.inner, { _ in factor }, { _ in reciprocal })
                            index &+= s.inner
                            o &+= s.outStep
                            slot &+= s.slotStep
                        }
                    }
                }
            }
        }
        return mismatches == 0
    }
}

/// The element-by-element check of one tensor (any dtype, any scales).
struct ElementCheck: ElementPairVisitor {
    let check: ParameterCheck
    let name: String
    let dtype: DType

    func visit<L: ElementLoader>(_ av: L, _ bv: L) -> TensorOutcome {
        let geometry = check.geometry, role = check.role
        let integral = check.integral, tolerance = check.tolerance, dtype = self.dtype
        // Per unit and per slot: the factor, 1 for a fixed side (x · 1 and
        // x / 1 are x, so this is the product the groups prescribe), and
        // whether the side is fixed.
        let slotGroups = role.inAxis == nil ? [-1] : role.inGroups
        let outFactors = role.outGroups.map { $0 >= 0 ? check.factors[$0] : 1 }
        let inFactors = slotGroups.map { $0 >= 0 ? check.factors[$0] : 1 }
        let outFixed = role.outGroups.map { $0 < 0 }, inFixed = slotGroups.map { $0 < 0 }
        /// The expected value, |B − expected|, and whether the element breaks
        /// an exact requirement (exact mode, fixed units, NaN, overflow).
        @inline(__always)
        func classify(_ index: Int, _ outFactor: Double, _ inFactor: Double,
                      _ fixed: Bool) -> (expected: Double, difference: Double, broken: Bool) {
            let original = av(index)
            let expected = original * outFactor / inFactor
            let actual = bv(index)
            if expected.isNaN || actual.isNaN {
                let same = expected.isNaN && actual.isNaN
                return (expected, same ? 0 : .infinity, !same)
            }
            let difference = actual == expected ? 0 : abs(actual - expected)
            guard integral || fixed else { return (expected, difference, false) }
            let stored = DTypeRounding.round(expected, to: dtype)
            let broken = actual != stored || (original.isFinite && !stored.isFinite)
            return (expected, broken && difference == 0 ? .infinity : difference, broken)
        }
        /// Calls `body(index, out, outFactor, inFactor, fixed)` for every
        /// element in C order.
        @inline(__always)
        func forEachElement(_ body: (_ index: Int, _ out: Int, _ outFactor: Double, _ inFactor: Double,
                                     _ fixed: Bool) -> Void) {
            geometry.forEachSegment { s in
                var index = s.start, o = s.out, slot = s.slot
                for _ in 0..<s.steps {
                    let outFactor = outFactors[o], inFactor = inFactors[slot], fixed = outFixed[o] && inFixed[slot]
                    for _ in 0..<s.inner {
                        body(index, o, outFactor, inFactor, fixed)
                        index &+= 1
                    }
                    o &+= s.outStep
                    slot &+= s.slotStep
                }
            }
        }
        var rowSquares = [Double](repeating: 0, count: geometry.rows)
        var rowWorst = [Double](repeating: 0, count: geometry.rows)
        var rowWorstIndex = [Int](repeating: -1, count: geometry.rows)
        var broken = 0
        var first: (index: Int, out: Int, fixed: Bool, expected: Double, exact: Bool)?
        /// Adds element `index` of row `o` to the row's sum of squares and
        /// worst difference (held by the caller), and counts it if broken.
        @inline(__always)
        func accumulate(_ index: Int, _ o: Int, _ outFactor: Double, _ inFactor: Double, _ fixed: Bool,
                        _ squares: inout Double, _ worst: inout Double, _ worstIndex: inout Int) {
            let (expected, difference, isBroken) = classify(index, outFactor, inFactor, fixed)
            if expected.isFinite { squares += expected * expected }
            if difference > worst { worst = difference; worstIndex = index }
            if isBroken {
                broken += 1
                if first == nil { first = (index, o, fixed, expected, true) }
            }
        }
        // Each row's sum runs in C order, as the row norms always have; a
        // segment of one row keeps its row's sums in registers.
        rowSquares.withUnsafeMutableBufferPointer { rowSquares in
            rowWorst.withUnsafeMutableBufferPointer { rowWorst in
                rowWorstIndex.withUnsafeMutableBufferPointer { rowWorstIndex in
                    geometry.forEachSegment { s in
                        var index = s.start, o = s.out, slot = s.slot
                        var squares = rowSquares[o], worst = rowWorst[o], worstIndex = rowWorstIndex[o]
                        for _ in 0..<s.steps {
                            if s.outStep != 0 {
                                (squares, worst, worstIndex) = (rowSquares[o], rowWorst[o], rowWorstIndex[o])
                            }
                            let outFactor = outFactors[o], inFactor = inFactors[slot], fixed = outFixed[o] && inFixed[slot]
                            for _ in 0..<s.inner {
                                accumulate(index, o, outFactor, inFactor, fixed, &squares, &worst, &worstIndex)
                                index &+= 1
                            }
                            if s.outStep != 0 {
                                (rowSquares[o], rowWorst[o], rowWorstIndex[o]) = (squares, worst, worstIndex)
                            }
                            o &+= s.outStep
                            slot &+= s.slotStep
                        }
                        if s.outStep == 0 {
                            (rowSquares[o], rowWorst[o], rowWorstIndex[o]) = (squares, worst, worstIndex)
                        }
                    }
                }
            }
        }
        let rowNorms = rowSquares.map { $0.squareRoot() }
        func relative(_ difference: Double, row o: Int) -> Double {
            difference == 0 ? 0 : (rowNorms[o] > 0 ? difference / rowNorms[o] : .infinity)
        }
        var outcome = TensorOutcome(worst: nil, firstViolation: nil, violationCount: 0, integral: integral)
        // Worst entry of this tensor.
        var localWorst = (error: 0.0, index: 0, out: 0)
        for o in 0..<geometry.rows where rowWorstIndex[o] >= 0 {
            let error = relative(rowWorst[o], row: o)
            if error > localWorst.error { localWorst = (error, rowWorstIndex[o], o) }
        }
        if geometry.count > 0 {
            outcome.worst = CertificateEntry(tensor: name, index: geometry.coordinates(of: localWorst.index),
                                             unit: "\(role.node):\(localWorst.out)", relativeError: localWorst.error)
        }
        // Outside exact mode, rows whose worst difference exceeds the tolerance: count and locate.
        var violating = 0
        if !integral && (0..<geometry.rows).contains(where: { !(rowWorst[$0] <= tolerance * rowNorms[$0]) }) {
            broken = 0
            first = nil
            forEachElement { index, o, outFactor, inFactor, fixed in
                let (expected, difference, isBroken) = classify(index, outFactor, inFactor, fixed)
                let beyond = !(difference <= tolerance * rowNorms[o])
                guard isBroken || beyond else { return }
                violating += 1
                if first == nil { first = (index, o, fixed, expected, isBroken) }
            }
        } else {
            violating = broken
        }
        guard let first else { return outcome }
        let actual = bv(first.index), original = av(first.index)
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
        outcome.firstViolation = CertificateViolation(
            entry: CertificateEntry(tensor: name, index: geometry.coordinates(of: first.index),
                                    unit: "\(role.node):\(first.out)", relativeError: error),
            expected: first.expected, actual: actual, reason: reason)
        outcome.violationCount = violating
        return outcome
    }
}
