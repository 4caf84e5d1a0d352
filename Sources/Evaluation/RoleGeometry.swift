import Network

/// C-order addressing of a parameter tensor by its role: which produced unit
/// (out coordinate) and which consumed group each element has.
struct RoleGeometry {
    let role: ParameterRole
    let count: Int
    /// The tensor as a loop nest: `outer` × first axis × `middle` × second
    /// axis × `inner`, where the first/second axes are the out and in axes in
    /// storage order (the in axis has extent 1 when there is none).
    private let outer: Int, middle: Int, inner: Int
    private let outFirst: Bool
    private let outSize: Int, inSize: Int
    /// For each out coordinate, where its block starts in `role.inGroups`.
    private let inGroupBase: [Int]

    init(_ role: ParameterRole) {
        self.role = role
        let shape = role.shape
        count = shape.reduce(1, *)
        guard !shape.isEmpty else {
            outer = 1; middle = 1; inner = 1; outFirst = true; outSize = 1; inSize = 1; inGroupBase = [0]
            return
        }
        outSize = shape[role.outAxis]
        let inAxis = role.inAxis
        inSize = inAxis.map { shape[$0] } ?? 1
        let first = min(role.outAxis, inAxis ?? role.outAxis)
        let second = max(role.outAxis, inAxis ?? role.outAxis)
        outFirst = role.outAxis == first
        outer = shape[..<first].reduce(1, *)
        if inAxis == nil {
            middle = 1
            inner = shape[(first + 1)...].reduce(1, *)
        } else {
            middle = shape[(first + 1)..<second].reduce(1, *)
            inner = shape[(second + 1)...].reduce(1, *)
        }
        let blockSize = role.inBlocks > 1 ? max(outSize / role.inBlocks, 1) : max(outSize, 1)
        let inSize = self.inSize
        inGroupBase = (0..<outSize).map { role.inBlocks > 1 ? ($0 / blockSize) * inSize : 0 }
    }

    /// Number of produced units (rows).
    var rows: Int { outSize }

    /// Calls `body(index, out, outGroup, inGroup)` for every element in C
    /// order; groups are −1 when fixed. No division per element.
    @inline(__always)
    func forEach(_ body: (_ index: Int, _ out: Int, _ outGroup: Int, _ inGroup: Int) -> Void) {
        guard count > 0 else { return }
        let hasIn = role.inAxis != nil
        let outGroups = role.outGroups, inGroups = role.inGroups, bases = inGroupBase
        let (firstSize, secondSize) = outFirst ? (outSize, hasIn ? inSize : 1) : (inSize, outSize)
        var index = 0
        for _ in 0..<outer {
            for x in 0..<firstSize {
                for _ in 0..<middle {
                    for y in 0..<secondSize {
                        let (o, i) = outFirst ? (x, y) : (y, x)
                        let outGroup = outGroups[o]
                        let inGroup = hasIn ? inGroups[bases[o] + i] : -1
                        for _ in 0..<inner {
                            body(index, o, outGroup, inGroup)
                            index += 1
                        }
                    }
                }
            }
        }
    }

    /// Calls `body(start, count, out, inSlot)` for every run of `count`
    /// consecutive C-order elements from `start` that produce the same unit
    /// `out` and consume the same input, in C order. `inSlot` indexes
    /// `role.inGroups` (−1 when the role has no in axis). The same walk as
    /// `forEach`, with the innermost axes left to the caller's loop.
    @inline(__always)
    func forEachRun(_ body: (_ start: Int, _ count: Int, _ out: Int, _ inSlot: Int) -> Void) {
        guard count > 0 else { return }
        let hasIn = role.inAxis != nil
        let (firstSize, secondSize) = outFirst ? (outSize, hasIn ? inSize : 1) : (inSize, outSize)
        let inner = self.inner, middle = self.middle, outFirst = self.outFirst
        inGroupBase.withUnsafeBufferPointer { bases in
            var index = 0
            for _ in 0..<outer {
                for x in 0..<firstSize {
                    for _ in 0..<middle {
                        for y in 0..<secondSize {
                            let (o, i) = outFirst ? (x, y) : (y, x)
                            body(index, inner, o, hasIn ? bases[o] + i : -1)
                            index += inner
                        }
                    }
                }
            }
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
