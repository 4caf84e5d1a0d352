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
    /// Ranges of out coordinates with the same `inGroupBase` (one per in
    /// block of a grouped layer).
    private let sameBlockRuns: [Range<Int>]

    init(_ role: ParameterRole) {
        self.role = role
        let shape = role.shape
        count = shape.reduce(1, *)
        guard !shape.isEmpty else {
            outer = 1; middle = 1; inner = 1; outFirst = true; outSize = 1; inSize = 1; inGroupBase = [0]
            sameBlockRuns = [0..<1]
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
        let bases = (0..<outSize).map { role.inBlocks > 1 ? ($0 / blockSize) * inSize : 0 }
        inGroupBase = bases
        var runs: [Range<Int>] = []
        var runStart = 0
        for o in 0..<outSize where bases[o] != bases[runStart] {
            runs.append(runStart..<o)
            runStart = o
        }
        if outSize > runStart { runs.append(runStart..<outSize) }
        sameBlockRuns = runs
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

    /// Number of slots an element's `slot` (see `Segment`) ranges over:
    /// `role.inGroups.count`, or 1 for a role without an in axis.
    var slotCount: Int { role.inAxis == nil ? 1 : role.inGroups.count }

    /// A run of elements along the second axis of the loop nest: `steps`
    /// steps of `inner` consecutive elements from `start`; at step j the
    /// elements produce unit `out + outStep·j` and read slot
    /// `slot + slotStep·j` of `role.inGroups` (slot 0 for a role without an
    /// in axis, whose slot tables have one entry).
    struct Segment {
        let start: Int, steps: Int, inner: Int
        let out: Int, outStep: Int
        let slot: Int, slotStep: Int
    }

    /// Calls `body` for segments covering every element once, in C order:
    /// one per line of the second axis (split where a grouped layer's in
    /// block changes), so a kernel runs its own tight loop.
    @inline(__always)
    func forEachSegment(_ body: (Segment) -> Void) {
        guard count > 0 else { return }
        let hasIn = role.inAxis != nil
        var index = 0
        if outFirst {
            let steps = hasIn ? inSize : 1
            for _ in 0..<outer {
                for o in 0..<outSize {
                    let slot = hasIn ? inGroupBase[o] : 0
                    for _ in 0..<middle {
                        body(Segment(start: index, steps: steps, inner: inner, out: o, outStep: 0,
                                     slot: slot, slotStep: hasIn ? 1 : 0))
                        index += steps * inner
                    }
                }
            }
        } else {
            for _ in 0..<outer {
                for i in 0..<inSize {
                    for _ in 0..<middle {
                        for run in sameBlockRuns {
                            body(Segment(start: index + run.lowerBound * inner, steps: run.count, inner: inner,
                                         out: run.lowerBound, outStep: 1,
                                         slot: inGroupBase[run.lowerBound] + i, slotStep: 0))
                        }
                        index += outSize * inner
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
