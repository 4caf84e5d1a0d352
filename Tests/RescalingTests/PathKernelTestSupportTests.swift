import Foundation
import Network
import Testing
import WeightFiles
@testable import Rescaling

// Helpers shared by the path-kernel and kernel-alignment tests: seeded
// random weights, a small network builder, and a brute-force path
// enumerator that is the definition of diag G written out.

/// SplitMix64: deterministic random numbers for test weights.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Weight-like values: magnitude in [0.3, 1.5], random sign.
func randomWeights(_ count: Int, _ rng: inout SeededGenerator) -> [Double] {
    (0..<count).map { _ in Double.random(in: 0.3...1.5, using: &rng) * (Bool.random(using: &rng) ? 1 : -1) }
}

/// A float64 tensor.
func makeTensor(_ name: String, _ shape: [Int], _ values: [Double]) throws -> Tensor {
    try Tensor(name: name, dtype: .float64, shape: shape, values: values)
}

/// Builds a network node by node; each node reads the previous one unless told.
struct NetworkBuilder {
    var nodes: [Node] = [Node(name: "input", op: .input, inputs: [])]
    var tensors: [String: Tensor] = [:]

    /// Appends a node and returns its index.
    @discardableResult
    mutating func add(_ name: String, _ op: Op, inputs: [Int]? = nil) -> Int {
        nodes.append(Node(name: name, op: op, inputs: inputs ?? [nodes.count - 1]))
        return nodes.count - 1
    }

    /// Adds a random tensor.
    mutating func random(_ name: String, _ shape: [Int], _ rng: inout SeededGenerator) throws {
        tensors[name] = try makeTensor(name, shape, randomWeights(shape.reduce(1, *), &rng))
    }

    mutating func set(_ name: String, _ shape: [Int], _ values: [Double]) throws {
        tensors[name] = try makeTensor(name, shape, values)
    }

    func network(layout: Layout, inputShape: [Int]?, outputs: [Int]? = nil) -> Network {
        Network(layout: layout, inputShape: inputShape, nodes: nodes, outputs: outputs ?? [nodes.count - 1])
    }
}

/// diag G by explicit path enumeration over a graph of scalar neurons built
/// with plain loops (torch layout only). For every path p from an input
/// coordinate or a bias to an output, with squared factors f_j (parameters
/// and fixed coefficients), each parameter i on p gets Π_{j≠i} f_j. Max
/// neurons keep only the edge of their maximum (first on ties), evaluated
/// on the squared network.
struct BruteForcePathKernel {
    struct Reference: Hashable { var tensor: String; var index: Int }
    struct Edge { var source: Int; var factor: Double; var parameter: Reference? }
    struct Neuron {
        var edges: [Edge] = []
        var biasFactor = 0.0
        var biasParameter: Reference? = nil
        var isInput = false
        var isMax = false
    }

    var neurons: [Neuron] = []
    var nodeNeurons: [[Int]] = []
    var nodeShapes: [[Int]] = []
    let tensors: [String: Tensor]

    init(network: Network, tensors: [String: Tensor], inputShape: [Int]) throws {
        precondition(network.layout == .torch, "the brute force speaks torch layout only")
        self.tensors = tensors
        for node in network.nodes { try addNode(node, network: network, inputShape: inputShape) }
    }

    private func values(_ name: String) -> [Double] { tensors[name]!.doubles() }

    private mutating func newNeuron(_ neuron: Neuron) -> Int { neurons.append(neuron); return neurons.count - 1 }

    private func windowSource(_ g: KernelWindow, c: Int, oy: Int, ox: Int, ky: Int, kx: Int, input: [Int]) -> Int? {
        let iy = oy * g.sH - g.padTop + ky * g.dH, ix = ox * g.sW - g.padLeft + kx * g.dW
        guard iy >= 0, iy < g.inH, ix >= 0, ix < g.inW else { return nil }
        return input[(c * g.inH + iy) * g.inW + ix]
    }

    private mutating func addNode(_ node: Node, network: Network, inputShape: [Int]) throws {
        let inputs = node.inputs.map { nodeNeurons[$0] }, shapes = node.inputs.map { nodeShapes[$0] }
        var ids: [Int] = [], shape: [Int] = []
        switch node.op {
        case .input:
            shape = inputShape
            ids = (0..<inputShape.reduce(1, *)).map { _ in newNeuron(Neuron(isInput: true)) }
        case let .linear(weight, bias):
            let w = values(weight), b = bias.map(values)
            let outF = tensors[weight]!.shape[0], inF = tensors[weight]!.shape[1]
            let rows = inputs[0].count / inF
            shape = Array(shapes[0].dropLast()) + [outF]
            for r in 0..<rows { for o in 0..<outF {
                var n = Neuron()
                for i in 0..<inF {
                    n.edges.append(Edge(source: inputs[0][r * inF + i], factor: w[o * inF + i] * w[o * inF + i],
                                        parameter: Reference(tensor: weight, index: o * inF + i)))
                }
                if let b, let bias { n.biasFactor = b[o] * b[o]; n.biasParameter = Reference(tensor: bias, index: o) }
                ids.append(newNeuron(n))
            } }
        case let .conv2d(conv):
            let w = values(conv.weight), b = conv.bias.map(values)
            let ws = tensors[conv.weight]!.shape
            let (outC, cinG, kH, kW) = (ws[0], ws[1], ws[2], ws[3])
            let g = try KernelWindow(node: node.name, inH: shapes[0][1], inW: shapes[0][2], kernel: [kH, kW],
                                     stride: conv.stride, dilation: conv.dilation, padding: conv.padding)
            shape = [outC, g.outH, g.outW]
            for o in 0..<outC { for oy in 0..<g.outH { for ox in 0..<g.outW {
                var n = Neuron()
                let group = o / (outC / conv.groups)
                for ci in 0..<cinG { for ky in 0..<kH { for kx in 0..<kW {
                    guard let source = windowSource(g, c: group * cinG + ci, oy: oy, ox: ox, ky: ky, kx: kx,
                                                    input: inputs[0]) else { continue }
                    let index = ((o * cinG + ci) * kH + ky) * kW + kx
                    n.edges.append(Edge(source: source, factor: w[index] * w[index],
                                        parameter: Reference(tensor: conv.weight, index: index)))
                } } }
                if let b, let bias = conv.bias { n.biasFactor = b[o] * b[o]; n.biasParameter = Reference(tensor: bias, index: o) }
                ids.append(newNeuron(n))
            } } }
        case let .batchNorm(bn):
            let mean = values(bn.mean), variance = values(bn.variance)
            let gamma = bn.gamma.map(values), beta = bn.beta.map(values)
            shape = shapes[0]
            let inner = inputs[0].count / mean.count
            for (k, source) in inputs[0].enumerated() {
                let ch = k / inner
                let a = (gamma?[ch] ?? 1) / (variance[ch] + bn.epsilon).squareRoot()
                let c = (beta?[ch] ?? 0) - a * mean[ch]
                var n = Neuron()
                n.edges = [Edge(source: source, factor: a * a, parameter: bn.gamma.map { Reference(tensor: $0, index: ch) })]
                n.biasFactor = c * c
                n.biasParameter = bn.beta.map { Reference(tensor: $0, index: ch) }
                ids.append(newNeuron(n))
            }
        case .activation:
            ids = inputs[0]; shape = shapes[0]
        case let .maxPool2d(pool), let .avgPool2d(pool):
            var isMax = false
            if case .maxPool2d = node.op { isMax = true }
            let (c, h, w) = (shapes[0][0], shapes[0][1], shapes[0][2])
            let g = try KernelWindow(node: node.name, inH: h, inW: w, kernel: pool.kernel, stride: pool.stride,
                                     padding: pool.padding)
            shape = [c, g.outH, g.outW]
            for ch in 0..<c { for oy in 0..<g.outH { for ox in 0..<g.outW {
                var sources: [Int] = []
                for ky in 0..<g.kH { for kx in 0..<g.kW {
                    if let s = windowSource(g, c: ch, oy: oy, ox: ox, ky: ky, kx: kx, input: inputs[0]) { sources.append(s) }
                } }
                let count = Double(pool.countIncludesPadding ? g.kH * g.kW : sources.count)
                let factor = isMax ? 1 : 1 / (count * count)
                ids.append(newNeuron(Neuron(edges: sources.map { Edge(source: $0, factor: factor, parameter: nil) }, isMax: isMax)))
            } } }
        case .globalAvgPool2d, .globalMaxPool2d:
            let isMax = node.op == .globalMaxPool2d
            let (c, plane) = (shapes[0][0], shapes[0][1] * shapes[0][2])
            shape = [c]
            let factor = isMax ? 1 : 1 / Double(plane * plane)
            for ch in 0..<c {
                let edges = (0..<plane).map { Edge(source: inputs[0][ch * plane + $0], factor: factor, parameter: nil) }
                ids.append(newNeuron(Neuron(edges: edges, isMax: isMax)))
            }
        case .flatten:
            ids = inputs[0]; shape = [inputs[0].count]
        case let .reshape(target):
            ids = inputs[0]; shape = target
        case .add:
            shape = shapes[0]
            for k in inputs[0].indices {
                ids.append(newNeuron(Neuron(edges: inputs.map { Edge(source: $0[k], factor: 1, parameter: nil) })))
            }
        case let .concatenate(axis):
            let a = axis < 0 ? axis + shapes[0].count : axis
            let outer = shapes[0][..<a].reduce(1, *)
            for o in 0..<outer {
                for input in inputs {
                    let block = input.count / outer
                    ids += input[(o * block)..<((o + 1) * block)]
                }
            }
            shape = shapes[0]
            shape[a] = shapes.reduce(0) { $0 + $1[a] }
        }
        nodeNeurons.append(ids)
        nodeShapes.append(shape)
    }

    /// Values of the squared network on an all-ones input.
    func forward() -> [Double] {
        var v = [Double](repeating: 0, count: neurons.count)
        for (k, n) in neurons.enumerated() {
            if n.isInput { v[k] = 1; continue }
            if n.isMax { v[k] = n.edges.map { $0.factor * v[$0.source] }.max() ?? 0; continue }
            v[k] = n.edges.reduce(n.biasFactor) { $0 + $1.factor * v[$1.source] }
        }
        return v
    }

    /// diag G per tensor (C order of the stored torch shape), by walking
    /// every path back from every output neuron.
    func diagonal(outputs: [Int]) -> [String: [Double]] {
        let v = forward()
        var result: [String: [Double]] = [:]
        for (name, tensor) in tensors { result[name] = [Double](repeating: 0, count: tensor.elementCount) }
        // The current path, output first; records use prefix/suffix products.
        var stack: [(factor: Double, parameter: Reference?)] = []
        var suffix: [Double] = []
        func record() {
            let count = stack.count
            suffix = [Double](repeating: 1, count: count + 1)
            for j in stride(from: count - 1, through: 0, by: -1) { suffix[j] = suffix[j + 1] * stack[j].factor }
            var prefix = 1.0
            for j in 0..<count {
                if let reference = stack[j].parameter { result[reference.tensor]![reference.index] += prefix * suffix[j + 1] }
                prefix *= stack[j].factor
            }
        }
        func walk(_ neuron: Int) {
            let n = neurons[neuron]
            if n.isInput { record(); return }
            if n.biasParameter != nil || n.biasFactor != 0 {
                stack.append((n.biasFactor, n.biasParameter)); record(); stack.removeLast()
            }
            if n.isMax, !n.edges.isEmpty {
                var best = 0
                for (k, e) in n.edges.enumerated() where e.factor * v[e.source] > n.edges[best].factor * v[n.edges[best].source] { best = k }
                let e = n.edges[best]
                stack.append((e.factor, e.parameter)); walk(e.source); stack.removeLast()
                return
            }
            for e in n.edges { stack.append((e.factor, e.parameter)); walk(e.source); stack.removeLast() }
        }
        for output in outputs { for neuron in nodeNeurons[output] { walk(neuron) } }
        return result
    }
}

/// Asserts two diagonals agree entry by entry to `tolerance` relative.
func expectDiagonalsMatch(_ actual: [String: [Double]], _ expected: [String: [Double]], tolerance: Double,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    for (name, values) in expected {
        guard let mine = actual[name] else {
            Issue.record("no diagonal for \(name)", sourceLocation: sourceLocation); continue
        }
        #expect(mine.count == values.count, "size of \(name)", sourceLocation: sourceLocation)
        let scale = values.map(abs).max() ?? 1
        let worst = zip(mine, values).map { abs($0 - $1) / max(abs($1), 1e-3 * scale, 1e-300) }.max() ?? 0
        #expect(worst <= tolerance, "\(name): relative difference \(worst)", sourceLocation: sourceLocation)
    }
}

@Suite struct PathKernelTestSupportTests {
    /// The enumerator itself on a net small enough to write G by hand:
    /// y = w2·relu(w1·x + b1) + b2 with scalars, x = 1.
    @Test func bruteForceMatchesHandWrittenScalarNet() throws {
        var b = NetworkBuilder()
        try b.set("w1", [1, 1], [3]); try b.set("b1", [1], [2]); try b.set("w2", [1, 1], [5]); try b.set("b2", [1], [7])
        b.add("fc1", .linear(weight: "w1", bias: "b1")); b.add("relu", .activation(.relu))
        b.add("fc2", .linear(weight: "w2", bias: "b2"))
        let net = b.network(layout: .torch, inputShape: [1])
        let g = try BruteForcePathKernel(network: net, tensors: b.tensors, inputShape: [1]).diagonal(outputs: net.outputs)
        // Paths: x→w1→w2 (9·25), b1→w2 (4·25), b2 (49).
        #expect(g["w1"] == [25]); #expect(g["b1"] == [25]); #expect(g["w2"] == [9 + 4]); #expect(g["b2"] == [1])
    }
}
