/// Every failure of forward evaluation and of the equivalence check. The
/// description names the node, tensor or file involved and what is wrong, so
/// the command line can print it as is.
public enum EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A tensor the network names is missing from the parameter source.
    case missingTensor(source: String, tensor: String, node: String)
    /// A parameter tensor's shape or dtype does not fit the node that uses it.
    case parameterMismatch(node: String, tensor: String, reason: String)
    /// A node's input has a shape the op cannot take.
    case shapeMismatch(node: String, reason: String)
    /// An activation this evaluator has no function for.
    case unsupportedActivation(node: String, name: String)
    /// The network itself is malformed (order, input node, outputs).
    case invalidNetwork(reason: String)
    /// The inputs given to the evaluator do not match the network.
    case invalidInput(reason: String)
    /// A rescaling structure's role does not fit its tensor.
    case invalidStructure(tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .missingTensor(source, tensor, node):
            return "\(source): no tensor named '\(tensor)' (needed by node '\(node)')"
        case let .parameterMismatch(node, tensor, reason):
            return "node '\(node)': tensor '\(tensor)': \(reason)"
        case let .shapeMismatch(node, reason):
            return "node '\(node)': \(reason)"
        case let .unsupportedActivation(node, name):
            return "node '\(node)': cannot evaluate activation '\(name)' (supported: relu, leaky_relu, prelu, identity, "
                + "tanh, sigmoid, gelu, silu, elu, softplus, relu6, hardtanh, softmax)"
        case let .invalidNetwork(reason):
            return "invalid network: \(reason)"
        case let .invalidInput(reason):
            return "invalid input: \(reason)"
        case let .invalidStructure(tensor, reason):
            return "rescaling structure: tensor '\(tensor)' \(reason)"
        }
    }
}
