/// Every failure of building or analysing a network. The description names
/// where the problem is — the spec or weight file, the layer or node, the
/// tensor — and what is wrong, so the command line can print it as is.
public enum NetworkError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A spec file cannot be read or does not follow the spec format.
    case invalidSpec(path: String, reason: String)
    /// A layer of a spec file is wrong (missing key, unknown tensor, shape
    /// that does not fit). `path` is the spec file.
    case invalidSpecLayer(path: String, layer: String, reason: String)
    /// A Keras architecture (model_config / config.json) cannot be turned
    /// into a network. `path` is the weight file carrying it.
    case invalidArchitecture(path: String, reason: String)
    /// Shapes do not fit at a node (weight fan-in against the incoming
    /// features, add of different shapes, window larger than its input).
    case shapeMismatch(path: String, node: String, reason: String)
    /// No architecture and no spec, and the tensors do not form a chain
    /// that can be inferred safely.
    case cannotInfer(path: String, reason: String)

    /// The message the command line prints after "fulcrum: error: ".
    public var description: String {
        switch self {
        case let .invalidSpec(path, reason): return "\(path): invalid network spec: \(reason)"
        case let .invalidSpecLayer(path, layer, reason): return "\(path): layer '\(layer)': \(reason)"
        case let .invalidArchitecture(path, reason): return "\(path): cannot use the Keras architecture: \(reason)"
        case let .shapeMismatch(path, node, reason): return "\(path): node '\(node)': \(reason)"
        case let .cannotInfer(path, reason): return "\(path): cannot infer the network: \(reason)"
        }
    }
}
