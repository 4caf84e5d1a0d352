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
/// whole row. Groups no producer determines (all-zero rows) are recovered
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
        var start = 0
        while start < roles.count {
            var end = start
            while end < roles.count, roles[end].node == roles[start].node { end += 1 }
            var votes: [Int: Votes] = [:]
            for role in roles[start..<end] where role.outGroups.contains(where: { $0 >= 0 && scales[$0] == nil }) {
                guard let (a, b) = try values(of: role) else { continue }
                let known = scales
                RoleGeometry(role).forEach { index, _, outGroup, inGroup in
                    guard outGroup >= 0, known[outGroup] == nil else { return }
                    let inScale: Double
                    if inGroup < 0 { inScale = 0 } else if let value = known[inGroup] { inScale = value } else { return }
                    guard let ratio = ScaleRecovery.log2Ratio(b[index], a[index]) else { return }
                    votes[outGroup, default: Votes()].offer(magnitude: abs(a[index]), estimate: ratio + inScale)
                }
            }
            for (group, vote) in votes { scales[group] = vote.estimate; progress = true }
            start = end
        }
        return progress
    }

    /// One pass over the consumers of still unknown groups.
    private func consumerSweep(_ scales: inout [Double?]) throws -> Bool {
        var votes: [Int: Votes] = [:]
        for role in roles where role.inAxis != nil
            && role.inGroups.contains(where: { $0 >= 0 && scales[$0] == nil }) {
            guard let (a, b) = try values(of: role) else { continue }
            let known = scales
            RoleGeometry(role).forEach { index, _, outGroup, inGroup in
                guard inGroup >= 0, known[inGroup] == nil else { return }
                let outScale: Double
                if outGroup < 0 { outScale = 0 } else if let value = known[outGroup] { outScale = value } else { return }
                guard let ratio = ScaleRecovery.log2Ratio(b[index], a[index]) else { return }
                votes[inGroup, default: Votes()].offer(magnitude: abs(a[index]), estimate: outScale - ratio)
            }
        }
        for (group, vote) in votes { scales[group] = vote.estimate }
        return !votes.isEmpty
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

/// The three estimates of a group's scale with the largest |A|; the first
/// offered wins ties.
struct Votes {
    private(set) var entries: [(magnitude: Double, estimate: Double)] = []

    mutating func offer(magnitude: Double, estimate: Double) {
        guard let position = entries.firstIndex(where: { magnitude > $0.magnitude }) ?? (entries.count < 3 ? entries.count : nil)
        else { return }
        entries.insert((magnitude, estimate), at: position)
        if entries.count > 3 { entries.removeLast() }
    }

    /// The median of three votes, else the vote of the largest |A|.
    var estimate: Double {
        guard entries.count == 3 else { return entries[0].estimate }
        let sorted = entries.map(\.estimate).sorted()
        return sorted[1]
    }
}
