import Testing
import Network
import WeightFiles

@Suite struct ShapeInferenceTests {
    func file(_ shapes: [(String, [Int])]) throws -> MemoryWeightFile {
        var random = TestRandom(seed: 1)
        return MemoryWeightFile(tensors: try shapes.map { try tensor($0.0, $0.1, random: &random) })
    }

    @Test func convolutionWithStridePaddingAndDilationAndPoolingInTorchLayout() throws {
        let f = try file([("c1.weight", [4, 3, 3, 3]), ("c1.bias", [4]), ("c2.weight", [4, 4, 3, 3])])
        let network = Network(layout: .torch, inputShape: [3, 9, 7], nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "c1", op: .conv2d(Conv2D(weight: "c1.weight", bias: "c1.bias", stride: [2, 2], padding: .symmetric(1, 1))), inputs: [0]),
            Node(name: "c2", op: .conv2d(Conv2D(weight: "c2.weight", bias: nil, padding: .valid, dilation: [2, 1])), inputs: [1]),
            Node(name: "pool", op: .maxPool2d(Pool2D(kernel: [1, 2], stride: [1, 2])), inputs: [2]),
            Node(name: "gap", op: .globalAvgPool2d, inputs: [3]),
            Node(name: "flat", op: .flatten, inputs: [3]),
        ], outputs: [4, 5])
        let shapes = try network.shapes(in: f)
        // (9+2-3)/2+1 = 5, (7+2-3)/2+1 = 4; dilation 2 spans 5 rows: 5-5+1 = 1; 4-3+1 = 2.
        #expect(shapes == [[3, 9, 7], [4, 5, 4], [4, 1, 2], [4, 1, 1], [4], [4]])
    }

    @Test func kerasSamePaddingRoundsUpAndChannelsComeLast() throws {
        let f = try file([("k", [3, 3, 2, 5])])
        let network = Network(layout: .keras, inputShape: [9, 7, 2], nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "conv", op: .conv2d(Conv2D(weight: "k", bias: nil, stride: [2, 2], padding: .same)), inputs: [0]),
            Node(name: "pool", op: .avgPool2d(Pool2D(kernel: [2, 2], stride: [2, 2], padding: .same)), inputs: [1]),
            Node(name: "cat", op: .concatenate(axis: -1), inputs: [2, 2]),
            Node(name: "flat", op: .flatten, inputs: [3]),
            Node(name: "shape", op: .reshape(shape: [-1, 2]), inputs: [4]),
        ], outputs: [5])
        #expect(try network.shapes(in: f) == [[9, 7, 2], [5, 4, 5], [3, 2, 5], [3, 2, 10], [60], [30, 2]])
        let normalised = try network.normalised(in: f)
        #expect(normalised.nodes[3].op == .concatenate(axis: 2))
        #expect(normalised.nodes[5].op == .reshape(shape: [30, 2]))
    }

    @Test func linearFanInMismatchNamesTheNodeAndTheTensor() throws {
        let f = try file([("fc1.weight", [8, 4]), ("fc2.weight", [3, 9])])
        let network = Network(layout: .torch, inputShape: [4], nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "fc1", op: .linear(weight: "fc1.weight", bias: nil), inputs: [0]),
            Node(name: "fc2", op: .linear(weight: "fc2.weight", bias: nil), inputs: [1]),
        ], outputs: [2])
        let error = #expect(throws: NetworkError.self) { try network.shapes(in: f) }
        let message = error.map(String.init(describing:)) ?? ""
        #expect(message.contains("/tmp/memory.safetensors"))
        #expect(message.contains("node 'fc2'"))
        #expect(message.contains("'fc2.weight' has shape [3, 9]: 9 in-features"))
        #expect(message.contains("8 features"))
    }

    @Test func biasAndBatchNormVectorsMustMatchTheUnits() throws {
        let f = try file([("w", [8, 4]), ("b", [7]), ("g", [8])])
        let badBias = Network(layout: .torch, inputShape: [4], nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "fc", op: .linear(weight: "w", bias: "b"), inputs: [0]),
        ], outputs: [1])
        #expect(throws: NetworkError.shapeMismatch(path: "/tmp/memory.safetensors", node: "fc",
                                                   reason: "bias 'b' has shape [7], the layer has 8 units (weight 'w' [8, 4])")) {
            try badBias.shapes(in: f)
        }
        let badNorm = Network(layout: .torch, inputShape: [4], nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "bn", op: .batchNorm(BatchNorm(gamma: "g", beta: nil, mean: "g", variance: "g", epsilon: 1e-5)), inputs: [0]),
        ], outputs: [1])
        let error = #expect(throws: NetworkError.self) { try badNorm.shapes(in: f) }
        #expect(error.map(String.init(describing:))?.contains("'g' has shape [8], but the input has 4 channels") == true)
    }

    @Test func addOfDifferentShapesAndOversizedWindowsAreRefused() throws {
        let f = try file([("w", [3, 4])])
        let add = Network(layout: .torch, inputShape: [4], nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "fc", op: .linear(weight: "w", bias: nil), inputs: [0]),
            Node(name: "sum", op: .add, inputs: [0, 1]),
        ], outputs: [2])
        let addError = #expect(throws: NetworkError.self) { try add.shapes(in: f) }
        #expect(addError.map(String.init(describing:))?.contains("node 'sum': add of different shapes: [4] from 'x' and [3] from 'fc'") == true)
        let pool = Network(layout: .torch, inputShape: [1, 2, 2], nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "pool", op: .maxPool2d(Pool2D(kernel: [3, 3], stride: [1, 1])), inputs: [0]),
        ], outputs: [1])
        let poolError = #expect(throws: NetworkError.self) { try pool.shapes(in: f) }
        #expect(poolError.map(String.init(describing:))?.contains("does not fit the 2×2 input") == true)
    }

    @Test func missingInputShapeIsTakenFromTheFirstLinearFanInButNotForConvolutions() throws {
        let f = try file([("w", [3, 5]), ("k", [2, 1, 3, 3])])
        let mlp = Network(layout: .torch, inputShape: nil, nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "act", op: .activation(.relu), inputs: [0]),
            Node(name: "fc", op: .linear(weight: "w", bias: nil), inputs: [1]),
        ], outputs: [2])
        #expect(try mlp.normalised(in: f).inputShape == [5])
        let cnn = Network(layout: .torch, inputShape: nil, nodes: [
            Node(name: "x", op: .input, inputs: []),
            Node(name: "conv", op: .conv2d(Conv2D(weight: "k", bias: nil)), inputs: [0]),
        ], outputs: [1])
        let error = #expect(throws: NetworkError.self) { try cnn.shapes(in: f) }
        #expect(error.map(String.init(describing:))?.contains("give input_shape") == true)
    }

    @Test func groupedConvolutionChecksChannelsPerGroup() throws {
        let f = try file([("k", [6, 2, 1, 1])])
        func net(_ groups: Int) -> Network {
            Network(layout: .torch, inputShape: [4, 2, 2], nodes: [
                Node(name: "x", op: .input, inputs: []),
                Node(name: "conv", op: .conv2d(Conv2D(weight: "k", bias: nil, groups: groups)), inputs: [0]),
            ], outputs: [1])
        }
        #expect(try net(2).shapes(in: f)[1] == [6, 2, 2])
        let error = #expect(throws: NetworkError.self) { try net(3).shapes(in: f) }
        #expect(error.map(String.init(describing:))?.contains("2 input channels per group × 3 groups, but the input has 4 channels") == true)
    }
}
