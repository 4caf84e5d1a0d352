import Network
import WeightFiles

/// The balanced minimum of the ℓ_{p,q} objective over the rescaling orbit.
enum BalancedMinimum {
    /// The minimum, or nil when it cannot be computed.
    static func value(of subject: AuditSubject, p: Double, q: Double) throws -> Double? {
        nil // wired to the rescaling solver when that branch lands
    }
}
