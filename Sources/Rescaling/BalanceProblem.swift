import Foundation
import Network
import WeightFiles

/// A rescaling structure with the tensors it moves, validated and indexed
/// for the objectives and solvers.
///
/// Building it checks, before anything is computed, that every tensor named
/// by a `ParameterRole` is supplied with the role's shape and a floating-point
/// dtype, that every element is finite (NaN/Inf throws naming the tensor and
/// the index), and that the structure is consistent (group indices in range,
/// one set of out groups per node, no element consuming its own group).
///
/// It then finds the dead groups (all producer or all consumer elements
/// zero: they keep z = 0), the box each free group's log2-scale must stay in
/// so that no element of a moved tensor overflows or becomes subnormal in its
/// dtype, and lays the rows out per node for one-pass sweeps.
public struct BalanceProblem: Sendable {
    /// The symmetry being optimised over.
    public let structure: RescalingStructure
    /// Where the structure's tensors come from. Building the problem and
    /// each objective evaluation read them from here; with a file-backed
    /// source (`TensorSource(file:)`) only one node's tensors are in memory
    /// at a time.
    public let source: TensorSource
    let layout: RowLayout

    /// Validates and indexes `structure` over `tensors` (tensors not named by
    /// the structure are ignored). Throws `BalanceError`.
    public init(structure: RescalingStructure, tensors: [String: Tensor]) throws {
        var used: [String: Tensor] = [:]
        for role in structure.parameters {
            guard let tensor = tensors[role.tensor] else { throw BalanceError.missingTensor(name: role.tensor) }
            used[role.tensor] = tensor
        }
        try self.init(structure: structure, source: TensorSource(tensors: used))
    }

    /// Validates and indexes `structure` over the tensors of `source`
    /// (read once to validate and index them; tensors not named by the
    /// structure are ignored). Throws `BalanceError`, or the source's read
    /// errors.
    public init(structure: RescalingStructure, source: TensorSource) throws {
        self.structure = structure
        for role in structure.parameters where !source.contains(role.tensor) {
            throw BalanceError.missingTensor(name: role.tensor)
        }
        self.source = source
        try RowLayout.validate(structure: structure, source: source)
        layout = try RowLayout(structure: structure, source: source)
    }

    /// The tensor named `name` (a role's tensor, present by validation).
    func tensor(_ name: String) throws -> Tensor { try source.tensor(name) }

    /// Number of rescaling groups (the length of every `LogScales`).
    public var groupCount: Int { structure.groups.count }

    /// The groups that keep z = 0 because all their producer elements or all
    /// their consumer elements are zero (or absent).
    public var deadGroups: [DeadGroup] { layout.deadGroups }

    /// The interval each group's log2-scale must stay in so that no element
    /// of a moved tensor leaves its dtype's normal range ([0, 0] for fixed
    /// and dead groups). A sufficient condition: each element's exponent
    /// change z[out] − z[in] is split evenly between its two groups.
    public var bounds: [ClosedRange<Double>] {
        var result = [ClosedRange<Double>](repeating: 0...0, count: groupCount)
        for (k, group) in layout.freeGroups.enumerated() { result[group] = layout.boxLo[k]...layout.boxHi[k] }
        return result
    }

    /// The node names in order of first appearance in `structure.parameters`.
    public var nodes: [String] { layout.nodeNames }

    /// The objective at log2-scales `z` (length `groupCount`).
    public func objective(_ z: LogScales, norm: Norm) throws -> Double {
        try norm.validate()
        try checkLength(z)
        return try ObjectiveEvaluator(problem: self, norm: norm).objective(layout.internalScales(z))
    }

    /// Each node's norm at log2-scales `z`: ‖W̃_node‖_{p,q} for `lpq`, the
    /// largest rescaled magnitude for `max`. In the order of `nodes`.
    public func layerNorms(_ z: LogScales, norm: Norm) throws -> [Double] {
        try norm.validate()
        try checkLength(z)
        return try ObjectiveEvaluator(problem: self, norm: norm).layerNorms(layout.internalScales(z))
    }

    /// Every tensor named by the structure, moved by `z` as its role
    /// prescribes (`Tensor.rescaled(by:as:)`), by name.
    public func rescaledTensors(_ z: LogScales) throws -> [String: Tensor] {
        try checkLength(z)
        var result: [String: Tensor] = [:]
        for role in structure.parameters {
            var tensor = try result.removeValue(forKey: role.tensor) ?? self.tensor(role.tensor)
            tensor.rescale(by: z, as: role)
            result[role.tensor] = tensor
        }
        return result
    }

    func checkLength(_ z: LogScales) throws {
        guard z.count == groupCount else {
            throw BalanceError.invalidStructure("\(z.count) log2-scales given for \(groupCount) groups")
        }
    }
}

/// A group that keeps scale 1 because rescaling it cannot help.
public struct DeadGroup: Sendable, Equatable {
    /// Index in `RescalingStructure.groups`.
    public var group: Int
    /// The group's units ("node:index").
    public var units: [String]
    /// Why, e.g. "all producer weights are zero".
    public var reason: String
    /// Memberwise.
    public init(group: Int, units: [String], reason: String) {
        self.group = group; self.units = units; self.reason = reason
    }
}

/// Rows of one node that consume the same column groups, stored row-major.
struct Segment: Sendable {
    var node: Int
    /// Global index of the first row.
    var rowStart: Int
    var rowCount: Int
    /// Offset of this segment's column groups in `RowLayout.columnGroups`.
    var columnStart: Int
    var columnCount: Int
    /// Offset of this segment's (rowCount × columnCount) block in a value matrix.
    var valueOffset: Int
    /// Per role of the node (in `RowLayout.nodeRoles` order): the local
    /// column of each in coordinate of the segment's block, or one entry (the
    /// sentinel column) for roles without an in axis.
    var roleColumns: [[Int32]]
}

/// The compact index the solvers work on.
///
/// Free groups (neither fixed nor dead) are renumbered 0..<freeCount; index
/// `sentinel == freeCount` stands for every fixed or dead group (z = 0).
/// Rows are (node, out coordinate) pairs, numbered node by node; each row's
/// elements are reduced to one value per distinct consumed group.
struct RowLayout: Sendable {
    var groupCount: Int
    var freeGroups: [Int]
    /// Structure group → internal index (sentinel when fixed or dead).
    var internalOf: [Int32]
    var sentinel: Int { freeGroups.count }
    var deadGroups: [DeadGroup]
    var nodeNames: [String]
    /// Per node: indices into `structure.parameters`.
    var nodeRoles: [[Int]]
    /// Per node: its first global row.
    var nodeRowStart: [Int]
    var segments: [Segment]
    var columnGroups: [Int32]
    var valueCount: Int
    var rowOut: [Int32]
    var rowSegment: [Int32]
    var rowCount: Int { rowOut.count }
    /// Box of each free group's log2-scale (lo ≤ 0 ≤ hi).
    var boxLo: [Double]
    var boxHi: [Double]

    /// Internal scales (length freeCount + 1, sentinel 0) from structure scales.
    func internalScales(_ z: LogScales) -> [Double] {
        var result = freeGroups.map { z[$0] }
        result.append(0)
        return result
    }

    /// Structure scales from internal ones.
    func structureScales(_ x: [Double]) -> LogScales {
        var z = LogScales(repeating: 0, count: groupCount)
        for (k, group) in freeGroups.enumerated() { z[group] = x[k] }
        return z
    }

    // MARK: Validation

    static func validate(structure: RescalingStructure, source: TensorSource) throws {
        let groupCount = structure.groups.count
        for role in structure.parameters {
            let tensor = try source.info(role.tensor)
            let name = role.tensor
            guard tensor.shape == role.shape else {
                throw BalanceError.invalidTensor(name: name, reason: "shape \(tensor.shape) does not match the structure's \(role.shape)")
            }
            guard tensor.dtype.isFloatingPoint else {
                throw BalanceError.invalidTensor(name: name, reason: "dtype \(tensor.dtype.numpyName) is not floating point")
            }
            guard role.outAxis >= 0, role.outAxis < role.shape.count else {
                throw BalanceError.invalidStructure("tensor '\(name)': out axis \(role.outAxis) outside rank \(role.shape.count)")
            }
            let outSize = role.shape[role.outAxis]
            guard role.outGroups.count == outSize else {
                throw BalanceError.invalidStructure("tensor '\(name)': \(role.outGroups.count) out groups for \(outSize) out units")
            }
            if let axis = role.inAxis {
                guard axis >= 0, axis < role.shape.count, axis != role.outAxis else {
                    throw BalanceError.invalidStructure("tensor '\(name)': invalid in axis \(axis)")
                }
                guard role.inBlocks >= 1, outSize % role.inBlocks == 0,
                      role.inGroups.count == role.inBlocks * role.shape[axis] else {
                    throw BalanceError.invalidStructure("tensor '\(name)': \(role.inGroups.count) in groups do not fit \(role.inBlocks) block(s) of \(role.shape[axis]) inputs")
                }
            }
            for g in role.outGroups + role.inGroups where g < -1 || g >= groupCount {
                throw BalanceError.invalidStructure("tensor '\(name)' refers to group \(g), but there are \(groupCount) groups")
            }
        }
        // Every element finite, before anything is computed.
        var checked = Set<String>()
        for role in structure.parameters where !checked.contains(role.tensor) {
            checked.insert(role.tensor)
            let tensor = try source.tensor(role.tensor)
            if let bad = tensor.firstNonFiniteIndex() {
                let value = tensor.value(at: bad)
                throw BalanceError.nonFiniteValue(tensor: role.tensor, index: multiIndex(bad, shape: tensor.shape), value: value)
            }
        }
    }

    // MARK: Building

    init(structure: RescalingStructure, source: TensorSource) throws {
        let roles = structure.parameters
        groupCount = structure.groups.count
        boxLo = []; boxHi = []; segments = []; columnGroups = []; rowOut = []; rowSegment = []
        nodeRowStart = []; valueCount = 0; deadGroups = []; freeGroups = []
        internalOf = []

        // Nodes in order of first appearance; one set of out groups each.
        var nodeIndex: [String: Int] = [:]
        nodeNames = []
        nodeRoles = []
        for (k, role) in roles.enumerated() {
            if let n = nodeIndex[role.node] {
                let first = roles[nodeRoles[n][0]]
                guard first.outGroups == role.outGroups else {
                    throw BalanceError.invalidStructure("node '\(role.node)': tensors '\(first.tensor)' and '\(role.tensor)' disagree on the produced units")
                }
                nodeRoles[n].append(k)
            } else {
                nodeIndex[role.node] = nodeNames.count
                nodeNames.append(role.node)
                nodeRoles.append([k])
            }
        }

        // Dead groups: which groups have a nonzero producer / consumer element.
        var hasProducer = [Bool](repeating: false, count: groupCount)
        var hasConsumer = [Bool](repeating: false, count: groupCount)
        var producerNonzero = [Bool](repeating: false, count: groupCount)
        var consumerNonzero = [Bool](repeating: false, count: groupCount)
        for role in roles {
            let tensor = try source.tensor(role.tensor)
            var selfLoop: Int? = nil
            if let matrix = Float32Rows(role, tensor) {
                // Whole rows at a time: which rows and columns hold a nonzero.
                var largest = [Float](repeating: 0, count: matrix.rows), smallest = largest
                var columnLargest = [Float](repeating: 0, count: matrix.columns), columnSmallest = columnLargest
                matrix.magnitudes(of: tensor, rowClass: [Int](repeating: 0, count: matrix.rows), classes: 1,
                                  rowLargest: &largest, rowSmallest: &smallest,
                                  columnLargest: &columnLargest, columnSmallest: &columnSmallest)
                let consumed = Set(role.inGroups.filter { $0 >= 0 })
                for o in 0..<matrix.rows where matrix.columns > 0 {
                    let g = role.outGroups[o]
                    guard g >= 0 else { continue }
                    hasProducer[g] = true
                    if largest[o] > 0 { producerNonzero[g] = true }
                    if consumed.contains(g) { selfLoop = g }
                }
                for i in 0..<matrix.columns where matrix.rows > 0 {
                    let g = role.inGroups[i]
                    guard g >= 0 else { continue }
                    hasConsumer[g] = true
                    if columnLargest[i] > 0 { consumerNonzero[g] = true }
                }
                if let g = selfLoop {
                    throw BalanceError.invalidStructure("node '\(role.node)' (tensor '\(role.tensor)') has elements that both produce and consume group \(g)")
                }
                continue
            }
            let inGroups = RoleValues.InGroups(role)
            // Mutable buffers, not captured arrays: no uniqueness check per element.
            hasProducer.withUnsafeMutableBufferPointer { hasProducer in
            hasConsumer.withUnsafeMutableBufferPointer { hasConsumer in
            producerNonzero.withUnsafeMutableBufferPointer { producerNonzero in
            consumerNonzero.withUnsafeMutableBufferPointer { consumerNonzero in
            role.outGroups.withUnsafeBufferPointer { outGroups in
                RoleValues.forEach(role, tensor) { _, o, i, value in
                    let og = outGroups[o]
                    let ig = inGroups.group(o, i)
                    let nonzero = value != 0
                    if og >= 0 { hasProducer[og] = true; if nonzero { producerNonzero[og] = true } }
                    if ig >= 0 { hasConsumer[ig] = true; if nonzero { consumerNonzero[ig] = true } }
                    if og >= 0 && og == ig { selfLoop = og }
                }
            }}}}}
            if let g = selfLoop {
                throw BalanceError.invalidStructure("node '\(role.node)' (tensor '\(role.tensor)') has elements that both produce and consume group \(g)")
            }
        }
        deadGroups = []
        freeGroups = []
        internalOf = [Int32](repeating: -1, count: groupCount)
        for g in 0..<groupCount {
            let reason: String?
            if !hasProducer[g] && !hasConsumer[g] { reason = "no parameter produces or consumes it" }
            else if !hasProducer[g] { reason = "no parameter produces it" }
            else if !hasConsumer[g] { reason = "no parameter consumes it" }
            else if !producerNonzero[g] { reason = "all producer weights are zero" }
            else if !consumerNonzero[g] { reason = "all consumer weights are zero" }
            else { reason = nil }
            if let reason {
                deadGroups.append(DeadGroup(group: g, units: structure.groups[g].units, reason: reason))
            } else {
                internalOf[g] = Int32(freeGroups.count)
                freeGroups.append(g)
            }
        }
        let sentinel = Int32(freeGroups.count)
        for g in 0..<groupCount where internalOf[g] < 0 { internalOf[g] = sentinel }
        func compact(_ g: Int) -> Int32 { g < 0 ? sentinel : internalOf[g] }

        // Segments: per node, the common refinement of every role's blocks.
        segments = []
        columnGroups = []
        rowOut = []
        rowSegment = []
        nodeRowStart = []
        valueCount = 0
        var scratch = [Int32](repeating: -1, count: freeGroups.count + 1)
        for (n, roleIndices) in nodeRoles.enumerated() {
            let first = roles[roleIndices[0]]
            let rows = first.shape[first.outAxis]
            let nodeStart = rowOut.count
            nodeRowStart.append(nodeStart)
            for o in 0..<rows { rowOut.append(compact(first.outGroups[o])) }
            var cuts = Set([0, rows])
            for k in roleIndices where roles[k].inAxis != nil {
                let blockSize = rows / roles[k].inBlocks
                for b in 0...roles[k].inBlocks { cuts.insert(b * blockSize) }
            }
            let sortedCuts = cuts.sorted()
            for c in 0..<(sortedCuts.count - 1) where sortedCuts[c] < sortedCuts[c + 1] {
                let a = sortedCuts[c], b = sortedCuts[c + 1]
                var columns: [Int32] = []
                var roleColumns: [[Int32]] = []
                func column(of g: Int32) -> Int32 {
                    if scratch[Int(g)] < 0 { scratch[Int(g)] = Int32(columns.count); columns.append(g) }
                    return scratch[Int(g)]
                }
                for k in roleIndices {
                    let role = roles[k]
                    if let axis = role.inAxis {
                        let inSize = role.shape[axis]
                        let block = role.inBlocks == 1 ? 0 : a / (rows / role.inBlocks)
                        roleColumns.append((0..<inSize).map { column(of: compact(role.inGroups[block * inSize + $0])) })
                    } else {
                        roleColumns.append([column(of: sentinel)])
                    }
                }
                for g in columns { scratch[Int(g)] = -1 }
                let segment = Segment(node: n, rowStart: nodeStart + a, rowCount: b - a,
                                      columnStart: columnGroups.count, columnCount: columns.count,
                                      valueOffset: valueCount, roleColumns: roleColumns)
                for _ in a..<b { rowSegment.append(Int32(segments.count)) }
                segments.append(segment)
                columnGroups.append(contentsOf: columns)
                valueCount += (b - a) * columns.count
            }
        }
        (boxLo, boxHi) = try computeBox(roles: roles, source: source)
    }

    /// Per pair (row, column): the largest exponent change up (U) and down
    /// (L ≤ 0) that keeps every nonzero element in its dtype's normal range
    /// (an element that is already subnormal may not move down at all); then
    /// each free group's box, splitting a pair's slack evenly between two
    /// free groups and giving it whole to a free group paired with a fixed one.
    ///
    /// Computed in one pass per tensor without a log per element: U of an
    /// element falls as its magnitude grows and L rises as it shrinks (a
    /// subnormal one has L = 0, the largest), so every bound a group gets
    /// from its elements is set by the largest and the smallest nonzero
    /// magnitude among them, kept per out row and per consumed group, apart
    /// for partners that are free (share ½) and fixed (share 1).
    private func computeBox(roles: [ParameterRole], source: TensorSource) throws -> ([Double], [Double]) {
        let free = freeGroups.count
        let sentinel = free
        var lo = [Double](repeating: -Double.infinity, count: free)
        var hi = [Double](repeating: Double.infinity, count: free)
        // Flat [2 × count] arrays: slot k·count + index.
        var consumerLargest = [Double](repeating: 0, count: 2 * (free + 1))
        var consumerSmallest = [Double](repeating: .infinity, count: 2 * (free + 1))
        let width = free + 1
        for role in roles {
            guard let range = try source.info(role.tensor).dtype.normalRange else { continue }
            let tensor = try source.tensor(role.tensor)
            let rows = role.shape[role.outAxis]
            // Index 0: the partner group is free (share ½); 1: fixed (share 1).
            var rowLargest = [Double](repeating: 0, count: 2 * rows)
            var rowSmallest = [Double](repeating: .infinity, count: 2 * rows)
            for k in 0..<consumerLargest.count { consumerLargest[k] = 0; consumerSmallest[k] = .infinity }
            let inGroups = RoleValues.InGroups(role)
            let outInternal = role.outGroups.map { $0 < 0 ? sentinel : Int(internalOf[$0]) }
            let inInternal = role.inGroups.map { $0 < 0 ? Int32(sentinel) : internalOf[$0] }
            let hasIn = role.inAxis != nil
            if let matrix = Float32Rows(role, tensor),
               let partner = Self.uniformPartnerClass(inInternal.prefix(matrix.columns), sentinel: Int32(sentinel)) {
                // Whole rows at a time (a PyTorch linear weight whose inputs
                // are all free or all fixed): the same extremes.
                let n = matrix.columns
                var largest = [Float](repeating: 0, count: rows), smallest = [Float](repeating: .infinity, count: rows)
                var columnLargest = [Float](repeating: 0, count: 2 * n)
                var columnSmallest = [Float](repeating: .infinity, count: 2 * n)
                matrix.magnitudes(of: tensor, rowClass: outInternal.map { $0 == sentinel ? 1 : 0 }, classes: 2,
                                  rowLargest: &largest, rowSmallest: &smallest,
                                  columnLargest: &columnLargest, columnSmallest: &columnSmallest)
                for o in 0..<rows {
                    rowLargest[partner * rows + o] = Double(largest[o])
                    rowSmallest[partner * rows + o] = Double(smallest[o])
                }
                for k in 0..<2 {
                    for i in 0..<n {
                        let c = k * width + Int(inInternal[i])
                        consumerLargest[c] = Swift.max(consumerLargest[c], Double(columnLargest[k * n + i]))
                        consumerSmallest[c] = Swift.min(consumerSmallest[c], Double(columnSmallest[k * n + i]))
                    }
                }
            } else {
            rowLargest.withUnsafeMutableBufferPointer { rowLargest in
            rowSmallest.withUnsafeMutableBufferPointer { rowSmallest in
            consumerLargest.withUnsafeMutableBufferPointer { consumerLargest in
            consumerSmallest.withUnsafeMutableBufferPointer { consumerSmallest in
            outInternal.withUnsafeBufferPointer { outInternal in
            inInternal.withUnsafeBufferPointer { inInternal in
            RoleValues.forEach(role, tensor) { _, o, i, value in
                guard value != 0 else { return }
                let magnitude = Swift.abs(value)
                let j: Int
                if hasIn {
                    j = Int(inInternal[inGroups.blocked ? (o / inGroups.blockSize) * inGroups.inSize + i : i])
                } else {
                    j = sentinel
                }
                let r = (j == sentinel ? rows : 0) + o
                let c = (outInternal[o] == sentinel ? width : 0) + j
                if magnitude > rowLargest[r] { rowLargest[r] = magnitude }
                if magnitude < rowSmallest[r] { rowSmallest[r] = magnitude }
                if magnitude > consumerLargest[c] { consumerLargest[c] = magnitude }
                if magnitude < consumerSmallest[c] { consumerSmallest[c] = magnitude }
            }
            }}}}}}
            }
            func up(_ largest: Double) -> Double { log2(range.max / largest) }
            func down(_ smallest: Double) -> Double { smallest < range.min ? 0 : Swift.min(0, log2(range.min / smallest)) }
            for o in 0..<rows where outInternal[o] != sentinel {
                let g = outInternal[o]
                for k in 0..<2 where rowLargest[k * rows + o] > 0 {
                    let share = k == 0 ? 0.5 : 1.0
                    hi[g] = Swift.min(hi[g], share * up(rowLargest[k * rows + o]))
                    lo[g] = Swift.max(lo[g], share * down(rowSmallest[k * rows + o]))
                }
            }
            for j in 0..<free {
                for k in 0..<2 where consumerLargest[k * width + j] > 0 {
                    let share = k == 0 ? 0.5 : 1.0
                    lo[j] = Swift.max(lo[j], -share * up(consumerLargest[k * width + j]))
                    hi[j] = Swift.min(hi[j], -share * down(consumerSmallest[k * width + j]))
                }
            }
        }
        // A free group always has nonzero elements on both sides, so both
        // bounds are finite; guard anyway.
        for k in 0..<free {
            if !hi[k].isFinite { hi[k] = 1024 }
            if !lo[k].isFinite { lo[k] = -1024 }
        }
        return (lo, hi)
    }

    /// 0 when every one of `inInternal` is a free group, 1 when every one is
    /// the sentinel (fixed or dead), nil when they mix.
    private static func uniformPartnerClass(_ inInternal: ArraySlice<Int32>, sentinel: Int32) -> Int? {
        guard let first = inInternal.first else { return nil }
        let fixed = first == sentinel
        return inInternal.allSatisfy { ($0 == sentinel) == fixed } ? (fixed ? 1 : 0) : nil
    }

    /// Calls `body(position, value, dtype)` for every element of node `n`'s
    /// tensors, where `position` is the element's (row, column) slot in a
    /// value matrix laid out as `segments`.
    func forEachNodeElement(node n: Int, roles: [ParameterRole], source: TensorSource,
                            _ body: (_ position: Int, _ value: Double, _ dtype: DType) -> Void) throws {
        let rowBase = nodeRowStart[n]
        for (r, k) in nodeRoles[n].enumerated() {
            let role = roles[k]
            let tensor = try source.tensor(role.tensor)
            let values = tensor.doubles()
            let dtype = tensor.dtype
            let hasIn = role.inAxis != nil
            // The current segment's geometry, refreshed when the row leaves it.
            var segmentIndex = -1
            var segmentStart = 0, segmentEnd = 0, columnCount = 0, valueOffset = 0
            var columns: [Int32] = []
            forEachCoordinate(shape: role.shape, outAxis: role.outAxis, inAxis: role.inAxis) { index, o, i in
                let row = rowBase + o
                if row < segmentStart || row >= segmentEnd || segmentIndex < 0 {
                    segmentIndex = Int(rowSegment[row])
                    let seg = segments[segmentIndex]
                    segmentStart = seg.rowStart; segmentEnd = seg.rowStart + seg.rowCount
                    columnCount = seg.columnCount; valueOffset = seg.valueOffset
                    columns = seg.roleColumns[r]
                }
                let column = Int(columns[hasIn ? i : 0])
                body(valueOffset + (row - segmentStart) * columnCount + column, values[index], dtype)
            }
        }
    }
}
