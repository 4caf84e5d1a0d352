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
    /// The kept elements regrouped into per-group sums and dense link blocks.
    let links: KernelAlignmentLinks
    /// The sweep order, its runs and chunks.
    let schedule: SweepSchedule
    let groupCount: Int
    /// Groups held at z = 0 (they contain a blocked unit).
    let frozen: [Bool]

    /// n: the kept elements (g > 0).
    var count: Int { links.count }
    /// Σ ln g over the kept elements.
    var logDiagonalSum: Double { links.logDiagonalSum }
    /// Elements left out because g = 0.
    var zeroEntries: Int { links.zeroEntries }

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
        var links = KernelAlignmentLinks(kernel: kernel, roles: roles, groupCount: groupCount)
        let blocked = Set(structure.blocked.map { "\($0.node):\($0.index)" })
        let frozen = structure.groups.map { group in group.units.contains(where: blocked.contains) }
        let active = (0..<groupCount).map { !frozen[$0] && links.producerCount[$0] + links.consumerCount[$0] > 0 }
        let schedule = SweepSchedule(links: links, active: active)
        links.makeColumnCopies(schedule.columnCopies)
        self.links = links
        self.schedule = schedule
        self.groupCount = groupCount
        self.frozen = frozen
    }

    private static func validate(_ role: ParameterRole, kernel: PathKernelDiagonal, groupCount: Int) throws {
        let name = role.tensor
        guard let shape = kernel.shapes[name] else {
            throw PathKernelError.invalidRole(tensor: name, reason: "the tensor is not a parameter of the network's layers")
        }
        guard role.shape == shape else {
            throw PathKernelError.invalidRole(tensor: name, reason: "role shape \(role.shape) differs from the tensor's \(shape)")
        }
        let entries = kernel.values[name]?.count ?? 0
        guard entries == shape.reduce(1, *) else {
            throw PathKernelError.invalidRole(tensor: name, reason: "the kernel has \(entries) entries for shape \(shape)")
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

    /// Σ e over all kept elements at `z`.
    func total(_ z: [Double]) -> Double {
        links.total(z: z, factors: LinkFactors(links: links, z: z), schedule: schedule)
    }

    /// F(z) = n·ln(Σe/n) − Σ ln e (natural logarithms); 0 with no elements.
    func criterion(_ z: [Double]) -> Double {
        criterion(total: total(z), z: z)
    }

    /// F at `z` given Σe at `z`: Σ ln e = Σ ln g + ln4·Σ t, and Σ t over the
    /// elements is Σ_h z[h]·(consumers of h − producers of h).
    func criterion(total: Double, z: [Double]) -> Double {
        guard count > 0 else { return 0 }
        var exponents = 0.0
        for h in 0..<groupCount where z[h] != 0 {
            exponents += z[h] * Double(links.consumerCount[h] - links.producerCount[h])
        }
        return Double(count) * log(total / Double(count)) - logDiagonalSum - 2 * M_LN2 * exponents
    }
}
