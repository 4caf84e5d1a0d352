import Network

/// C-order addressing of a parameter tensor by its role: which produced unit
/// (out coordinate) and which consumed group each element has.
struct RoleGeometry {
    let role: ParameterRole
    let count: Int
    private let outStride: Int
    private let inStride: Int
    private let inSize: Int

    init(_ role: ParameterRole) {
        self.role = role
        let shape = role.shape
        var strides = [Int](repeating: 1, count: shape.count)
        if shape.count > 1 {
            for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        }
        count = shape.reduce(1, *)
        outStride = shape.isEmpty ? 1 : strides[role.outAxis]
        inStride = role.inAxis.map { strides[$0] } ?? 1
        inSize = role.inAxis.map { shape[$0] } ?? 1
    }

    /// Number of produced units (rows).
    var rows: Int { role.shape.isEmpty ? 1 : role.shape[role.outAxis] }

    /// Calls `body(index, out, outGroup, inGroup)` for every element in C
    /// order; groups are −1 when fixed.
    func forEach(_ body: (_ index: Int, _ out: Int, _ outGroup: Int, _ inGroup: Int) -> Void) {
        let rows = self.rows
        for index in 0..<count {
            let o = (index / outStride) % rows
            let inGroup = role.inAxis == nil ? -1 : role.inGroup(out: o, in: (index / inStride) % inSize)
            body(index, o, role.outGroups[o], inGroup)
        }
    }

    /// The coordinates of a C-order element index in the stored shape.
    func coordinates(of index: Int) -> [Int] {
        var rest = index
        var result = [Int](repeating: 0, count: role.shape.count)
        for axis in stride(from: role.shape.count - 1, through: 0, by: -1) {
            let size = max(role.shape[axis], 1)
            result[axis] = rest % size
            rest /= size
        }
        return result
    }

    /// Checks that the role's group tables fit its shape, so walking it
    /// cannot index out of range.
    static func validate(_ role: ParameterRole, groupCount: Int) -> String? {
        let shape = role.shape
        guard shape.allSatisfy({ $0 >= 0 }) else { return "has a negative dimension in \(shape)" }
        if shape.isEmpty { return role.outGroups.count == 1 ? nil : "is a scalar with \(role.outGroups.count) out groups" }
        guard role.outAxis >= 0, role.outAxis < shape.count else { return "has out axis \(role.outAxis) for shape \(shape)" }
        guard role.outGroups.count == shape[role.outAxis] else {
            return "has \(role.outGroups.count) out groups for \(shape[role.outAxis]) units"
        }
        if let axis = role.inAxis {
            guard axis >= 0, axis < shape.count, axis != role.outAxis else { return "has in axis \(axis) for shape \(shape)" }
            guard role.inBlocks > 0, shape[role.outAxis] % role.inBlocks == 0,
                  role.inGroups.count == role.inBlocks * shape[axis] else {
                return "has \(role.inGroups.count) in groups for \(role.inBlocks) block(s) of \(shape[axis]) inputs"
            }
        }
        let all = role.outGroups + role.inGroups
        guard all.allSatisfy({ $0 >= -1 && $0 < groupCount }) else { return "names a group outside 0..<\(groupCount)" }
        return nil
    }
}
