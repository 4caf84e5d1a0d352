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

    /// Receives a tensor pair a producer sweep read, with the scales known
    /// once the groups of its node are settled, before the pair is let go.
    typealias SettledPair = (_ role: ParameterRole, _ a: Tensor, _ b: Tensor, _ scales: [Double?]) throws -> Void

    /// The recovered scales (0 for undetermined groups) and the groups
    /// nothing determined. `settled` sees every pair the producer sweeps
    /// read (in role order), so a caller can check it without reading it
    /// again.
    func run(settled: SettledPair? = nil) throws -> (scales: [Double], undetermined: [Int]) {
        var scales = [Double?](repeating: nil, count: groupCount)
        while scales.contains(where: { $0 == nil }) {
            if try producerSweep(&scales, settled: settled) { continue }
            if try !consumerSweep(&scales) { break }
        }
        let undetermined = scales.indices.filter { scales[$0] == nil }
        return (scales.map { $0 ?? 0 }, undetermined)
    }

    /// One pass over the producers; the groups of a node are settled after
    /// all of its tensors (weight and bias, γ and β) have voted. Returns
    /// whether any group was settled.
    private func producerSweep(_ scales: inout [Double?], settled: SettledPair?) throws -> Bool {
        var progress = false
        var votes = [Votes](repeating: Votes(), count: groupCount)
        var start = 0
        while start < roles.count {
            var end = start
            while end < roles.count, roles[end].node == roles[start].node { end += 1 }
            var touched: [Int] = []
            var read: [(role: ParameterRole, a: Tensor, b: Tensor)] = []
            for role in roles[start..<end] where role.outGroups.contains(where: { $0 >= 0 && scales[$0] == nil }) {
                guard let (a, b) = try pair(of: role) else { continue }
                var voting = ElementVoting(geometry: RoleGeometry(role), known: scales, votes: votes, touched: touched,
                                           producers: true)
                votes = []  // `voting` holds the only reference while it runs
                a.visitElements(with: b, &voting)
                (votes, touched) = (voting.votes, voting.touched)
                if settled != nil { read.append((role, a, b)) }
            }
            for group in touched {
                if let estimate = votes[group].estimate { scales[group] = estimate; progress = true }
                votes[group] = Votes()
            }
            for pair in read { try settled?(pair.role, pair.a, pair.b, scales) }
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
            guard let (a, b) = try pair(of: role) else { continue }
            var voting = ElementVoting(geometry: RoleGeometry(role), known: scales, votes: votes, touched: touched,
                                       producers: false)
            votes = []  // `voting` holds the only reference while it runs
            a.visitElements(with: b, &voting)
            (votes, touched) = (voting.votes, voting.touched)
        }
        var progress = false
        for group in touched {
            if let estimate = votes[group].estimate { scales[group] = estimate; progress = true }
        }
        return progress
    }

    /// Both tensors, or nil when B lacks the tensor or stores it differently
    /// (the verification reports that).
    private func pair(of role: ParameterRole) throws -> (Tensor, Tensor)? {
        guard candidateNames.contains(role.tensor) else { return nil }
        let a = try original.tensor(role.tensor), b = try candidate.tensor(role.tensor)
        guard a.shape == b.shape, a.dtype == b.dtype, a.shape == role.shape,
              a.dtype.isFloatingPoint else { return nil }
        return (a, b)
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

/// The votes of one tensor's elements, read in place: as producers for
/// unknown out groups whose in group is known (z = z[in] + log2(B/A)), or as
/// consumers for unknown in groups whose out group is known
/// (z = z[out] − log2(B/A)). Elements are offered in C order; one whose |A|
/// cannot enter its group's three largest (or whose group does not vote)
/// is passed over before B is read.
struct ElementVoting: ElementPairVisitor {
    let geometry: RoleGeometry
    let known: [Double?]
    var votes: [Votes]
    /// Groups in the order they received their first vote.
    var touched: [Int]
    let producers: Bool

    mutating func visit<L: ElementLoader>(_ a: L, _ b: L) {
        let role = geometry.role, known = self.known
        let slotGroups = role.inAxis == nil ? [-1] : role.inGroups
        // The group an element votes for (−1: none), by unit for producers
        // and by slot for consumers; the known scale on its other side (NaN:
        // unknown, no vote), by slot for producers and by unit for consumers.
        let (voting, other) = producers ? (role.outGroups, slotGroups) : (slotGroups, role.outGroups)
        let groups = voting.map { $0 >= 0 && known[$0] == nil ? $0 : -1 }
        let bases = other.map { $0 < 0 ? 0 : known[$0] ?? .nan }
        // |A| an element must exceed, by group + 1 (entry 0, for no group, is +∞).
        var floors = [Double](repeating: -.infinity, count: votes.count + 1)
        floors[0] = .infinity
        for (group, held) in votes.enumerated() { floors[group + 1] = held.floor }
        var votes = self.votes, touched = self.touched
        self.votes = []
        let producers = self.producers, sign: Double = producers ? 1 : -1
        groups.withUnsafeBufferPointer { groups in
            bases.withUnsafeBufferPointer { bases in
                floors.withUnsafeMutableBufferPointer { floors in
                    /// Offers elements `start..<start + count`, the j-th for
                    /// `group(j)` over `base(j)`.
                    @inline(__always)
                    func scan(_ start: Int, _ count: Int, _ group: (Int) -> Int, _ base: (Int) -> Double) {
                        for j in 0..<count {
                            let index = start &+ j, g = group(j), x = a(index)
                            guard abs(x) > floors[g &+ 1] else { continue }
                            let known = base(j), y = b(index)
                            guard !known.isNaN, ScaleRecovery.isUsable(y, x) else { continue }
                            if votes[g].count == 0 { touched.append(g) }
                            votes[g].offer(Vote(a: x, b: y, base: known, sign: sign))
                            floors[g &+ 1] = votes[g].floor
                        }
                    }
                    geometry.forEachSegment { s in
                        let (g0, gStep, b0, bStep) = producers
                            ? (s.out, s.outStep, s.slot, s.slotStep) : (s.slot, s.slotStep, s.out, s.outStep)
                        if s.inner == 1, gStep == 0 {
                            let group = groups[g0]
                            if group >= 0 { scan(s.start, s.steps, { _ in group }, { bases[b0 &+ bStep &* $0] }) }
                        } else if s.inner == 1 {
                            scan(s.start, s.steps, { groups[g0 &+ $0] }, { bases[b0 &+ bStep &* $0] })
                        } else {
                            var index = s.start
                            for k in 0..<s.steps {
                                let group = groups[g0 &+ gStep &* k], known = bases[b0 &+ bStep &* k]
                                if group >= 0 { scan(index, s.inner, { _ in group }, { _ in known }) }
                                index &+= s.inner
                            }
                        }
                    }
                }
            }
        }
        self.votes = votes
        self.touched = touched
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
    /// The |A| a vote must exceed to be kept: the third's once three are
    /// held, else −∞. `offer` leaves the votes unchanged for any other.
    private(set) var floor = -Double.infinity

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
        if count == 3, let third = slots.2 { floor = third.magnitude }
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
