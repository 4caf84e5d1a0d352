/// A coloring of the free groups such that no element joins two groups of
/// the same color (no row that produces one consumes the other). Groups of
/// one color do not interact in an ℓ_{p,p} objective, so a whole color class
/// can be updated at once; for a plain MLP the classes are the odd and the
/// even hidden layers (red-black), for residual networks a few more.
struct GroupColoring: Sendable {
    /// Color of each free group.
    let color: [Int]
    /// Free groups of each color.
    let classes: [[Int]]
    /// Per color: the segments with a row producing, or a column consuming,
    /// a group of that color.
    let relevantSegments: [[Int]]

    /// Greedy coloring in order of first production (rows in layout order).
    /// Up to 64 colors share bitmasks; a group that would need more gets a
    /// class of its own, which is always valid.
    init(layout: RowLayout) {
        let free = layout.freeGroups.count
        var producedIn = [[Int]](repeating: [], count: free)
        var consumedIn = [[Int]](repeating: [], count: free)
        var order: [Int] = []
        var seen = [Bool](repeating: false, count: free)
        for (s, seg) in layout.segments.enumerated() {
            for r in 0..<seg.rowCount {
                let o = Int(layout.rowOut[seg.rowStart + r])
                guard o < free else { continue }
                if producedIn[o].last != s { producedIn[o].append(s) }
                if !seen[o] { seen[o] = true; order.append(o) }
            }
            for c in 0..<seg.columnCount {
                let g = Int(layout.columnGroups[seg.columnStart + c])
                if g < free && consumedIn[g].last != s { consumedIn[g].append(s) }
            }
        }
        for g in 0..<free where !seen[g] { order.append(g) }
        var outColors = [UInt64](repeating: 0, count: layout.segments.count)
        var inColors = [UInt64](repeating: 0, count: layout.segments.count)
        var color = [Int](repeating: 0, count: free)
        var extra = 64
        for g in order {
            var forbidden: UInt64 = 0
            for s in producedIn[g] { forbidden |= inColors[s] }
            for s in consumedIn[g] { forbidden |= outColors[s] }
            if forbidden == UInt64.max {
                color[g] = extra
                extra += 1
                continue
            }
            let c = (~forbidden).trailingZeroBitCount
            color[g] = c
            for s in producedIn[g] { outColors[s] |= 1 << UInt64(c) }
            for s in consumedIn[g] { inColors[s] |= 1 << UInt64(c) }
        }
        // Renumber used colors densely.
        let used = Array(Set(color)).sorted()
        var dense = [Int: Int]()
        for (k, c) in used.enumerated() { dense[c] = k }
        self.color = color.map { dense[$0]! }
        var classes = [[Int]](repeating: [], count: used.count)
        for g in 0..<free { classes[self.color[g]].append(g) }
        self.classes = classes
        var relevant = [[Int]](repeating: [], count: used.count)
        for k in 0..<used.count {
            var mark = [Bool](repeating: false, count: layout.segments.count)
            for g in classes[k] {
                for s in producedIn[g] { mark[s] = true }
                for s in consumedIn[g] { mark[s] = true }
            }
            relevant[k] = mark.indices.filter { mark[$0] }
        }
        relevantSegments = relevant
    }
}
