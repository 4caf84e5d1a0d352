/// Whose conventions the tensors follow.
///
/// - `torch`: Linear weight (out, in); Conv2d weight (out, in/groups, kh, kw);
///   activations NCHW, so a per-sample shape is (C, H, W) and Flatten orders
///   features (c, h, w).
/// - `keras`: Dense kernel (in, out); Conv2D kernel (kh, kw, in/groups, out);
///   activations NHWC, per-sample shape (H, W, C), Flatten orders (h, w, c).
public enum Layout: String, Sendable, Codable {
    case torch, keras
}

/// Zero padding of a 2-D window op.
public enum Padding: Sendable, Equatable {
    /// Explicit rows/columns added before and after (PyTorch `padding=`).
    case explicit(top: Int, bottom: Int, left: Int, right: Int)
    /// Keras/TensorFlow `same`: output size ceil(in/stride), the odd extra row
    /// or column goes at the bottom/right.
    case same
    /// No padding (Keras `valid`).
    public static var valid: Padding { .explicit(top: 0, bottom: 0, left: 0, right: 0) }
    /// Symmetric padding (PyTorch `padding=(ph, pw)`).
    public static func symmetric(_ h: Int, _ w: Int) -> Padding { .explicit(top: h, bottom: h, left: w, right: w) }
}

/// An activation function, as a rescaling sees it.
public enum Activation: Sendable, Equatable {
    case relu
    /// max(x, alpha·x).
    case leakyRelu(alpha: Double)
    /// Parametric ReLU: one learned slope per channel, stored in a tensor.
    /// Homogeneous: the slopes are left as they are.
    case prelu(alpha: String)
    case identity
    /// Anything else (tanh, sigmoid, gelu, silu, elu, softplus, relu6,
    /// hardtanh, softmax, layer_norm, …): not positively homogeneous, so it
    /// blocks rescaling of the units feeding it. The name is reported.
    case other(String)

    /// True when f(λx) = λf(x) for every λ > 0.
    public var isPositivelyHomogeneous: Bool {
        switch self {
        case .relu, .leakyRelu, .prelu, .identity: return true
        case .other: return false
        }
    }
}

/// One operation of the network. Tensor names are as the weight file spells
/// them; orientation follows the network's `Layout`.
public enum Op: Sendable, Equatable {
    /// The network input; its per-sample shape is `Network.inputShape`.
    case input
    /// Fully connected layer (Dense / Linear).
    case linear(weight: String, bias: String?)
    case conv2d(Conv2D)
    /// Inference-form batch norm y = γ(x−μ)/√(σ²+ε)+β over the channel axis.
    case batchNorm(BatchNorm)
    case activation(Activation)
    case maxPool2d(Pool2D)
    case avgPool2d(Pool2D)
    /// Mean over H and W of each channel, giving a (C) vector.
    case globalAvgPool2d
    /// Max over H and W of each channel, giving a (C) vector.
    case globalMaxPool2d
    /// Flatten a per-sample (C,H,W) or (H,W,C) tensor in the layout's order.
    case flatten
    /// A pure relabelling of the per-sample shape (row-major in the layout).
    case reshape(shape: [Int])
    /// Element-wise sum of all inputs (residual connection).
    case add
    /// Concatenation along `axis` of the per-sample shape (layout order).
    case concatenate(axis: Int)
}

public struct Conv2D: Sendable, Equatable {
    public var weight: String
    public var bias: String?
    public var stride: [Int]      // [sh, sw]
    public var padding: Padding
    public var dilation: [Int]    // [dh, dw]
    public var groups: Int
    public init(weight: String, bias: String?, stride: [Int] = [1, 1], padding: Padding = .valid,
                dilation: [Int] = [1, 1], groups: Int = 1) {
        self.weight = weight; self.bias = bias; self.stride = stride
        self.padding = padding; self.dilation = dilation; self.groups = groups
    }
}

public struct BatchNorm: Sendable, Equatable {
    /// γ, or nil when the layer has no scale (Keras `scale=False`): then the
    /// channel is not rescalable at the BN output.
    public var gamma: String?
    /// β, or nil (Keras `center=False`).
    public var beta: String?
    public var mean: String
    public var variance: String
    public var epsilon: Double
    public init(gamma: String?, beta: String?, mean: String, variance: String, epsilon: Double) {
        self.gamma = gamma; self.beta = beta; self.mean = mean; self.variance = variance; self.epsilon = epsilon
    }
}

public struct Pool2D: Sendable, Equatable {
    public var kernel: [Int]      // [kh, kw]
    public var stride: [Int]      // [sh, sw]
    public var padding: Padding
    /// Average pooling only: whether padded zeros count in the mean
    /// (PyTorch default true; Keras `same` false).
    public var countIncludesPadding: Bool
    public init(kernel: [Int], stride: [Int], padding: Padding = .valid, countIncludesPadding: Bool = true) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.countIncludesPadding = countIncludesPadding
    }
}

/// One node of the graph: an op applied to the outputs of earlier nodes.
public struct Node: Sendable, Equatable {
    /// Unique within the network (the Keras layer name or the spec's name).
    public var name: String
    public var op: Op
    /// Indices of the nodes it reads, in order; empty for `.input`.
    public var inputs: [Int]
    public init(name: String, op: Op, inputs: [Int]) {
        self.name = name; self.op = op; self.inputs = inputs
    }
}

/// A feed-forward network over the tensors of one weight file.
///
/// Contract: `nodes` are in topological order (every input index is smaller
/// than the node's own), node 0 is the single `.input`, and `outputs` lists
/// the nodes whose values are the network's outputs.
public struct Network: Sendable, Equatable {
    public var layout: Layout
    /// One sample's input shape in the layout's order ((C,H,W) or (H,W,C) for
    /// images, (features) for vectors), or nil when the file does not say and
    /// the network has no conv or pooling (then the first layer's fan-in fixes it).
    public var inputShape: [Int]?
    public var nodes: [Node]
    public var outputs: [Int]
    /// What a builder had to assume (inference from names), for the user.
    public var assumptions: [String]
    public init(layout: Layout, inputShape: [Int]?, nodes: [Node], outputs: [Int], assumptions: [String] = []) {
        self.layout = layout; self.inputShape = inputShape; self.nodes = nodes
        self.outputs = outputs; self.assumptions = assumptions
    }
}
