/// One element of a tensor, located for a person: the tensor, the element's
/// coordinates in the stored shape, the unit it produces and how far it is
/// from what the certificate predicts.
public struct CertificateEntry: Sendable, Equatable {
    /// Tensor name as the file spells it.
    public var tensor: String
    /// Coordinates in the tensor's stored shape.
    public var index: [Int]
    /// The produced unit as "node:index" for a parameter, nil for a tensor
    /// outside every rescaling group.
    public var unit: String?
    /// |B − expected| divided by the norm of the expected row (the elements
    /// of this tensor producing the same unit); 0 for an exact match and
    /// infinity when the row norm is 0 but the element differs.
    public var relativeError: Double
}

/// The first place where B is not A moved by the recovered scales.
public struct CertificateViolation: Sendable, Equatable {
    /// Where it happens.
    public var entry: CertificateEntry
    /// The value A predicts for B there (A moved by the recovered scales),
    /// nil when the tensor as a whole does not match (missing, other shape).
    public var expected: Double?
    /// The value B holds there, nil when B has no such element.
    public var actual: Double?
    /// What is wrong, for a person.
    public var reason: String
}

/// Proof that two parameter sets compute the same function (for every
/// input), or the first place where they do not.
///
/// It holds when every parameter tensor of B equals the same tensor of A
/// with each element multiplied by 2^(z[out] − z[in]) for one set of
/// log2-scales z (one per rescaling group, recovered from the files), and
/// every other tensor of B (running statistics, counters, blocked layers,
/// optimizer state) is byte-for-byte the one in A.
public struct EquivalenceCertificate: Sendable, Equatable {
    /// True when B is A moved along the symmetry (within `tolerance` for
    /// non-power-of-two scales).
    public var holds: Bool
    /// True when it holds, every recovered scale is a power of two and every
    /// parameter matches bit for bit: then outputs are bit-identical too.
    public var exact: Bool
    /// The recovered log2-scale of each rescaling group, by group id.
    public var scalesLog2: [Double]
    /// Groups no element determines (all their producers and consumers are
    /// zero in A); their scale is reported as 0 and cannot matter.
    public var undeterminedGroups: [Int]
    /// The element with the largest relative error (the first one on ties);
    /// nil when there are no parameter elements.
    public var worst: CertificateEntry?
    /// The first violation in A's tensor order, nil when it holds.
    public var firstViolation: CertificateViolation?
    /// How many elements (or whole tensors) violate it.
    public var violationCount: Int
    /// The relative tolerance used for non-power-of-two scales.
    public var tolerance: Double
}
