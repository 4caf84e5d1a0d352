/// A flow network with Double capacities and Dinic's maximum-flow algorithm
/// (BFS level graph, then blocking flows along current-arc pointers), used
/// to find minimum cuts.
///
/// Edges are stored in pairs: edge e and its residual twin e ^ 1. Residual
/// capacities at or below `epsilon` count as saturated, which keeps the
/// algorithm finite with floating-point capacities.
struct FlowNetwork {
    let nodeCount: Int
    private var head: [Int32]
    private var next: [Int32] = []
    private var to: [Int32] = []
    private var capacity: [Double] = []
    private var largest = 0.0

    init(nodeCount: Int) {
        self.nodeCount = nodeCount
        head = [Int32](repeating: -1, count: nodeCount)
    }

    var edgeCount: Int { to.count / 2 }

    /// Adds a directed edge u → v of capacity c ≥ 0 (ignored when c ≤ 0).
    mutating func addEdge(_ u: Int, _ v: Int, _ c: Double) {
        guard c > 0, u != v else { return }
        largest = Swift.max(largest, c)
        to.append(Int32(v)); capacity.append(c); next.append(head[u]); head[u] = Int32(to.count - 1)
        to.append(Int32(u)); capacity.append(0); next.append(head[v]); head[v] = Int32(to.count - 1)
    }

    /// Sends a maximum flow from `source` to `sink`; returns its value.
    /// The residual capacities stay in the network for `sourceSide`.
    mutating func maxFlow(source: Int, sink: Int) -> Double {
        let epsilon = largest * 1e-14
        var total = 0.0
        var level = [Int32](repeating: -1, count: nodeCount)
        var current = [Int32](repeating: -1, count: nodeCount)
        var queue = [Int32](repeating: 0, count: nodeCount)
        var path: [Int32] = []
        while true {
            // Level graph.
            for k in 0..<nodeCount { level[k] = -1 }
            level[source] = 0
            var headIndex = 0, tail = 0
            queue[tail] = Int32(source); tail += 1
            while headIndex < tail {
                let u = Int(queue[headIndex]); headIndex += 1
                var e = head[u]
                while e >= 0 {
                    let v = Int(to[Int(e)])
                    if level[v] < 0 && capacity[Int(e)] > epsilon {
                        level[v] = level[u] + 1
                        queue[tail] = Int32(v); tail += 1
                    }
                    e = next[Int(e)]
                }
            }
            if level[sink] < 0 { return total }
            for k in 0..<nodeCount { current[k] = head[k] }
            // Blocking flow: advance along admissible arcs, retreat from dead ends.
            var u = source
            path.removeAll(keepingCapacity: true)
            while true {
                if u == sink {
                    var f = Double.infinity
                    for e in path { f = Swift.min(f, capacity[Int(e)]) }
                    for e in path {
                        capacity[Int(e)] -= f
                        capacity[Int(e ^ 1)] += f
                    }
                    total += f
                    path.removeAll(keepingCapacity: true)
                    u = source
                    continue
                }
                var advanced = false
                while current[u] >= 0 {
                    let e = Int(current[u])
                    let v = Int(to[e])
                    if capacity[e] > epsilon && level[v] == level[u] + 1 {
                        path.append(Int32(e))
                        u = v
                        advanced = true
                        break
                    }
                    current[u] = next[e]
                }
                if advanced { continue }
                // Dead end: remove u from the level graph and retreat.
                level[u] = -1
                guard let e = path.popLast() else { break }
                u = Int(to[Int(e ^ 1)])
                current[u] = next[Int(current[u])]
            }
        }
    }

    /// After `maxFlow`: the nodes reachable from `source` in the residual
    /// network — the source side of a minimum cut (the smallest one).
    func sourceSide(source: Int) -> [Bool] {
        let epsilon = largest * 1e-14
        var reached = [Bool](repeating: false, count: nodeCount)
        var stack = [source]
        reached[source] = true
        while let u = stack.popLast() {
            var e = head[u]
            while e >= 0 {
                let v = Int(to[Int(e)])
                if !reached[v] && capacity[Int(e)] > epsilon { reached[v] = true; stack.append(v) }
                e = next[Int(e)]
            }
        }
        return reached
    }
}
