extension Op {
    /// A short name of the operation for tables and reasons: `input`,
    /// `linear`, `conv2d`, `batchnorm`, the activation's name, `max_pool2d`,
    /// `avg_pool2d`, `global_avg_pool2d`, `global_max_pool2d`, `flatten`,
    /// `reshape`, `add`, `concatenate`.
    public var displayName: String {
        switch self {
        case .input: return "input"
        case .linear: return "linear"
        case .conv2d: return "conv2d"
        case .batchNorm: return "batchnorm"
        case let .activation(activation): return activation.displayName
        case .maxPool2d: return "max_pool2d"
        case .avgPool2d: return "avg_pool2d"
        case .globalAvgPool2d: return "global_avg_pool2d"
        case .globalMaxPool2d: return "global_max_pool2d"
        case .flatten: return "flatten"
        case .reshape: return "reshape"
        case .add: return "add"
        case .concatenate: return "concatenate"
        }
    }

    /// True for the ops whose output channels are units with producers of
    /// their own: linear, conv2d and batchnorm.
    public var producesUnits: Bool {
        switch self {
        case .linear, .conv2d, .batchNorm: return true
        default: return false
        }
    }
}
