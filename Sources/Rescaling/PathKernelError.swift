/// Why the path-kernel diagonal or the kernel alignment could not be computed.
///
/// Every case names the node and/or tensor at fault, so a caller that knows
/// the file can prefix its name and show the message as it is.
public enum PathKernelError: Error, Equatable, CustomStringConvertible {
    /// A node names a tensor that is not among the tensors given.
    case missingTensor(node: String, tensor: String)
    /// A tensor's shape does not fit the node that uses it.
    case shapeMismatch(node: String, tensor: String, expected: String, found: [Int])
    /// A tensor is not floating point (the kernel is defined over real weights).
    case notFloatingPoint(tensor: String, dtype: String)
    /// An op cannot be evaluated on the value it receives (rank, sizes, windows).
    case invalidOp(node: String, reason: String)
    /// Neither the caller nor the network gives the input shape, and the
    /// first layer does not fix it.
    case unknownInputShape(reason: String)
    /// The input shape given or recorded cannot be used.
    case badInputShape([Int])
    /// A rescaling role refers to a tensor the network does not use as a
    /// parameter, or does not fit it.
    case invalidRole(tensor: String, reason: String)
    /// A kernel diagonal entry is negative, infinite or NaN (overflow in the
    /// squared network, or NaN weights).
    case invalidDiagonal(tensor: String, index: Int, value: Double)
    /// The options make no sense (negative tolerance, no sweeps).
    case invalidOptions(String)

    /// The message for the user: what is wrong and where.
    public var description: String {
        switch self {
        case let .missingTensor(node, tensor):
            return "node \(node) uses tensor '\(tensor)', which the file does not contain"
        case let .shapeMismatch(node, tensor, expected, found):
            return "node \(node): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .notFloatingPoint(tensor, dtype):
            return "tensor '\(tensor)' has dtype \(dtype); the path kernel needs floating-point weights"
        case let .invalidOp(node, reason):
            return "node \(node): \(reason)"
        case let .unknownInputShape(reason):
            return "the input shape is unknown (\(reason)); give it with --input-shape"
        case let .badInputShape(shape):
            return "input shape \(shape) is not a usable sample shape (every dimension positive, at most 2^40 elements)"
        case let .invalidRole(tensor, reason):
            return "rescaling role for tensor '\(tensor)': \(reason)"
        case let .invalidDiagonal(tensor, index, value):
            return "path-kernel diagonal of tensor '\(tensor)' element \(index) is \(value) "
                + "(overflow or NaN in the squared network)"
        case let .invalidOptions(message):
            return "invalid alignment options: \(message)"
        }
    }
}
