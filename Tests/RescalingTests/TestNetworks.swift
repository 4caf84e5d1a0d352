import Foundation
import Network
import Rescaling
import WeightFiles

/// Deterministic random numbers for generated test networks (SplitMix64).
struct TestRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [a, b).
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * Double(next() >> 11) * 0x1p-53 }
    /// Roughly standard normal (sum of 12 uniforms − 6).
    mutating func normal() -> Double { (0..<12).reduce(0) { acc, _ in acc + uniform(0, 1) } - 6 }
}

/// A generated PyTorch-layout ReLU MLP: `fcK.weight` (out, in), `fcK.bias`.
struct GeneratedMLP {
    var widths: [Int]
    var structure: RescalingStructure
    var tensors: [String: Tensor]

    /// Widths [in, h1, …, out]; every hidden unit is its own group. The
    /// weights are He-like Gaussians, then unbalanced by per-unit factors
    /// 2^u, u uniform in ±`imbalance` (function-preserving: the unit's row and
    /// bias times 2^u, its outgoing column times 2^−u) and per-layer factors.
    init(widths: [Int], seed: UInt64, imbalance: Double = 3, dtype: DType = .float32, biasScale: Double = 0.1) {
        self.widths = widths
        var random = TestRandom(seed: seed)
        var groups: [RescalingGroup] = []
        var hiddenGroups: [[Int]] = [[]]   // per layer index, groups of its units (input: none)
        for layer in 1..<(widths.count - 1) {
            var ids: [Int] = []
            for unit in 0..<widths[layer] {
                ids.append(groups.count)
                groups.append(RescalingGroup(id: groups.count, units: ["fc\(layer):\(unit)"]))
            }
            hiddenGroups.append(ids)
        }
        var weights: [[Double]] = []
        var biases: [[Double]] = []
        for layer in 1..<widths.count {
            let (n, m) = (widths[layer], widths[layer - 1])
            let std = (2.0 / Double(m)).squareRoot()
            weights.append((0..<(n * m)).map { _ in random.normal() * std })
            biases.append((0..<n).map { _ in random.normal() * biasScale })
        }
        // Unbalance: per hidden unit factor.
        for layer in 1..<(widths.count - 1) {
            let layerShift = random.uniform(-imbalance, imbalance)
            for unit in 0..<widths[layer] {
                let f = exp2(layerShift + random.uniform(-imbalance, imbalance))
                for j in 0..<widths[layer - 1] { weights[layer - 1][unit * widths[layer - 1] + j] *= f }
                biases[layer - 1][unit] *= f
                for i in 0..<widths[layer + 1] { weights[layer][i * widths[layer] + unit] /= f }
            }
        }
        var parameters: [ParameterRole] = []
        var tensors: [String: Tensor] = [:]
        for layer in 1..<widths.count {
            let (n, m) = (widths[layer], widths[layer - 1])
            let out = layer < widths.count - 1 ? hiddenGroups[layer] : [Int](repeating: -1, count: n)
            let inGroups = layer > 1 ? hiddenGroups[layer - 1] : [Int](repeating: -1, count: m)
            let w = "fc\(layer).weight", b = "fc\(layer).bias"
            tensors[w] = try! Tensor(name: w, dtype: dtype, shape: [n, m], values: weights[layer - 1])
            tensors[b] = try! Tensor(name: b, dtype: dtype, shape: [n], values: biases[layer - 1])
            parameters.append(ParameterRole(tensor: w, node: "fc\(layer)", kind: .weight, shape: [n, m],
                                            outAxis: 0, outGroups: out, inAxis: 1, inGroups: inGroups))
            parameters.append(ParameterRole(tensor: b, node: "fc\(layer)", kind: .bias, shape: [n],
                                            outAxis: 0, outGroups: out, inAxis: nil, inGroups: []))
        }
        structure = RescalingStructure(groups: groups, parameters: parameters, blocked: [])
        self.tensors = tensors
    }

    func problem() throws -> BalanceProblem { try BalanceProblem(structure: structure, tensors: tensors) }

    /// Reference forward pass in Float: y = W_L relu(… relu(W_1 x + b_1) …) + b_L,
    /// each dot product summed in index order. `tensors` may be rescaled.
    static func forward(_ tensors: [String: Tensor], widths: [Int], input: [Float]) -> [Float] {
        var activation = input
        for layer in 1..<widths.count {
            let w = tensors["fc\(layer).weight"]!.floats()
            let b = tensors["fc\(layer).bias"]!.floats()
            let (n, m) = (widths[layer], widths[layer - 1])
            var next = [Float](repeating: 0, count: n)
            for i in 0..<n {
                var sum: Float = 0
                for j in 0..<m { sum += w[i * m + j] * activation[j] }
                sum += b[i]
                next[i] = layer < widths.count - 1 ? Swift.max(sum, 0) : sum
            }
            activation = next
        }
        return activation
    }
}

/// The ℓ_{p,q} objective computed straight from the tensors and roles,
/// independently of the library's compact layout.
func naiveLpq(_ structure: RescalingStructure, _ tensors: [String: Tensor], z: [Double], p: Double, q: Double) -> (total: Double, perNode: [String: Double]) {
    var rows: [String: Double] = [:]
    var nodeOfRow: [String: String] = [:]
    for role in structure.parameters {
        let values = tensors[role.tensor]!.doubles()
        let strides = stridesOf(role.shape)
        for index in 0..<values.count {
            let o = (index / strides[role.outAxis]) % role.shape[role.outAxis]
            let i = role.inAxis.map { (index / strides[$0]) % role.shape[$0] } ?? 0
            let og = role.outGroups[o]
            let ig = role.inAxis == nil ? -1 : role.inGroup(out: o, in: i)
            let e = (og >= 0 ? z[og] : 0) - (ig >= 0 ? z[ig] : 0)
            let key = "\(role.node):\(o)"
            rows[key, default: 0] += pow(abs(values[index]) * exp2(e), p)
            nodeOfRow[key] = role.node
        }
    }
    var perNode: [String: Double] = [:]
    for (key, sum) in rows { perNode[nodeOfRow[key]!, default: 0] += pow(sum, q / p) }
    return (perNode.values.reduce(0, +), perNode)
}

/// Σ_nodes max |w̃| straight from the tensors.
func naiveMax(_ structure: RescalingStructure, _ tensors: [String: Tensor], z: [Double]) -> Double {
    var perNode: [String: Double] = [:]
    for role in structure.parameters {
        let values = tensors[role.tensor]!.doubles()
        let strides = stridesOf(role.shape)
        for index in 0..<values.count {
            let o = (index / strides[role.outAxis]) % role.shape[role.outAxis]
            let i = role.inAxis.map { (index / strides[$0]) % role.shape[$0] } ?? 0
            let og = role.outGroups[o]
            let ig = role.inAxis == nil ? -1 : role.inGroup(out: o, in: i)
            let e = (og >= 0 ? z[og] : 0) - (ig >= 0 ? z[ig] : 0)
            perNode[role.node] = Swift.max(perNode[role.node] ?? 0, abs(values[index]) * exp2(e))
        }
    }
    return perNode.values.reduce(0, +)
}

func stridesOf(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    if shape.count > 1 {
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
    }
    return strides
}

/// Every integer vector in [lo, hi]^n, visited in turn.
func forEachIntegerPoint(count n: Int, lo: Int, hi: Int, _ body: ([Double]) -> Void) {
    var z = [Int](repeating: lo, count: n)
    while true {
        body(z.map(Double.init))
        var k = 0
        while k < n {
            z[k] += 1
            if z[k] <= hi { break }
            z[k] = lo
            k += 1
        }
        if k == n { return }
    }
}

func relativeDifference(_ a: Double, _ b: Double) -> Double { abs(a - b) / Swift.max(abs(a), abs(b), 1e-300) }
