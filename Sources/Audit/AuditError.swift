/// A failure to compute the metrics of a network: a tensor missing or of
/// the wrong shape for the node that names it, or a numerical routine that
/// failed. The description names the node and the tensor.
public enum AuditError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The network names a tensor the file does not hold.
    case missingTensor(node: String, tensor: String)
    /// A node's tensor does not have the shape its op needs.
    case invalidLayer(node: String, reason: String)
    /// LAPACK reported failure (`info` ≠ 0) for a node's matrix.
    case lapack(node: String, routine: String, info: Int)

    public var description: String {
        switch self {
        case let .missingTensor(node, tensor):
            return "node '\(node)': tensor '\(tensor)' is not in the file"
        case let .invalidLayer(node, reason):
            return "node '\(node)': \(reason)"
        case let .lapack(node, routine, info):
            return "node '\(node)': LAPACK \(routine) failed (info \(info))"
        }
    }
}
