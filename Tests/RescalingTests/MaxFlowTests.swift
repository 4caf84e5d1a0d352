import Testing
@testable import Rescaling

@Suite struct MaxFlowTests {
    @Test func maxFlowEqualsTheBruteForceMinimumCut() {
        var random = TestRandom(seed: 4)
        for _ in 0..<200 {
            let n = 7   // source 0, sink 6
            var capacity = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            var network = FlowNetwork(nodeCount: n)
            for u in 0..<n {
                for v in 0..<n where u != v && random.uniform(0, 1) < 0.45 {
                    let c = random.uniform(0, 10)
                    capacity[u][v] += c
                    network.addEdge(u, v, c)
                }
            }
            var best = Double.infinity
            for mask in 0..<(1 << 5) {
                // Nodes 1…5 on the source side when their bit is set.
                let side = (0..<n).map { $0 == 0 || ($0 != 6 && mask & (1 << ($0 - 1)) != 0) }
                var cut = 0.0
                for u in 0..<n where side[u] { for v in 0..<n where !side[v] { cut += capacity[u][v] } }
                best = min(best, cut)
            }
            let flow = network.maxFlow(source: 0, sink: 6)
            #expect(abs(flow - best) < 1e-9 * max(1, best))
            let side = network.sourceSide(source: 0)
            #expect(side[0] && !side[6])
            var cut = 0.0
            for u in 0..<n where side[u] { for v in 0..<n where !side[v] { cut += capacity[u][v] } }
            #expect(abs(cut - best) < 1e-9 * max(1, best))
        }
    }
}
