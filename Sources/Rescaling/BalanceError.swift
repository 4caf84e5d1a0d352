/// Every failure of building or solving a balance problem. Descriptions name
/// the tensor, node or group and what is wrong.
public enum BalanceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A ParameterRole names a tensor that was not supplied.
    case missingTensor(name: String)
    /// A tensor's shape or dtype does not fit its role.
    case invalidTensor(name: String, reason: String)
    /// A NaN or ±Inf element, with its C-order multi-index.
    case nonFiniteValue(tensor: String, index: [Int], value: Double)
    /// The rescaling structure is inconsistent (names the node or group).
    case invalidStructure(String)
    /// The norm's parameters are out of range.
    case invalidNorm(String)
    /// A solver option is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .missingTensor(name):
            return "tensor '\(name)' is named by the rescaling structure but was not supplied"
        case let .invalidTensor(name, reason):
            return "tensor '\(name)': \(reason)"
        case let .nonFiniteValue(tensor, index, value):
            let what = value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf")
            return "tensor '\(tensor)' has \(what) at index \(index); refusing to rescale a non-finite weight"
        case let .invalidStructure(reason):
            return "invalid rescaling structure: \(reason)"
        case let .invalidNorm(reason):
            return "invalid norm: \(reason)"
        case let .invalidOption(reason):
            return "invalid option: \(reason)"
        }
    }
}
