import Foundation

/// A deep ReLU MLP of `depth` square linear layers (`width` × `width`, with
/// biases), stored as a PyTorch `nn.Sequential` state dict would name it:
/// `0.weight`, `0.bias`, `2.weight`, … (ReLUs at the odd indices), weights in
/// PyTorch's (out, in) orientation, float32.
///
/// The weights are drawn as PyTorch's default initialisation draws them
/// (uniform in ±1/√fan_in for biases, ±√(6/fan_in) for weights, i.e. He
/// uniform), then every hidden unit h is rescaled by a random λ_h = 2^u,
/// u uniform in [−spread, spread] (not a power of two): its weight row and
/// bias are multiplied by λ_h and its column in the next layer divided by
/// λ_h. The network computes the same function (up to float rounding) but
/// sits far from the balanced point, which is what the solvers must find.
public struct MLPModel: Sendable, Equatable {
    /// Units per layer (inputs, hidden units and outputs alike).
    public var width: Int
    /// Number of linear layers.
    public var depth: Int
    /// Half-width, in octaves, of the random unbalancing scales.
    public var spread: Double
    /// Seed of the generator: the same seed gives the same bytes.
    public var seed: UInt64

    /// A model of `depth` layers of `width` units.
    public init(width: Int, depth: Int, spread: Double = 4, seed: UInt64 = 0x5EED_F00D) {
        self.width = width; self.depth = depth; self.spread = spread; self.seed = seed
    }

    /// About 3M parameters (8 layers of 608 units: 2,962,432).
    public static let small = MLPModel(width: 608, depth: 8)
    /// About 33M parameters (8 layers of 2048 units: 33,570,816).
    public static let medium = MLPModel(width: 2048, depth: 8)
    /// About 130M parameters (8 layers of 4032 units: 130,087,680).
    public static let large = MLPModel(width: 4032, depth: 8)

    /// A short label such as `mlp-3M` (parameters rounded to millions).
    public var label: String { "mlp-\(Int((Double(parameterCount) / 1e6).rounded()))M" }

    /// Weights and biases of all layers.
    public var parameterCount: Int { depth * (width * width + width) }

    /// Bytes of tensor data (float32).
    public var dataByteCount: Int { 4 * parameterCount }

    /// Tensor names in file order: `0.weight`, `0.bias`, `2.weight`, ….
    public var tensorNames: [String] {
        (0..<depth).flatMap { ["\(2 * $0).weight", "\(2 * $0).bias"] }
    }
}
