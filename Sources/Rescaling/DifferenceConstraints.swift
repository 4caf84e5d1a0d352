/// A system of difference constraints z_to − z_from ≤ w(arc) over the free
/// groups plus a ground node (z = 0), solved by Bellman–Ford.
///
/// Arc weights are m[layer] − c for objective arcs (layer ≥ 0) and −c for
/// fixed arcs (layer = −1), so one arc list serves every budget vector m.
struct DifferenceGraph: Sendable {
    /// Nodes 0..<ground are free groups; `ground` is the fixed node.
    let ground: Int
    var from: [Int32] = []
    var to: [Int32] = []
    var layer: [Int32] = []
    var constant: [Double] = []

    init(ground: Int) { self.ground = ground }

    var nodeCount: Int { ground + 1 }

    mutating func add(from u: Int, to v: Int, layer: Int, constant c: Double) {
        from.append(Int32(u)); to.append(Int32(v)); self.layer.append(Int32(layer)); constant.append(c)
    }

    enum Outcome {
        /// Shortest distances from ground: the greatest solution with z_ground = 0.
        case feasible([Double])
        /// A negative cycle, as arc indices.
        case cycle([Int])
    }

    /// Bellman–Ford from ground (or, with `reversed`, towards ground) with arc
    /// weights `weight(arc)`. Detects a negative cycle as a cycle of the
    /// parent pointers, checked after every pass (O(nodes), small next to a
    /// pass over the arcs).
    func shortestPaths(reversed: Bool = false, weight: (Int) -> Double) -> Outcome {
        let n = nodeCount
        var dist = [Double](repeating: .infinity, count: n)
        var parent = [Int](repeating: -1, count: n)
        dist[ground] = 0
        let arcs = from.count
        let weights = (0..<arcs).map(weight)
        let tails = reversed ? to : from
        let heads = reversed ? from : to
        for pass in 0..<n {
            var changed = false
            for a in 0..<arcs {
                let u = Int(tails[a])
                let du = dist[u]
                if du == .infinity { continue }
                let v = Int(heads[a])
                let candidate = du + weights[a]
                if candidate < dist[v] - 1e-12 * (1 + abs(candidate)) {
                    dist[v] = candidate
                    parent[v] = a
                    changed = true
                }
            }
            if !changed { return .feasible(dist) }
            if let cycle = parentCycle(parent, tails: tails) { return .cycle(cycle) }
        }
        // n passes still relaxing: the parent graph must hold a cycle.
        return .cycle(parentCycle(parent, tails: tails) ?? [])
    }

    /// A cycle of the parent-pointer graph, as arc indices, if any.
    private func parentCycle(_ parent: [Int], tails: [Int32]) -> [Int]? {
        let n = parent.count
        var stamp = [Int](repeating: -1, count: n)
        for start in 0..<n {
            var v = start
            while v >= 0 && stamp[v] < 0 {
                stamp[v] = start
                let a = parent[v]
                v = a >= 0 ? Int(tails[a]) : -1
            }
            if v >= 0 && stamp[v] == start {
                // v is on a cycle: collect it.
                var cycle: [Int] = []
                var u = v
                repeat {
                    let a = parent[u]
                    cycle.append(a)
                    u = Int(tails[a])
                } while u != v
                return cycle
            }
        }
        return nil
    }
}

/// Solves A·x = b for a symmetric positive definite n×n matrix (row-major)
/// by Cholesky; nil when A is not numerically positive definite.
func choleskySolve(_ matrix: [Double], _ rhs: [Double], n: Int) -> [Double]? {
    var l = matrix
    for j in 0..<n {
        var d = l[j * n + j]
        for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
        guard d > 0, d.isFinite else { return nil }
        let root = d.squareRoot()
        l[j * n + j] = root
        for i in (j + 1)..<Swift.max(n, j + 1) {
            var s = l[i * n + j]
            for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
            l[i * n + j] = s / root
        }
    }
    var y = rhs
    for i in 0..<n {
        var s = y[i]
        for k in 0..<i { s -= l[i * n + k] * y[k] }
        y[i] = s / l[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
        var s = y[i]
        for k in (i + 1)..<Swift.max(n, i + 1) { s -= l[k * n + i] * y[k] }
        y[i] = s / l[i * n + i]
    }
    return y
}
