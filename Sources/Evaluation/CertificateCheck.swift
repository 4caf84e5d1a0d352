import Network
import WeightFiles

/// The checks of a certificate in A's tensor order, accumulating the worst
/// entry and the first violation.
struct CertificateCheck {
    private(set) var worst: CertificateEntry?
    private(set) var firstViolation: CertificateViolation?
    var violationCount = 0

    mutating func fail(_ violation: CertificateViolation) {
        violationCount += 1
        if firstViolation == nil { firstViolation = violation }
    }

    /// Adds one parameter tensor's outcome: its worst entry replaces the
    /// current one only when strictly worse (the first wins ties).
    mutating func merge(_ outcome: TensorOutcome) {
        if let local = outcome.worst, local.relativeError > (worst?.relativeError ?? -1) { worst = local }
        if let violation = outcome.firstViolation {
            fail(violation)
            violationCount += outcome.violationCount - 1
        }
    }

    /// A tensor outside every rescaling group: must be byte-equal.
    mutating func verifyUnchanged(_ a: Tensor, _ b: Tensor) {
        guard a.dtype == b.dtype, a.shape == b.shape else {
            fail(CertificateViolation(
                entry: CertificateEntry(tensor: a.name, index: [], unit: nil, relativeError: .infinity),
                expected: nil, actual: nil,
                reason: "is \(a.dtype.numpyName) \(a.shape) in A but \(b.dtype.numpyName) \(b.shape) in B"))
            return
        }
        guard let firstByte = a.firstDifferingByte(from: b) else { return }
        let element = firstByte / a.dtype.byteCount
        let shape = a.shape
        var coordinates = [Int](repeating: 0, count: shape.count)
        var rest = element
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            coordinates[axis] = rest % max(shape[axis], 1); rest /= max(shape[axis], 1)
        }
        let (va, vb) = (a.doubleValue(at: element), b.doubleValue(at: element))
        fail(CertificateViolation(
            entry: CertificateEntry(tensor: a.name, index: coordinates, unit: nil, relativeError: .infinity),
            expected: va, actual: vb,
            reason: "is outside every rescaling group (running statistics, counters, blocked layers, optimizer state) "
                + "and must be byte-equal, but element \(coordinates) is \(va) in A and \(vb) in B"))
    }
}
