import Testing
@testable import Network
import WeightFiles

/// Sizes from a spec (or a Keras config) large enough to overflow 64-bit
/// arithmetic are refused with a message naming the layer; shape inference
/// used to trap on them (found by probing the spec parser's edge cases).
@Suite struct ShapeOverflowTests {
    static func refusal(_ layers: String, inputShape: String = "[1, 8, 8]") throws -> String {
        let spec = "layout: torch\ninput_shape: \(inputShape)\nlayers:\n" + layers
        do {
            _ = try SpecNetworkBuilder.network(specText: spec, specPath: "/tmp/huge.yaml", file: try SpecBuilderTests.cnnFile())
        } catch let error as NetworkError {
            #expect(error.description.hasPrefix("/tmp/huge.yaml: layer '"), "\(error)")
            return error.description
        }
        Issue.record("the spec was accepted")
        return ""
    }

    static let conv = "  - {name: conv1, op: conv2d, weight: 0.weight, bias: 0.bias, padding: 1}\n"

    @Test func anInputWhoseElementCountOverflows() throws {
        let message = try Self.refusal(Self.conv + "  - {op: flatten}\n", inputShape: "[1, 3000000000, 3000000000]")
        #expect(message.contains("layer 'conv1': its output shape [4, 3000000000, 3000000000] has more elements than fit in 64 bits"))
    }

    @Test func paddingThatOverflows() throws {
        let message = try Self.refusal("  - {name: conv1, op: conv2d, weight: 0.weight, padding: 4611686018427387904}\n")
        #expect(message.contains("padding [4611686018427387904, 4611686018427387904, 4611686018427387904, 4611686018427387904] is too large"))
    }

    @Test func aDilatedWindowLongerThan64Bits() throws {
        let message = try Self.refusal("  - {name: conv1, op: conv2d, weight: 0.weight, dilation: 4611686018427387904}\n")
        #expect(message.contains("does not fit the 8×8 input"))
        #expect(windowOutputSize(input: 8, kernel: 3, stride: 1, dilation: Int.max, padding: 0) == nil)
        #expect(windowOutputSize(input: 8, kernel: 3, stride: 1, dilation: 1, padding: 2) == 8)
    }

    @Test func sameWindowsWithAHugeStride() throws {
        let layers = "  - {name: pool, op: max_pool2d, kernel_size: 2, stride: 9223372036854775807, padding: same}\n"
        let spec = "layout: torch\ninput_shape: [1, 8, 8]\nlayers:\n" + layers
        let network = try SpecNetworkBuilder.network(specText: spec, specPath: "/tmp/huge.yaml", file: try SpecBuilderTests.cnnFile())
        #expect(try network.shapes(in: try SpecBuilderTests.cnnFile()).last == [1, 1, 1])
    }

    @Test func aReshapeWhoseSizesOverflow() throws {
        let message = try Self.refusal("  - {name: r, op: reshape, shape: [4611686018427387904, 4, -1]}\n")
        #expect(message.contains("layer 'r': cannot reshape [1, 8, 8] (64 elements) to [4611686018427387904, 4, -1]"))
    }

    @Test func aConcatenationWhoseSizeOverflows() throws {
        let layers = "  - {name: r, op: reshape, shape: [-1]}\n"
            + "  - {name: cat, op: concatenate, inputs: [r, r], axis: 0}\n"
        let message = try Self.refusal(layers, inputShape: "[4611686018427387904]")
        #expect(message.contains("layer 'cat': concatenated size along axis 0 overflows 64 bits"))
    }
}
