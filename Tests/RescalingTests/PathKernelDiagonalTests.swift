import Foundation
import Network
import Testing
import WeightFiles
@testable import Rescaling

@Suite struct PathKernelDiagonalTests {
    /// 3 → 4 → ReLU → 2 with biases: G written from the paths directly.
    @Test func twoLayerMLPMatchesExplicitPaths() throws {
        var rng = SeededGenerator(seed: 1)
        var b = NetworkBuilder()
        try b.random("w1", [4, 3], &rng); try b.random("b1", [4], &rng)
        try b.random("w2", [2, 4], &rng); try b.random("b2", [2], &rng)
        b.add("fc1", .linear(weight: "w1", bias: "b1")); b.add("relu", .activation(.relu))
        b.add("fc2", .linear(weight: "w2", bias: "b2"))
        let net = b.network(layout: .torch, inputShape: nil)  // input shape from fc1's fan-in
        let kernel = try pathKernelDiagonal(network: net, tensors: b.tensors)
        #expect(kernel.inputShape == [3])
        #expect(kernel.tensorOrder == ["w1", "b1", "w2", "b2"])
        #expect(kernel.parameterCount == 12 + 4 + 8 + 2)

        let w1 = b.tensors["w1"]!.doubles(), b1 = b.tensors["b1"]!.doubles(), w2 = b.tensors["w2"]!.doubles()
        // Paths: x_j → w1[h,j] → w2[k,h]; b1[h] → w2[k,h]; b2[k].
        var g1 = [Double](repeating: 0, count: 12), gb1 = [Double](repeating: 0, count: 4)
        var g2 = [Double](repeating: 0, count: 8)
        for h in 0..<4 { for k in 0..<2 {
            for j in 0..<3 {
                g1[h * 3 + j] += w2[k * 4 + h] * w2[k * 4 + h]
                g2[k * 4 + h] += w1[h * 3 + j] * w1[h * 3 + j]
            }
            gb1[h] += w2[k * 4 + h] * w2[k * 4 + h]
            g2[k * 4 + h] += b1[h] * b1[h]
        } }
        expectDiagonalsMatch(kernel.values, ["w1": g1, "b1": gb1, "w2": g2, "b2": [1, 1]], tolerance: 1e-14)
    }

    /// Every activation is the identity on the squared network; BN1d is a²x + c².
    @Test func deeperMLPWithBatchNormAndActivationsMatchesBruteForce() throws {
        var rng = SeededGenerator(seed: 2)
        var b = NetworkBuilder()
        try b.random("w1", [5, 3], &rng); try b.random("b1", [5], &rng)
        try b.random("g", [5], &rng); try b.random("beta", [5], &rng); try b.random("mu", [5], &rng)
        try b.set("var", [5], (0..<5).map { 0.5 + Double($0) / 4 })
        try b.random("w2", [4, 5], &rng); try b.random("w3", [2, 4], &rng); try b.random("b3", [2], &rng)
        b.add("fc1", .linear(weight: "w1", bias: "b1"))
        b.add("bn", .batchNorm(BatchNorm(gamma: "g", beta: "beta", mean: "mu", variance: "var", epsilon: 1e-3)))
        b.add("act1", .activation(.leakyRelu(alpha: 0.1)))
        b.add("fc2", .linear(weight: "w2", bias: nil)); b.add("act2", .activation(.identity))
        b.add("fc3", .linear(weight: "w3", bias: "b3"))
        let net = b.network(layout: .torch, inputShape: [3])
        let kernel = try pathKernelDiagonal(network: net, tensors: b.tensors)
        let brute = try BruteForcePathKernel(network: net, tensors: b.tensors, inputShape: [3]).diagonal(outputs: net.outputs)
        #expect(kernel.tensorOrder == ["w1", "b1", "g", "beta", "w2", "w3", "b3"])  // running stats are not parameters
        expectDiagonalsMatch(kernel.values, brute.filter { kernel.tensorOrder.contains($0.key) }, tolerance: 1e-12)
        #expect(kernel.notes.isEmpty)
    }

    struct ConvCase: CustomTestStringConvertible, Sendable {
        var stride: [Int], padding: Padding, dilation: [Int], groups: Int, kernel: [Int]
        var testDescription: String { "stride \(stride) pad \(padding) dilation \(dilation) groups \(groups) kernel \(kernel)" }
    }

    static let convCases: [ConvCase] = [
        ConvCase(stride: [1, 1], padding: .symmetric(1, 1), dilation: [1, 1], groups: 1, kernel: [3, 3]),
        ConvCase(stride: [2, 1], padding: .valid, dilation: [1, 1], groups: 1, kernel: [3, 2]),
        ConvCase(stride: [1, 1], padding: .symmetric(2, 1), dilation: [2, 2], groups: 2, kernel: [3, 3]),
        ConvCase(stride: [2, 2], padding: .explicit(top: 0, bottom: 1, left: 1, right: 0), dilation: [1, 2], groups: 1, kernel: [2, 2]),
        ConvCase(stride: [1, 1], padding: .valid, dilation: [1, 1], groups: 4, kernel: [1, 1]),
    ]

    /// conv → ReLU → flatten → linear, torch layout, against path enumeration.
    @Test(arguments: convCases)
    func convolutionMatchesBruteForce(_ c: ConvCase) throws {
        var rng = SeededGenerator(seed: 3)
        var b = NetworkBuilder()
        let inC = 4, outC = 4
        try b.random("conv.w", [outC, inC / c.groups] + c.kernel, &rng); try b.random("conv.b", [outC], &rng)
        b.add("conv", .conv2d(Conv2D(weight: "conv.w", bias: "conv.b", stride: c.stride, padding: c.padding,
                                     dilation: c.dilation, groups: c.groups)))
        b.add("relu", .activation(.relu)); b.add("flat", .flatten)
        let probe = b.network(layout: .torch, inputShape: [inC, 5, 6])
        let features = try BruteForcePathKernel(network: probe, tensors: b.tensors, inputShape: [inC, 5, 6]).nodeNeurons[3].count
        try b.random("fc.w", [2, features], &rng); try b.random("fc.b", [2], &rng)
        b.add("fc", .linear(weight: "fc.w", bias: "fc.b"))
        let net = b.network(layout: .torch, inputShape: [inC, 5, 6])
        let kernel = try pathKernelDiagonal(network: net, tensors: b.tensors)
        let brute = try BruteForcePathKernel(network: net, tensors: b.tensors, inputShape: [inC, 5, 6]).diagonal(outputs: net.outputs)
        expectDiagonalsMatch(kernel.values, brute, tolerance: 1e-12)
    }

    /// The CNN with every op: conv, BN (with and without β), max pool,
    /// grouped conv, residual add, avg pool, dilated conv, global average
    /// and max pools, flatten, concatenate, linear.
    static func everyOpNetwork(seed: UInt64) throws -> (Network, [String: Tensor]) {
        var rng = SeededGenerator(seed: seed)
        var b = NetworkBuilder()
        try b.random("c1.w", [4, 2, 3, 3], &rng); try b.random("c1.b", [4], &rng)
        try b.random("bn1.g", [4], &rng); try b.random("bn1.b", [4], &rng); try b.random("bn1.m", [4], &rng)
        try b.set("bn1.v", [4], [0.5, 1, 1.5, 2])
        try b.random("c2.w", [4, 2, 3, 3], &rng)
        try b.random("c3.w", [6, 4, 2, 2], &rng); try b.random("c3.b", [6], &rng)
        try b.random("bn2.g", [6], &rng); try b.random("bn2.m", [6], &rng); try b.set("bn2.v", [6], [1, 2, 3, 1, 2, 3])
        try b.random("c4.w", [3, 6, 3, 3], &rng); try b.random("c4.b", [3], &rng)
        try b.random("fc.w", [3, 16], &rng); try b.random("fc.b", [3], &rng)
        b.add("c1", .conv2d(Conv2D(weight: "c1.w", bias: "c1.b", padding: .symmetric(1, 1))))        // 1: [4,4,4]
        b.add("bn1", .batchNorm(BatchNorm(gamma: "bn1.g", beta: "bn1.b", mean: "bn1.m", variance: "bn1.v", epsilon: 1e-5)))
        b.add("r1", .activation(.relu))
        let pool = b.add("mp", .maxPool2d(Pool2D(kernel: [2, 2], stride: [2, 2])))                    // 4: [4,2,2]
        b.add("c2", .conv2d(Conv2D(weight: "c2.w", bias: nil, padding: .symmetric(1, 1), groups: 2)))
        let r2 = b.add("r2", .activation(.relu))
        let sum = b.add("res", .add, inputs: [pool, r2])                                              // 7
        b.add("c3", .conv2d(Conv2D(weight: "c3.w", bias: "c3.b", padding: .symmetric(1, 1))))         // [6,3,3]
        let bn2 = b.add("bn2", .batchNorm(BatchNorm(gamma: "bn2.g", beta: nil, mean: "bn2.m", variance: "bn2.v", epsilon: 1e-3)))
        let c4 = b.add("c4", .conv2d(Conv2D(weight: "c4.w", bias: "c4.b", padding: .symmetric(1, 1), dilation: [2, 2])))
        b.add("ap", .avgPool2d(Pool2D(kernel: [2, 2], stride: [1, 1])), inputs: [sum])               // [4,1,1]
        let flat = b.add("fa", .flatten)
        let q = b.add("gap", .globalAvgPool2d, inputs: [bn2])                                         // [6]
        let f = b.add("fc4", .flatten, inputs: [c4])                                                  // [3]
        let m = b.add("gmp", .globalMaxPool2d, inputs: [c4])                                          // [3]
        b.add("cat", .concatenate(axis: 0), inputs: [flat, q, f, m])                                  // [16]
        b.add("fc", .linear(weight: "fc.w", bias: "fc.b"))
        return (b.network(layout: .torch, inputShape: [2, 4, 4]), b.tensors)
    }

    @Test func everyOpNetworkMatchesBruteForce() throws {
        let (net, tensors) = try Self.everyOpNetwork(seed: 4)
        let kernel = try pathKernelDiagonal(network: net, tensors: tensors)
        let brute = try BruteForcePathKernel(network: net, tensors: tensors, inputShape: [2, 4, 4]).diagonal(outputs: net.outputs)
        #expect(Set(kernel.tensorOrder) == Set(brute.keys).subtracting(["bn1.m", "bn1.v", "bn2.m", "bn2.v"]))
        expectDiagonalsMatch(kernel.values, brute.filter { kernel.values[$0.key] != nil }, tolerance: 1e-11)
    }

    /// Two outputs: the summed outputs of both count, and a node feeding
    /// nothing contributes no gradient (its parameters get 0).
    @Test func severalOutputsAndDeadBranches() throws {
        var rng = SeededGenerator(seed: 5)
        var b = NetworkBuilder()
        try b.random("w1", [3, 2], &rng); try b.random("wa", [2, 3], &rng); try b.random("wb", [1, 3], &rng)
        try b.random("wd", [4, 3], &rng)
        let h = b.add("fc1", .linear(weight: "w1", bias: nil))
        let a = b.add("a", .linear(weight: "wa", bias: nil), inputs: [h])
        let o = b.add("b", .linear(weight: "wb", bias: nil), inputs: [h])
        b.add("dead", .linear(weight: "wd", bias: nil), inputs: [h])
        let net = b.network(layout: .torch, inputShape: [2], outputs: [a, o])
        let kernel = try pathKernelDiagonal(network: net, tensors: b.tensors)
        let brute = try BruteForcePathKernel(network: net, tensors: b.tensors, inputShape: [2]).diagonal(outputs: [a, o])
        expectDiagonalsMatch(kernel.values, brute, tolerance: 1e-13)
        #expect(kernel.values["wd"] == [Double](repeating: 0, count: 12))
    }

    /// The same conv → flatten → dense net in Keras layout (HWC, kernels
    /// (kh, kw, in, out), dense (in, out), flatten in (h, w, c) order) gives
    /// the torch diagonal moved to the Keras positions.
    @Test func kerasLayoutMatchesTorchLayout() throws {
        var rng = SeededGenerator(seed: 6)
        let (o, i, kh, kw, h, w) = (3, 2, 3, 2, 5, 4)
        let convW = randomWeights(o * i * kh * kw, &rng), convB = randomWeights(o, &rng)
        let conv = Conv2D(weight: "cw", bias: "cb", stride: [2, 1], padding: .symmetric(1, 0), dilation: [1, 2])
        // Output 3×2 per channel: 18 features.
        let (oh, ow) = (3, 2), features = o * oh * ow
        let fcW = randomWeights(2 * features, &rng)

        var torch = NetworkBuilder()
        try torch.set("cw", [o, i, kh, kw], convW); try torch.set("cb", [o], convB); try torch.set("fw", [2, features], fcW)
        torch.add("conv", .conv2d(conv)); torch.add("relu", .activation(.relu)); torch.add("flat", .flatten)
        torch.add("fc", .linear(weight: "fw", bias: nil))

        func torchFeature(_ c: Int, _ y: Int, _ x: Int) -> Int { (c * oh + y) * ow + x }
        func kerasFeature(_ c: Int, _ y: Int, _ x: Int) -> Int { (y * ow + x) * o + c }
        var kerasConv = [Double](repeating: 0, count: convW.count), kerasFc = [Double](repeating: 0, count: fcW.count)
        for f in 0..<o { for c in 0..<i { for y in 0..<kh { for x in 0..<kw {
            kerasConv[((y * kw + x) * i + c) * o + f] = convW[((f * i + c) * kh + y) * kw + x]
        } } } }
        for k in 0..<2 { for c in 0..<o { for y in 0..<oh { for x in 0..<ow {
            kerasFc[kerasFeature(c, y, x) * 2 + k] = fcW[k * features + torchFeature(c, y, x)]
        } } } }
        var keras = NetworkBuilder()
        try keras.set("cw", [kh, kw, i, o], kerasConv); try keras.set("cb", [o], convB); try keras.set("fw", [features, 2], kerasFc)
        keras.nodes = torch.nodes

        let t = try pathKernelDiagonal(network: torch.network(layout: .torch, inputShape: [i, h, w]), tensors: torch.tensors)
        let k = try pathKernelDiagonal(network: keras.network(layout: .keras, inputShape: [h, w, i]), tensors: keras.tensors)
        var expectedConv = [Double](repeating: 0, count: convW.count), expectedFc = [Double](repeating: 0, count: fcW.count)
        let tc = t.values["cw"]!, tf = t.values["fw"]!
        for f in 0..<o { for c in 0..<i { for y in 0..<kh { for x in 0..<kw {
            expectedConv[((y * kw + x) * i + c) * o + f] = tc[((f * i + c) * kh + y) * kw + x]
        } } } }
        for kk in 0..<2 { for c in 0..<o { for y in 0..<oh { for x in 0..<ow {
            expectedFc[kerasFeature(c, y, x) * 2 + kk] = tf[kk * features + torchFeature(c, y, x)]
        } } } }
        expectDiagonalsMatch(k.values, ["cw": expectedConv, "cb": t.values["cb"]!, "fw": expectedFc], tolerance: 1e-13)
    }

    /// The every-op CNN in Keras layout (NHWC activations, BN over the last
    /// axis, pools and residual add on HWC images, (kh, kw, in, out)
    /// kernels, (in, out) dense) has the torch diagonal, transposed.
    @Test func everyOpNetworkInKerasLayoutMatchesTorchLayout() throws {
        let (torchNet, torchTensors) = try Self.everyOpNetwork(seed: 14)
        var kerasTensors = torchTensors
        func toKeras(_ values: [Double], _ shape: [Int]) -> (values: [Double], shape: [Int]) {
            if shape.count == 2 { return (ChannelImage.transpose(values, rows: shape[0], columns: shape[1]), [shape[1], shape[0]]) }
            let (o, i, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
            var out = values
            for f in 0..<o { for c in 0..<i { for y in 0..<kh { for x in 0..<kw {
                out[((y * kw + x) * i + c) * o + f] = values[((f * i + c) * kh + y) * kw + x]
            } } } }
            return (out, [kh, kw, i, o])
        }
        let moved = ["c1.w", "c2.w", "c3.w", "c4.w", "fc.w"]
        for name in moved {
            let t = torchTensors[name]!
            let (values, shape) = toKeras(t.doubles(), t.shape)
            kerasTensors[name] = try makeTensor(name, shape, values)
        }
        var kerasNet = torchNet
        kerasNet.layout = .keras
        kerasNet.inputShape = [4, 4, 2]
        let t = try pathKernelDiagonal(network: torchNet, tensors: torchTensors)
        let k = try pathKernelDiagonal(network: kerasNet, tensors: kerasTensors)
        var expected = t.values
        for name in moved { expected[name] = toKeras(t.values[name]!, torchTensors[name]!.shape).values }
        expectDiagonalsMatch(k.values, expected, tolerance: 1e-12)
    }

    /// Keras `same` padding: output ceil(in/stride), the odd extra row and
    /// column at the bottom/right — the torch net with that explicit padding.
    @Test func kerasSamePaddingIsAsymmetricExplicitPadding() throws {
        var rng = SeededGenerator(seed: 7)
        var b = NetworkBuilder()
        try b.random("cw", [2, 1, 3, 3], &rng); try b.random("fw", [1, 18], &rng)
        // 6×6 input, 3×3 kernel, stride 2: output 3×3, total padding 1 → (0 before, 1 after).
        b.add("conv", .conv2d(Conv2D(weight: "cw", bias: nil, stride: [2, 2],
                                     padding: .explicit(top: 0, bottom: 1, left: 0, right: 1))))
        b.add("mp", .maxPool2d(Pool2D(kernel: [2, 2], stride: [1, 1], padding: .explicit(top: 0, bottom: 1, left: 0, right: 1))))
        b.add("flat", .flatten); b.add("fc", .linear(weight: "fw", bias: nil))
        let explicitNet = b.network(layout: .torch, inputShape: [1, 6, 6])
        var same = b
        same.nodes[1].op = .conv2d(Conv2D(weight: "cw", bias: nil, stride: [2, 2], padding: .same))
        same.nodes[2].op = .maxPool2d(Pool2D(kernel: [2, 2], stride: [1, 1], padding: .same))
        let a = try pathKernelDiagonal(network: explicitNet, tensors: b.tensors)
        let s = try pathKernelDiagonal(network: same.network(layout: .torch, inputShape: [1, 6, 6]), tensors: b.tensors)
        let brute = try BruteForcePathKernel(network: explicitNet, tensors: b.tensors, inputShape: [1, 6, 6])
            .diagonal(outputs: explicitNet.outputs)
        #expect(a.values == s.values)
        expectDiagonalsMatch(a.values, brute, tolerance: 1e-12)
    }

    /// Average pooling with and without padded zeros in the count.
    @Test(arguments: [true, false])
    func averagePoolingCountsPaddingAsTold(_ includePadding: Bool) throws {
        var rng = SeededGenerator(seed: 8)
        var b = NetworkBuilder()
        try b.random("cw", [2, 2, 1, 1], &rng); try b.random("fw", [1, 18], &rng)
        b.add("conv", .conv2d(Conv2D(weight: "cw", bias: nil)))
        b.add("ap", .avgPool2d(Pool2D(kernel: [3, 3], stride: [2, 2], padding: .symmetric(1, 1),
                                      countIncludesPadding: includePadding)))
        b.add("flat", .flatten); b.add("fc", .linear(weight: "fw", bias: nil))
        let net = b.network(layout: .torch, inputShape: [2, 5, 5])
        let kernel = try pathKernelDiagonal(network: net, tensors: b.tensors)
        let brute = try BruteForcePathKernel(network: net, tensors: b.tensors, inputShape: [2, 5, 5]).diagonal(outputs: net.outputs)
        expectDiagonalsMatch(kernel.values, brute, tolerance: 1e-12)
    }

    /// A rank-3 value through linear (last axis), reshape (with −1) and
    /// concatenation along the channel axis (given as −3).
    @Test func linearOnLastAxisReshapeAndChannelConcatenation() throws {
        var rng = SeededGenerator(seed: 9)
        var b = NetworkBuilder()
        try b.random("w", [3, 4], &rng); try b.random("bias", [3], &rng); try b.random("cw", [3, 3, 1, 1], &rng)
        try b.random("dw", [2, 3, 1, 1], &rng); try b.random("fw", [2, 63], &rng)
        let lin = b.add("lin", .linear(weight: "w", bias: "bias"))                       // [3,3,3]
        let conv = b.add("conv", .conv2d(Conv2D(weight: "cw", bias: nil)), inputs: [0])  // [3,3,4]
        let view = b.add("view", .reshape(shape: [-1, 3, 3]), inputs: [conv])           // [4,3,3]
        b.add("unused", .conv2d(Conv2D(weight: "dw", bias: nil)), inputs: [0])          // feeds nothing
        b.add("cat", .concatenate(axis: -3), inputs: [lin, view])                        // [7,3,3]
        b.add("flat", .flatten); b.add("fc", .linear(weight: "fw", bias: nil))
        let net = b.network(layout: .torch, inputShape: [3, 3, 4])
        let kernel = try pathKernelDiagonal(network: net, tensors: b.tensors)
        let brute = try BruteForcePathKernel(network: net, tensors: b.tensors, inputShape: [3, 3, 4]).diagonal(outputs: net.outputs)
        expectDiagonalsMatch(kernel.values, brute, tolerance: 1e-12)
        #expect(kernel.values["dw"] == [0, 0, 0, 0, 0, 0])
    }

    // MARK: errors

    @Test func missingTensorNamesNodeAndTensor() throws {
        var b = NetworkBuilder()
        try b.set("w", [2, 2], [1, 2, 3, 4])
        b.add("fc1", .linear(weight: "w", bias: "fc1.bias"))
        let error = #expect(throws: PathKernelError.self) {
            try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: [2]), tensors: b.tensors)
        }
        #expect(error?.description == "node fc1 uses tensor 'fc1.bias', which the file does not contain")
    }

    @Test func convNetWithoutInputShapeAsksForIt() throws {
        var b = NetworkBuilder()
        try b.set("cw", [1, 1, 1, 1], [1])
        b.add("conv", .conv2d(Conv2D(weight: "cw", bias: nil)))
        let error = #expect(throws: PathKernelError.self) {
            try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: nil), tensors: b.tensors)
        }
        #expect(error?.description.contains("--input-shape") == true)
    }

    @Test func mismatchedFanInNamesTheNode() throws {
        var b = NetworkBuilder()
        try b.set("w", [2, 3], [1, 2, 3, 4, 5, 6])
        b.add("fc1", .linear(weight: "w", bias: nil))
        let error = #expect(throws: PathKernelError.self) {
            try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: [4]), tensors: b.tensors)
        }
        #expect(error?.description == "node fc1: weight 'w' takes 3 features, input has shape [4]")
    }

    @Test func emptyWeightsAndBadInputShapesAreRefused() throws {
        var b = NetworkBuilder()
        try b.set("w", [0, 2], [])
        b.add("fc1", .linear(weight: "w", bias: nil))
        #expect(throws: PathKernelError.shapeMismatch(node: "fc1", tensor: "w", expected: "no empty dimension", found: [0, 2])) {
            try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: [2]), tensors: b.tensors)
        }
        try b.set("w", [1, 2], [1, 1])
        for shape in [[0], [2, -1], [1 << 30, 1 << 30, 1 << 30]] {
            #expect(throws: PathKernelError.badInputShape(shape)) {
                try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: nil), tensors: b.tensors, inputShape: shape)
            }
        }
    }

    @Test func integerTensorsAreRefused() throws {
        var b = NetworkBuilder()
        b.tensors["w"] = try Tensor(name: "w", dtype: .int32, shape: [1, 1], values: [1])
        b.add("fc1", .linear(weight: "w", bias: nil))
        #expect(throws: PathKernelError.notFloatingPoint(tensor: "w", dtype: "int32")) {
            try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: [1]), tensors: b.tensors)
        }
    }

    @Test func nonHomogeneousActivationIsNoted() throws {
        var b = NetworkBuilder()
        try b.set("w", [1, 1], [2]); try b.set("v", [1, 1], [3])
        b.add("fc1", .linear(weight: "w", bias: nil)); b.add("act", .activation(.other("tanh")))
        b.add("fc2", .linear(weight: "v", bias: nil))
        let kernel = try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: [1]), tensors: b.tensors)
        #expect(kernel.values["w"] == [9]); #expect(kernel.values["v"] == [4])
        #expect(kernel.notes == ["node act (tanh) is not positively homogeneous: the path kernel treats it as the identity"])
    }
}
