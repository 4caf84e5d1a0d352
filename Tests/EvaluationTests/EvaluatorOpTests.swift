import Foundation
import Network
import Testing
import WeightFiles
@testable import Evaluation

/// The evaluator's ops against direct definitions, in both layouts.
@Suite struct EvaluatorOpTests {
    struct ConvCase: CustomStringConvertible, Sendable {
        var channels: Int, outChannels: Int, height: Int, width: Int
        var kernel: (Int, Int), stride: (Int, Int), pad: (Int, Int, Int, Int), dilation: (Int, Int), groups: Int
        var description: String {
            "C\(channels)→\(outChannels) \(height)×\(width) k\(kernel) s\(stride) p\(pad) d\(dilation) g\(groups)"
        }
    }

    static let convCases = [
        ConvCase(channels: 3, outChannels: 5, height: 7, width: 6, kernel: (3, 3), stride: (1, 1), pad: (1, 1, 1, 1), dilation: (1, 1), groups: 1),
        ConvCase(channels: 4, outChannels: 6, height: 9, width: 8, kernel: (3, 2), stride: (2, 3), pad: (2, 0, 1, 1), dilation: (2, 1), groups: 2),
        ConvCase(channels: 6, outChannels: 6, height: 5, width: 5, kernel: (3, 3), stride: (1, 1), pad: (0, 0, 0, 0), dilation: (1, 1), groups: 6),
        ConvCase(channels: 4, outChannels: 8, height: 4, width: 5, kernel: (1, 1), stride: (1, 1), pad: (0, 0, 0, 0), dilation: (1, 1), groups: 2),
        ConvCase(channels: 2, outChannels: 3, height: 6, width: 6, kernel: (1, 1), stride: (2, 2), pad: (0, 0, 0, 0), dilation: (1, 1), groups: 1),
    ]

    static func values(_ count: Int, seed: UInt64) -> [Double] {
        var generator = ProbeGenerator(seed: seed)
        return (0..<count).map { _ in generator.next() }
    }

    static func evaluate(_ network: Network, _ tensors: [Tensor], _ inputs: [Double], count: Int,
                         precision: Precision = .float64) throws -> [Double] {
        let evaluator = try ForwardEvaluator(network: network, parameters: TensorSource(orderedTensors: tensors),
                                             precision: precision)
        return try evaluator.evaluate(inputs, count: count).flatMap(\.values)
    }

    static func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test("conv2d (im2col + GEMM) equals the direct sum, torch and keras layouts", arguments: convCases)
    func convolutionMatchesDirectSum(c: ConvCase) throws {
        let n = 2
        let input = ReferenceOps.Image(n: n, c: c.channels, h: c.height, w: c.width,
                                       data: Self.values(n * c.channels * c.height * c.width, seed: 1))
        let weight = Self.values(c.outChannels * (c.channels / c.groups) * c.kernel.0 * c.kernel.1, seed: 2)
        let bias = Self.values(c.outChannels, seed: 3)
        let expected = ReferenceOps.conv(input, weight: weight, outChannels: c.outChannels, kernel: c.kernel, bias: bias,
                                         stride: c.stride, pad: c.pad, dilation: c.dilation, groups: c.groups)
        let conv = Conv2D(weight: "w", bias: "b", stride: [c.stride.0, c.stride.1],
                          padding: .explicit(top: c.pad.0, bottom: c.pad.1, left: c.pad.2, right: c.pad.3),
                          dilation: [c.dilation.0, c.dilation.1], groups: c.groups)
        let nodes = [Node(name: "input", op: .input, inputs: []), Node(name: "conv", op: .conv2d(conv), inputs: [0])]
        let b = try Tensor(name: "b", dtype: .float64, shape: [c.outChannels], values: bias)

        let torch = Network(layout: .torch, inputShape: [c.channels, c.height, c.width], nodes: nodes, outputs: [1])
        let torchWeight = try Tensor(name: "w", dtype: .float64,
                                     shape: [c.outChannels, c.channels / c.groups, c.kernel.0, c.kernel.1], values: weight)
        let torchOut = try Self.evaluate(torch, [torchWeight, b], input.data, count: n)
        #expect(Self.maxDifference(torchOut, expected.data) <= 1e-12)

        let keras = Network(layout: .keras, inputShape: [c.height, c.width, c.channels], nodes: nodes, outputs: [1])
        let kerasWeight = try Tensor(name: "w", dtype: .float64,
                                     shape: [c.kernel.0, c.kernel.1, c.channels / c.groups, c.outChannels],
                                     values: ReferenceOps.kerasKernel(weight, o: c.outChannels, i: c.channels / c.groups,
                                                                      kh: c.kernel.0, kw: c.kernel.1))
        let kerasOut = try Self.evaluate(keras, [kerasWeight, b], ReferenceOps.toNHWC(input), count: n)
        #expect(Self.maxDifference(kerasOut, ReferenceOps.toNHWC(expected)) <= 1e-12)

        let single = try Self.evaluate(torch, [torchWeight, b], input.data, count: n, precision: .float32)
        #expect(Self.maxDifference(single, expected.data) <= 1e-5)
    }

    @Test("`same` padding follows TensorFlow: ceil(in/stride) outputs, the odd pad at the bottom/right")
    func samePaddingGeometry() throws {
        let window = try WindowGeometry(node: "c", height: 10, width: 7, kernel: [3, 4], stride: [2, 2],
                                        dilation: [1, 1], padding: .same)
        #expect(window.outputHeight == 5 && window.outputWidth == 4)
        // total h: (5−1)·2 + 3 − 10 = 1 → 0 top, 1 bottom; total w: (4−1)·2 + 4 − 7 = 3 → 1 left, 2 right.
        let pads: [Int] = [window.padTop, window.padBottom, window.padLeft, window.padRight]
        #expect(pads == [0, 1, 1, 2])
        #expect(throws: EvaluationError.self) {
            try WindowGeometry(node: "c", height: 2, width: 2, kernel: [3, 3], stride: [1, 1], dilation: [1, 1],
                               padding: .valid)
        }
    }

    @Test("max and average pooling equal their definitions (padding, count_include_pad)",
          arguments: [(true, true), (false, true), (false, false)])
    func poolingMatchesDefinition(isMax: Bool, includePadding: Bool) throws {
        let input = ReferenceOps.Image(n: 2, c: 3, h: 7, w: 6, data: Self.values(2 * 3 * 7 * 6, seed: 4))
        let expected = ReferenceOps.pool(input, kernel: (3, 2), stride: (2, 2), pad: (1, 1), max: isMax,
                                         includePadding: includePadding)
        let pool = Pool2D(kernel: [3, 2], stride: [2, 2], padding: .symmetric(1, 1), countIncludesPadding: includePadding)
        let nodes = [Node(name: "input", op: .input, inputs: []),
                     Node(name: "pool", op: isMax ? .maxPool2d(pool) : .avgPool2d(pool), inputs: [0])]
        let torch = Network(layout: .torch, inputShape: [3, 7, 6], nodes: nodes, outputs: [1])
        #expect(Self.maxDifference(try Self.evaluate(torch, [], input.data, count: 2), expected.data) <= 1e-15)
        let keras = Network(layout: .keras, inputShape: [7, 6, 3], nodes: nodes, outputs: [1])
        let kerasOut = try Self.evaluate(keras, [], ReferenceOps.toNHWC(input), count: 2)
        #expect(Self.maxDifference(kerasOut, ReferenceOps.toNHWC(expected)) <= 1e-15)
    }

    @Test("global pools and flatten follow the layout's order")
    func globalPoolsAndFlatten() throws {
        // One sample, 2 channels, 2×2: channel 0 = [1, 2, 3, 4], channel 1 = [10, 20, 30, 40].
        let nchw: [Double] = [1, 2, 3, 4, 10, 20, 30, 40]
        let nhwc: [Double] = [1, 10, 2, 20, 3, 30, 4, 40]
        for (layout, shape, data) in [(Layout.torch, [2, 2, 2], nchw), (.keras, [2, 2, 2], nhwc)] {
            let network = Network(layout: layout, inputShape: shape, nodes: [
                Node(name: "input", op: .input, inputs: []),
                Node(name: "gap", op: .globalAvgPool2d, inputs: [0]),
                Node(name: "gmp", op: .globalMaxPool2d, inputs: [0]),
                Node(name: "flat", op: .flatten, inputs: [0]),
                Node(name: "cat", op: .concatenate(axis: 0), inputs: [1, 2]),
            ], outputs: [4, 3])
            let evaluator = try ForwardEvaluator(network: network, parameters: TensorSource(tensors: [:]))
            let outputs = try evaluator.evaluate(data, count: 1)
            #expect(outputs[0].values == [2.5, 25, 4, 40])
            #expect(outputs[1].values == data, "flatten keeps the \(layout) order")
            #expect(outputs[1].sampleShape == [8])
        }
    }

    @Test("batchnorm in inference form, per channel of each layout", arguments: [Layout.torch, .keras])
    func batchNormMatchesFormula(layout: Layout) throws {
        let gamma = [1.5, -0.5], beta = [0.25, 1], mean = [0.1, -0.2], variance = [2.0, 0.5], eps = 1e-3
        let tensors = try [("g", gamma), ("b", beta), ("m", mean), ("v", variance)].map {
            try Tensor(name: $0.0, dtype: .float64, shape: [2], values: $0.1)
        }
        let network = Network(layout: layout, inputShape: layout == .torch ? [2, 3, 1] : [3, 1, 2], nodes: [
            Node(name: "input", op: .input, inputs: []),
            Node(name: "bn", op: .batchNorm(BatchNorm(gamma: "g", beta: "b", mean: "m", variance: "v", epsilon: eps)),
                 inputs: [0]),
        ], outputs: [1])
        let inputs = Self.values(12, seed: 5)
        let outputs = try Self.evaluate(network, tensors, inputs, count: 2)
        for (index, x) in inputs.enumerated() {
            let channel = layout == .torch ? (index / 3) % 2 : index % 2
            let expected = gamma[channel] * (x - mean[channel]) / (variance[channel] + eps).squareRoot() + beta[channel]
            #expect(abs(outputs[index] - expected) <= 1e-14)
        }
    }

    @Test("named activations compute their functions")
    func namedActivations() throws {
        let cases: [(String, Double, Double)] = [
            ("tanh", 0.5, 0.46211715726000974), ("sigmoid", 0, 0.5), ("sigmoid", 2, 0.8807970779778823),
            ("gelu", 1, 0.8413447460685429), ("gelu", -1, -0.15865525393145707), ("silu", 1, 0.7310585786300049),
            ("swish", -2, -0.2384058440442351), ("elu", -1, -0.6321205588285577), ("elu", 2, 2),
            ("softplus", 0, 0.6931471805599453), ("softplus", 30, 30), ("relu6", 7, 6), ("relu6", -1, 0),
            ("relu6", 3, 3), ("hardtanh", -3, -1), ("hard_tanh", 0.25, 0.25), ("selu", -1, -1.1113307378125628),
            ("softsign", 1, 0.5), ("hard_sigmoid", 0, 0.5), ("mish", 1, 0.8650983882673103), ("linear", -4, -4),
        ]
        for (name, x, expected) in cases {
            let network = Network(layout: .torch, inputShape: [1], nodes: [
                Node(name: "input", op: .input, inputs: []),
                Node(name: "act", op: .activation(.other(name)), inputs: [0]),
            ], outputs: [1])
            let output = try Self.evaluate(network, [], [x], count: 1)
            #expect(abs(output[0] - expected) <= 1e-15, "\(name)(\(x)) = \(output[0]), expected \(expected)")
        }
    }

    @Test("homogeneous activations: relu, leaky_relu, prelu (per channel and broadcast)")
    func homogeneousActivations() throws {
        let inputs: [Double] = [-2, -1, 0, 1, 2, -4]
        func run(_ activation: Activation, shape: [Int], layout: Layout = .torch, tensors: [Tensor] = []) throws -> [Double] {
            let network = Network(layout: layout, inputShape: shape, nodes: [
                Node(name: "input", op: .input, inputs: []), Node(name: "act", op: .activation(activation), inputs: [0]),
            ], outputs: [1])
            return try Self.evaluate(network, tensors, inputs, count: 1)
        }
        #expect(try run(.relu, shape: [6]) == [0, 0, 0, 1, 2, 0])
        #expect(try run(.leakyRelu(alpha: 0.25), shape: [6]) == [-0.5, -0.25, 0, 1, 2, -1])
        #expect(try run(.identity, shape: [6]) == inputs)
        let perChannel = try Tensor(name: "a", dtype: .float64, shape: [2], values: [0.5, 0.25])
        // torch (C=2, H=3, W=1): channel 0 holds the first three values.
        #expect(try run(.prelu(alpha: "a"), shape: [2, 3, 1], tensors: [perChannel]) == [-1, -0.5, 0, 1, 2, -1])
        // keras (H=3, W=1, C=2): channels alternate.
        #expect(try run(.prelu(alpha: "a"), shape: [3, 1, 2], layout: .keras, tensors: [perChannel])
                == [-1, -0.25, 0, 1, 2, -1])
        let shared = try Tensor(name: "a", dtype: .float64, shape: [1, 1, 2], values: [0.5, 0.25])
        #expect(try run(.prelu(alpha: "a"), shape: [3, 1, 2], layout: .keras, tensors: [shared])
                == [-1, -0.25, 0, 1, 2, -1])
    }

    @Test("softmax over the channel axis sums to one")
    func softmaxSumsToOne() throws {
        let network = Network(layout: .torch, inputShape: [3, 2], nodes: [
            Node(name: "input", op: .input, inputs: []),
            Node(name: "softmax", op: .activation(.other("softmax")), inputs: [0]),
        ], outputs: [1])
        let inputs: [Double] = [1, 100, 2, 101, 3, 102]
        let output = try Self.evaluate(network, [], inputs, count: 1)
        // Channel axis 0 of (3, 2): columns [1, 2, 3] and [100, 101, 102] each sum to one.
        let expected = [1.0, 2, 3].map { exp($0) / (exp(1) + exp(2) + exp(3)) }
        for (c, value) in expected.enumerated() {
            #expect(abs(output[2 * c] - value) <= 1e-15 && abs(output[2 * c + 1] - value) <= 1e-15)
        }
    }

    @Test("linear in both orientations, over a batch")
    func linearOrientations() throws {
        // y = W x + b with W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -1].
        let torchWeight = try Tensor(name: "w", dtype: .float32, shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let kerasWeight = try Tensor(name: "w", dtype: .float32, shape: [3, 2], values: [1, 4, 2, 5, 3, 6])
        let bias = try Tensor(name: "b", dtype: .float32, shape: [2], values: [0.5, -1])
        for (layout, weight) in [(Layout.torch, torchWeight), (.keras, kerasWeight)] {
            let network = Network(layout: layout, inputShape: nil, nodes: [
                Node(name: "input", op: .input, inputs: []),
                Node(name: "fc", op: .linear(weight: "w", bias: "b"), inputs: [0]),
            ], outputs: [1])
            let evaluator = try ForwardEvaluator(network: network, parameters: TensorSource(orderedTensors: [weight, bias]))
            #expect(try evaluator.inputShape() == [3])
            let output = try evaluator.evaluate([1, 0, 0, 1, 1, 1], count: 2)
            #expect(output[0].values == [1.5, 3, 6.5, 14])
            #expect(output[0].sampleShape == [2] && output[0].count == 2)
        }
    }

    @Test("errors name the node, the tensor and what is wrong")
    func errorsNameTheirPlace() throws {
        let weight = try Tensor(name: "w", dtype: .float32, shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        func network(_ op: Op, shape: [Int]? = [3]) -> Network {
            Network(layout: .torch, inputShape: shape, nodes: [
                Node(name: "input", op: .input, inputs: []), Node(name: "layer7", op: op, inputs: [0]),
            ], outputs: [1])
        }
        let source = TensorSource(orderedTensors: [weight], label: "model.safetensors")
        #expect(throws: EvaluationError.missingTensor(source: "model.safetensors", tensor: "missing", node: "layer7")) {
            try ForwardEvaluator(network: network(.linear(weight: "missing", bias: nil)), parameters: source)
        }
        let unknown = try ForwardEvaluator(network: network(.activation(.other("swiglu"))), parameters: source)
        do {
            _ = try unknown.evaluate([1, 2, 3], count: 1)
            Issue.record("an unknown activation must throw")
        } catch let error as EvaluationError {
            #expect(error.description.contains("layer7") && error.description.contains("swiglu"))
        }
        let mismatched = try ForwardEvaluator(network: network(.linear(weight: "w", bias: nil), shape: [4]), parameters: source)
        do {
            _ = try mismatched.evaluate([1, 2, 3, 4], count: 1)
            Issue.record("a weight that does not fit must throw")
        } catch let error as EvaluationError {
            #expect(error.description.contains("'w'") && error.description.contains("4 features"))
        }
        let evaluator = try ForwardEvaluator(network: network(.linear(weight: "w", bias: nil)), parameters: source)
        #expect(throws: EvaluationError.self) { try evaluator.evaluate([1, 2], count: 1) }
        let conv = try ForwardEvaluator(network: network(.conv2d(Conv2D(weight: "w", bias: nil)), shape: nil),
                                        parameters: source)
        #expect(throws: EvaluationError.self) { try conv.inputShape() }
    }
}
