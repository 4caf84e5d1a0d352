import Foundation

extension Activation {
    /// The activation a name stands for, as Keras, PyTorch and fulcrum's
    /// `--activation` spell it (case-insensitive).
    ///
    /// `relu`; `linear`, `identity`, `none` → identity; `leaky_relu` with
    /// `defaultLeakySlope` unless a slope is attached as `leaky_relu:0.1` or
    /// `leaky_relu=0.1`; `prelu` is not accepted here (it needs a tensor).
    /// Every other name (tanh, sigmoid, gelu, silu, swish, elu, selu,
    /// softplus, softmax, relu6, hard_tanh, …) is a blocker `.other(name)`.
    public static func named(_ raw: String, defaultLeakySlope: Double) -> Activation {
        let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
        switch name {
        case "relu": return .relu
        case "linear", "identity", "none": return .identity
        case "leaky_relu", "leakyrelu", "leaky-relu": return .leakyRelu(alpha: defaultLeakySlope)
        default: break
        }
        for separator in [":", "="] {
            let parts = name.split(separator: Character(separator), maxSplits: 1).map(String.init)
            if parts.count == 2, ["leaky_relu", "leakyrelu", "leaky-relu"].contains(parts[0]),
               let alpha = Double(parts[1]) {
                return .leakyRelu(alpha: alpha)
            }
        }
        return .other(name)
    }

    /// The name fulcrum prints: `relu`, `leaky_relu(alpha=0.2)`, `prelu`,
    /// `identity`, or the blocker's own name.
    public var displayName: String {
        switch self {
        case .relu: return "relu"
        case let .leakyRelu(alpha): return "leaky_relu(alpha=\(alpha))"
        case .prelu: return "prelu"
        case .identity: return "identity"
        case let .other(name): return name
        }
    }

    /// The name without parameters: `relu`, `leaky_relu`, `prelu`,
    /// `identity`, or the blocker's own name; used to name nodes.
    public var baseName: String {
        switch self {
        case .leakyRelu: return "leaky_relu"
        default: return displayName
        }
    }
}
