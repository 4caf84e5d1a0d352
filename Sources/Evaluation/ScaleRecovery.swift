import Foundation
import Network
import WeightFiles

/// Recovers the log2-scale of every rescaling group from a pair of
/// parameter sets, producers first.
///
/// A group's scale comes from the elements that produce it whose consumed
/// group is already known (in topological order, so in one sweep for a
/// network whose roles are listed in graph order): each gives
/// z = log2(B/A) + z[in]. Of these, the three with the largest |A| vote and
/// the median wins, so one corrupted entry cannot move the scale of its
/// whole row (a group with only two producer elements, a batchnorm channel's
/// γ and β, follows the larger: a corrupted one is still caught, at that
/// channel, but the other may be the element named). Groups no producer
/// determines (all-zero rows) are recovered
/// from their consumers, z = z[out] − log2(B/A); groups nothing determines
/// stay undetermined.
struct ScaleRecovery {
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

    /// True when the pair can vote: both finite, non-zero and of one sign
    /// (checked without dividing, per element).
    @inline(__always)
    static func isUsable(_ b: Double, _ a: Double) -> Bool {
        a.isFinite && b.isFinite && a != 0 && b != 0 && (a < 0) == (b < 0)
    }

    /// log2(b/a) for a usable pair (both finite and non-zero, same sign):
    /// exact when the ratio is a power of two; nil otherwise.
    static func log2Ratio(_ b: Double, _ a: Double) -> Double? {
        guard a.isFinite, b.isFinite, a != 0, b != 0 else { return nil }
        let ratio = b / a
        guard ratio > 0, ratio.isNormal else { return nil }
        if ratio.significandBitPattern == 0 { return Double(ratio.exponent) }
        return Foundation.log2(ratio)
    }
}

/// One element's evidence for a group's scale: z = base + sign·log2(b/a).
struct Vote {
    var a: Double, b: Double
    /// The known scale on the element's other side.
    var base: Double
    /// +1 for a producer element, −1 for a consumer element.
    var sign: Double

    var magnitude: Double { abs(a) }

    /// The estimate, or nil when b/a is not a normal number.
    var estimate: Double? { ScaleRecovery.log2Ratio(b, a).map { base + sign * $0 } }
}

/// The three votes for a group's scale with the largest |A| (the most
/// precise ratios); the first offered wins ties. Fixed size, so offering
/// never allocates; ratios are computed only when the estimate is asked for.
struct Votes {
    private var slots: (Vote?, Vote?, Vote?) = (nil, nil, nil)
    /// Number of votes held (0…3).
    private(set) var count = 0

    mutating func offer(_ vote: Vote) {
        let m = vote.magnitude
        if let first = slots.0, !(m > first.magnitude) {
            if let second = slots.1, !(m > second.magnitude) {
                if let third = slots.2, !(m > third.magnitude) { return }
                slots.2 = vote
            } else {
                slots = (slots.0, vote, slots.1)
            }
        } else {
            slots = (vote, slots.0, slots.1)
        }
        count = min(count + 1, 3)
    }

    /// The median of the valid estimates of three votes, else the estimate
    /// of the largest |A|; nil when no vote gives one.
    var estimate: Double? {
        let estimates = [slots.0, slots.1, slots.2].compactMap { $0?.estimate }
        switch estimates.count {
        case 0: return nil
        case 3: return estimates.sorted()[1]
        default: return estimates[0]
        }
    }
}
