import Foundation
import Network

/// The kernel-alignment criterion over one network's parameters, indexed for
/// per-group updates.
///
/// Conventions (log2 scales, the same as `Tensor.rescaled(by:as:)`): group
/// g has scale 2^z[g]; a parameter element with produced group `out` and
/// consumed group `in` moves by 2^(z[out] − z[in]). Its kernel diagonal
/// entry moves by the inverse square, so with t = z[in] − z[out] the
/// rescaled entry is e = g·4^t. The criterion is
///
///     F(z) = n·ln(mean e / geometric-mean e) = n·ln(Σe / n) − Σ ln e.
///
/// Elements with g = 0 are left out (their entry is 0 at every z, and the
/// geometric mean would be 0): n counts the elements with g > 0.
///
/// Against the reference code (natural-log scales Z, per-parameter
/// BZ = Z[unit it leaves] − Z[unit it enters], parameters times e^(−BZ/2)):
/// Z = 2·ln2·z and BZ = 2·ln2·t, and the criterion is the same number.
struct KernelAlignmentProblem {
    /// g > 0 per kept element.
    let diagonal: [Double]
    /// Produced and consumed group per kept element, −1 = fixed.
    let outGroup: [Int32]
    let inGroup: [Int32]
    let groupCount: Int
    /// Per group, the kept elements that consume it (in == h, out ≠ h) and
    /// that produce it (out == h, in ≠ h), as CSR ranges.
    let consumerStart: [Int], consumers: [Int]
    let producerStart: [Int], producers: [Int]
    /// Groups held at z = 0 (they contain a blocked unit).
    let frozen: [Bool]
    /// Σ ln g over the kept elements.
    let logDiagonalSum: Double
    /// Elements left out because g = 0.
    let zeroEntries: Int

    var count: Int { diagonal.count }

    /// Joins the diagonal to the rescaling roles.
    /// - Throws: `PathKernelError.invalidRole` when a role names a tensor
    ///   that is not a parameter of the kernel, does not fit its shape, or
    ///   names a group that does not exist.
    init(diagonal kernel: PathKernelDiagonal, structure: RescalingStructure) throws {
        let groupCount = structure.groups.count
        for (index, group) in structure.groups.enumerated() where group.id != index {
            throw PathKernelError.invalidRole(tensor: "(groups)",
                reason: "group at position \(index) has id \(group.id); ids must equal positions")
        }
        var roles: [String: ParameterRole] = [:]
        for role in structure.parameters {
            guard roles[role.tensor] == nil else {
                throw PathKernelError.invalidRole(tensor: role.tensor, reason: "the tensor has two roles")
            }
            try KernelAlignmentProblem.validate(role, kernel: kernel, groupCount: groupCount)
            roles[role.tensor] = role
        }

        var diagonal: [Double] = [], outs: [Int32] = [], ins: [Int32] = [], zeros = 0
        diagonal.reserveCapacity(kernel.parameterCount)
        for name in kernel.tensorOrder {
            let values = kernel.values[name] ?? []
            let keep = { (index: Int, out: Int, input: Int) in
                let g = values[index]
                if g > 0 { diagonal.append(g); outs.append(Int32(out)); ins.append(Int32(input)) } else { zeros += 1 }
            }
            if let role = roles[name] {
                role.forEachElement { index, out, input in keep(index, out, input) }
            } else {
                for index in values.indices { keep(index, -1, -1) }
            }
        }

        func ranges(_ select: (Int) -> Int32?) -> (start: [Int], items: [Int]) {
            var counts = [Int](repeating: 0, count: groupCount + 1)
            for i in diagonal.indices { if let h = select(i) { counts[Int(h) + 1] += 1 } }
            for h in 0..<groupCount { counts[h + 1] += counts[h] }
            var fill = counts, items = [Int](repeating: 0, count: counts[groupCount])
            for i in diagonal.indices { if let h = select(i) { items[fill[Int(h)]] = i; fill[Int(h)] += 1 } }
            return (counts, items)
        }
        let consumed = ranges { ins[$0] >= 0 && ins[$0] != outs[$0] ? ins[$0] : nil }
        let produced = ranges { outs[$0] >= 0 && ins[$0] != outs[$0] ? outs[$0] : nil }

        let blocked = Set(structure.blocked.map { "\($0.node):\($0.index)" })
        self.frozen = structure.groups.map { group in group.units.contains(where: blocked.contains) }
        self.diagonal = diagonal; self.outGroup = outs; self.inGroup = ins; self.groupCount = groupCount
        self.consumerStart = consumed.start; self.consumers = consumed.items
        self.producerStart = produced.start; self.producers = produced.items
        self.logDiagonalSum = diagonal.reduce(0) { $0 + log($1) }
        self.zeroEntries = zeros
    }

    private static func validate(_ role: ParameterRole, kernel: PathKernelDiagonal, groupCount: Int) throws {
        let name = role.tensor
        guard let shape = kernel.shapes[name] else {
            throw PathKernelError.invalidRole(tensor: name, reason: "the tensor is not a parameter of the network's layers")
        }
        guard role.shape == shape else {
            throw PathKernelError.invalidRole(tensor: name, reason: "role shape \(role.shape) differs from the tensor's \(shape)")
        }
        guard role.outAxis >= 0, role.outAxis < shape.count, role.outGroups.count == shape[role.outAxis] else {
            throw PathKernelError.invalidRole(tensor: name,
                reason: "out axis \(role.outAxis) with \(role.outGroups.count) groups does not fit shape \(shape)")
        }
        if let axis = role.inAxis {
            guard axis >= 0, axis < shape.count, axis != role.outAxis, role.inBlocks > 0,
                  shape[role.outAxis] % role.inBlocks == 0,
                  role.inGroups.count == role.inBlocks * shape[axis] else {
                throw PathKernelError.invalidRole(tensor: name,
                    reason: "in axis \(axis) with \(role.inGroups.count) groups in \(role.inBlocks) blocks does not fit shape \(shape)")
            }
        }
        let valid = -1..<groupCount
        if let bad = (role.outGroups + role.inGroups).first(where: { !valid.contains($0) }) {
            throw PathKernelError.invalidRole(tensor: name, reason: "group \(bad) does not exist (there are \(groupCount))")
        }
    }

    /// t = z[in] − z[out] of element `i`.
    @inline(__always) func exponent(_ i: Int, _ z: [Double]) -> Double {
        let o = Int(outGroup[i]), c = Int(inGroup[i])
        return (c >= 0 ? z[c] : 0) - (o >= 0 ? z[o] : 0)
    }

    /// The rescaled entry g·4^t of element `i`.
    @inline(__always) func entry(_ i: Int, _ z: [Double]) -> Double {
        diagonal[i] * exp2(2 * exponent(i, z))
    }

    /// Σ e over all kept elements.
    func total(_ z: [Double]) -> Double {
        var sum = 0.0
        for i in diagonal.indices { sum += entry(i, z) }
        return sum
    }

    /// F(z) = n·ln(Σe/n) − Σ ln e (natural logarithms); 0 with no elements.
    func criterion(_ z: [Double]) -> Double {
        guard count > 0 else { return 0 }
        var sum = 0.0, exponents = 0.0
        for i in diagonal.indices {
            let t = exponent(i, z)
            sum += diagonal[i] * exp2(2 * t)
            exponents += t
        }
        return Double(count) * log(sum / Double(count)) - logDiagonalSum - 2 * M_LN2 * exponents
    }

    /// Group h's share of Σe: consumers B, producers C, and their counts.
    func groupSums(_ h: Int, _ z: [Double]) -> (consumers: Double, producers: Double, consumerCount: Int, producerCount: Int) {
        var b = 0.0, c = 0.0
        for k in consumerStart[h]..<consumerStart[h + 1] { b += entry(consumers[k], z) }
        for k in producerStart[h]..<producerStart[h + 1] { c += entry(producers[k], z) }
        return (b, c, consumerStart[h + 1] - consumerStart[h], producerStart[h + 1] - producerStart[h])
    }
}
