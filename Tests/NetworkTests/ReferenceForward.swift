import Foundation
import Network
import WeightFiles

/// A deliberately plain forward pass in Double over a `Network`, written
/// independently of fulcrum's evaluator, used to check that rescaling
/// leaves the function unchanged. One sample at a time; values are flat in
/// C order of the per-sample shape in the network's layout.
struct ReferenceForward {
    let network: Network
    let file: WeightFile
    let shapes: [[Int]]

    struct Unsupported: Error, CustomStringConvertible { var description: String }

    init(network: Network, file: WeightFile) throws {
        self.network = network
        self.file = file
        shapes = try network.shapes(in: file)
    }

    func values(_ name: String) throws -> [Double] { try file.read(name).doubles() }

    /// The outputs (concatenated, in `network.outputs` order) for one sample.
    func run(_ input: [Double]) throws -> [Double] {
        var results: [[Double]] = []
        for (n, node) in network.nodes.enumerated() {
            let xs = node.inputs.map { results[$0] }
            let inShape = node.inputs.first.map { shapes[$0] } ?? []
            results.append(try apply(node, xs, inShape: inShape, outShape: shapes[n], input: input))
        }
        return network.outputs.flatMap { results[$0] }
    }

    /// Index of (c, h, w) in an image of per-sample `shape`.
    func at(_ shape: [Int], _ c: Int, _ h: Int, _ w: Int) -> Int {
        network.layout == .torch ? (c * shape[1] + h) * shape[2] + w : (h * shape[1] + w) * shape[2] + c
    }

    func dims(_ shape: [Int]) -> (c: Int, h: Int, w: Int) {
        network.layout == .torch ? (shape[0], shape[1], shape[2]) : (shape[2], shape[0], shape[1])
    }

    /// (before, after) padding of one axis.
    func pads(_ padding: Padding, axis: Int, input: Int, output: Int, kernel: Int, stride: Int, dilation: Int) -> Int {
        switch padding {
        case let .explicit(top, _, left, _): return axis == 0 ? top : left
        case .same:
            let total = max((output - 1) * stride + dilation * (kernel - 1) + 1 - input, 0)
            return total / 2
        }
    }

    func apply(_ node: Node, _ xs: [[Double]], inShape: [Int], outShape: [Int], input: [Double]) throws -> [Double] {
        switch node.op {
        case .input:
            return input
        case let .linear(weight, bias):
            let w = try values(weight), x = xs[0]
            let units = outShape[0], fanIn = x.count
            let b = try bias.map(values) ?? [Double](repeating: 0, count: units)
            return (0..<units).map { o in
                var sum = b[o]
                for i in 0..<fanIn {
                    sum += (network.layout == .torch ? w[o * fanIn + i] : w[i * units + o]) * x[i]
                }
                return sum
            }
        case let .conv2d(conv):
            let w = try values(conv.weight), shape = try file.info(conv.weight).shape, x = xs[0]
            let (cin, hin, win) = dims(inShape), (cout, hout, wout) = dims(outShape)
            let (kh, kw) = network.layout == .torch ? (shape[2], shape[3]) : (shape[0], shape[1])
            let perGroup = cin / conv.groups, outPerGroup = cout / conv.groups
            let b = try conv.bias.map(values) ?? [Double](repeating: 0, count: cout)
            let pt = pads(conv.padding, axis: 0, input: hin, output: hout, kernel: kh, stride: conv.stride[0], dilation: conv.dilation[0])
            let pl = pads(conv.padding, axis: 1, input: win, output: wout, kernel: kw, stride: conv.stride[1], dilation: conv.dilation[1])
            var y = [Double](repeating: 0, count: cout * hout * wout)
            for o in 0..<cout {
                let g = o / outPerGroup
                for oh in 0..<hout { for ow in 0..<wout {
                    var sum = b[o]
                    for i in 0..<perGroup { for a in 0..<kh { for c in 0..<kw {
                        let ih = oh * conv.stride[0] - pt + a * conv.dilation[0]
                        let iw = ow * conv.stride[1] - pl + c * conv.dilation[1]
                        guard ih >= 0, ih < hin, iw >= 0, iw < win else { continue }
                        let weight = network.layout == .torch
                            ? w[((o * perGroup + i) * kh + a) * kw + c]
                            : w[((a * kw + c) * perGroup + i) * cout + o]
                        sum += weight * x[at(inShape, g * perGroup + i, ih, iw)]
                    } } }
                    y[at(outShape, o, oh, ow)] = sum
                } }
            }
            return y
        case let .batchNorm(bn):
            let x = xs[0], channels = channelOf(outShape)
            let mean = try values(bn.mean), variance = try values(bn.variance)
            let gamma = try bn.gamma.map(values), beta = try bn.beta.map(values)
            return x.indices.map { e in
                let c = channels[e]
                return (gamma?[c] ?? 1) * (x[e] - mean[c]) / (variance[c] + bn.epsilon).squareRoot() + (beta?[c] ?? 0)
            }
        case let .activation(activation):
            let x = xs[0]
            switch activation {
            case .relu: return x.map { max($0, 0) }
            case let .leakyRelu(alpha): return x.map { $0 >= 0 ? $0 : alpha * $0 }
            case .identity: return x
            case .other("tanh"): return x.map { Foundation.tanh($0) }
            case .other("relu6"): return x.map { min(max($0, 0), 6) }
            case .other("sigmoid"): return x.map { 1 / (1 + exp(-$0)) }
            case .other("gelu"): return x.map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
            case .other("softmax") where inShape.count == 1:
                let top = x.max() ?? 0
                let e = x.map { exp($0 - top) }
                let sum = e.reduce(0, +)
                return e.map { $0 / sum }
            default: throw Unsupported(description: "activation \(activation)")
            }
        case let .maxPool2d(pool), let .avgPool2d(pool):
            let isMax: Bool
            if case .maxPool2d = node.op { isMax = true } else { isMax = false }
            let x = xs[0], (channels, hin, win) = dims(inShape), (_, hout, wout) = dims(outShape)
            let pt = pads(pool.padding, axis: 0, input: hin, output: hout, kernel: pool.kernel[0], stride: pool.stride[0], dilation: 1)
            let pl = pads(pool.padding, axis: 1, input: win, output: wout, kernel: pool.kernel[1], stride: pool.stride[1], dilation: 1)
            var y = [Double](repeating: 0, count: x.count == 0 ? 0 : channels * hout * wout)
            for c in 0..<channels { for oh in 0..<hout { for ow in 0..<wout {
                var best = -Double.infinity, sum = 0.0, count = 0
                for a in 0..<pool.kernel[0] { for b in 0..<pool.kernel[1] {
                    let ih = oh * pool.stride[0] - pt + a, iw = ow * pool.stride[1] - pl + b
                    guard ih >= 0, ih < hin, iw >= 0, iw < win else { continue }
                    let v = x[at(inShape, c, ih, iw)]
                    best = max(best, v); sum += v; count += 1
                } }
                let divisor = pool.countIncludesPadding ? pool.kernel[0] * pool.kernel[1] : count
                y[at(outShape, c, oh, ow)] = isMax ? best : sum / Double(divisor)
            } } }
            return y
        case .globalAvgPool2d, .globalMaxPool2d:
            let x = xs[0], (channels, h, w) = dims(inShape)
            return (0..<channels).map { c in
                let all = (0..<h).flatMap { a in (0..<w).map { b in x[at(inShape, c, a, b)] } }
                if case .globalMaxPool2d = node.op { return all.max() ?? 0 }
                return all.reduce(0, +) / Double(all.count)
            }
        case .flatten, .reshape:
            return xs[0]
        case .add:
            return xs.dropFirst().reduce(xs[0]) { zip($0, $1).map(+) }
        case let .concatenate(axis):
            let outer = outShape[..<axis].reduce(1, *)
            var y: [Double] = []
            for o in 0..<outer {
                for (k, x) in xs.enumerated() {
                    let s = shapes[node.inputs[k]]
                    let inner = s[axis...].reduce(1, *)
                    y += x[(o * inner)..<((o + 1) * inner)]
                }
            }
            return y
        }
    }

    /// The channel of every element of a per-sample shape.
    func channelOf(_ shape: [Int]) -> [Int] {
        let count = shape.reduce(1, *)
        guard shape.count > 1 else { return Array(0..<count) }
        let axis = network.layout == .torch ? 0 : shape.count - 1
        let stride = shape[(axis + 1)...].reduce(1, *)
        return (0..<count).map { ($0 / stride) % shape[axis] }
    }
}
