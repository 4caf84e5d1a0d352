/// Failures of rescaling that are neither the file format's nor the
/// network's. Nothing is written after any of them.
public enum RescaleError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A parameter that would move holds NaN or ±Inf: `tensor` of the file
    /// at `path` holds `value` at flat (C order) `index`.
    case nonFinite(path: String, tensor: String, index: Int, value: Double)
    /// The proof that the rescaled file computes what the original did
    /// failed; `reason` says where.
    case notEquivalent(path: String, reason: String)

    /// The message `fulcrum` prints after "fulcrum: error: ".
    public var description: String {
        switch self {
        case let .nonFinite(path, tensor, index, value):
            return "\(path): tensor '\(tensor)' holds \(value) at flat index \(index); refusing to rescale a network with NaN or Inf weights (nothing written)"
        case let .notEquivalent(path, reason):
            return "\(path): verification failed, nothing written: \(reason)"
        }
    }

    /// Equal when the cases and every payload are equal (NaN values compare
    /// by bit pattern, so an error equals itself).
    public static func == (lhs: RescaleError, rhs: RescaleError) -> Bool {
        switch (lhs, rhs) {
        case let (.nonFinite(p1, t1, i1, v1), .nonFinite(p2, t2, i2, v2)):
            return p1 == p2 && t1 == t2 && i1 == i2 && v1.bitPattern == v2.bitPattern
        case let (.notEquivalent(p1, r1), .notEquivalent(p2, r2)):
            return p1 == p2 && r1 == r2
        default:
            return false
        }
    }
}
