import Network
import WeightFiles

/// How `alignKernel` searches.
public struct AlignmentOptions: Sendable, Equatable {
    /// Stop when one sweep's summed |Δz| over all groups is below this, in
    /// log2 units (the reference code's `tol` is in natural-log units of its
    /// Z = 2·ln2·z: tol_ref = 2·ln2·tolerance). Must be ≥ 0; 0 runs
    /// `maxSweeps` sweeps.
    public var tolerance: Double
    /// Upper bound on continuous sweeps (each touches every parameter once). Must be ≥ 1.
    public var maxSweeps: Int
    /// Integer log2 scales (powers of two: the rescaled network computes
    /// bit-identical outputs). When false, the continuous optimum.
    public var exact: Bool
    /// Upper bound on passes of the integer descent in exact mode.
    public var maxIntegerPasses: Int
    /// Adaptive over-relaxation of the continuous sweeps (same optimum,
    /// fewer sweeps on large networks; F still never increases). False runs
    /// the reference code's plain update, sweep for sweep.
    public var overRelaxation: Bool

    /// The defaults are the CLI's: tolerance 1e-6, at most 100 sweeps,
    /// exact mode, over-relaxed sweeps.
    public init(tolerance: Double = 1e-6, maxSweeps: Int = 100, exact: Bool = true, maxIntegerPasses: Int = 1000,
                overRelaxation: Bool = true) {
        self.tolerance = tolerance; self.maxSweeps = maxSweeps; self.exact = exact
        self.maxIntegerPasses = maxIntegerPasses; self.overRelaxation = overRelaxation
    }
}

/// The outcome of kernel-aligned rescaling.
///
/// The criterion is F = n·ln(arithmetic mean / geometric mean) of the
/// rescaled kernel diagonal over the n parameter elements whose diagonal
/// entry is positive: 0 when every entry is equal, larger the more they spread.
public struct AlignmentResult: Sendable, Equatable {
    /// Log2 scale per `RescalingGroup` (index = group id): apply with
    /// `Tensor.rescaled(by:as:)`. Integers in exact mode.
    public var z: LogScales
    /// Whether `z` is the exact (power-of-two) answer.
    public var exact: Bool
    /// F of the network as given (z = 0).
    public var criterionBefore: Double
    /// F at `z`; never above `criterionBefore` in exact mode.
    public var criterionAfter: Double
    /// F at the continuous solution (equal to `criterionAfter` when not exact).
    public var continuousCriterion: Double
    /// F at the continuous solution rounded to integers, before the integer
    /// descent; nil when not exact.
    public var roundedCriterion: Double?
    /// Continuous sweeps run.
    public var sweeps: Int
    /// F after each continuous sweep (non-increasing).
    public var history: [Double]
    /// Whether the continuous sweeps met the tolerance before `maxSweeps`.
    public var converged: Bool
    /// The over-relaxation factor ω the sweeps ended with (1: plain updates).
    public var relaxation: Double
    /// Passes of the integer descent that moved a group (exact mode).
    public var integerPasses: Int
    /// n: the parameter elements in the criterion.
    public var parameterCount: Int
    /// Parameter elements left out because their diagonal entry is 0.
    public var zeroEntries: Int
    /// Assumptions made while computing the kernel.
    public var notes: [String]

    /// A result from its parts, field by field.
    public init(z: LogScales, exact: Bool, criterionBefore: Double, criterionAfter: Double,
                continuousCriterion: Double, roundedCriterion: Double?, sweeps: Int, history: [Double],
                converged: Bool, relaxation: Double, integerPasses: Int, parameterCount: Int, zeroEntries: Int, notes: [String]) {
        self.z = z; self.exact = exact; self.criterionBefore = criterionBefore; self.criterionAfter = criterionAfter
        self.continuousCriterion = continuousCriterion; self.roundedCriterion = roundedCriterion
        self.sweeps = sweeps; self.history = history; self.converged = converged
        self.relaxation = relaxation
        self.integerPasses = integerPasses; self.parameterCount = parameterCount
        self.zeroEntries = zeroEntries; self.notes = notes
    }
}

/// Kernel-aligned rescaling of a network: computes the path-kernel
/// diagonal (see `PathKernelDiagonal`), then the log2 group scales that
/// minimise the criterion (see `AlignmentResult`).
///
/// Groups with a blocked unit, and units in no group, stay at z = 0.
/// - Throws: `PathKernelError` for a network or tensors the kernel cannot
///   be computed on, roles that do not fit the tensors, or bad options.
public func alignKernel(network: Network, tensors: [String: Tensor], structure: RescalingStructure,
                        inputShape: [Int]? = nil, options: AlignmentOptions = AlignmentOptions()) throws -> AlignmentResult {
    let diagonal = try pathKernelDiagonal(network: network, tensors: tensors, inputShape: inputShape)
    return try alignKernel(diagonal: diagonal, structure: structure, options: options)
}

/// Kernel-aligned rescaling from a diagonal already computed.
///
/// Continuous: Gauss–Seidel sweeps over groups in id order, each an exact
/// minimisation along one group's log-scale (the positive root of a
/// quadratic), adaptively over-relaxed unless `options.overRelaxation` is
/// false; F never increases. Exact: the continuous solution
/// rounded, then integer coordinate descent (±1 per group while F
/// improves); if that ends above F at z = 0, the descent restarts from 0.
public func alignKernel(diagonal: PathKernelDiagonal, structure: RescalingStructure,
                        options: AlignmentOptions = AlignmentOptions()) throws -> AlignmentResult {
    guard options.tolerance >= 0, options.tolerance.isFinite else {
        throw PathKernelError.invalidOptions("tolerance \(options.tolerance) must be a non-negative number")
    }
    guard options.maxSweeps >= 1 else {
        throw PathKernelError.invalidOptions("max sweeps \(options.maxSweeps) must be at least 1")
    }
    guard options.maxIntegerPasses >= 0 else {
        throw PathKernelError.invalidOptions("max integer passes \(options.maxIntegerPasses) must not be negative")
    }
    let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: structure)
    let zero = [Double](repeating: 0, count: problem.groupCount)
    let before = problem.criterion(zero)
    let continuous = problem.solveContinuous(from: zero, tolerance: options.tolerance, maxSweeps: options.maxSweeps,
                                             overRelax: options.overRelaxation)
    let continuousCriterion = problem.criterion(continuous.z)
    var z = continuous.z, rounded: Double? = nil, passes = 0
    if options.exact {
        let integer = problem.integerSolution(near: continuous.z, maxPasses: options.maxIntegerPasses)
        z = integer.z; rounded = integer.roundedCriterion; passes = integer.passes
    }
    return AlignmentResult(z: z, exact: options.exact, criterionBefore: before, criterionAfter: problem.criterion(z),
                           continuousCriterion: continuousCriterion, roundedCriterion: rounded,
                           sweeps: continuous.history.count, history: continuous.history,
                           converged: continuous.converged, relaxation: continuous.omega, integerPasses: passes,
                           parameterCount: problem.count, zeroEntries: problem.zeroEntries, notes: diagonal.notes)
}

/// The criterion F = n·ln(mean/geometric mean) of the kernel diagonal
/// rescaled by the log2 group scales `z` (natural logarithm; elements with
/// a zero entry left out). `z.count` must equal the number of groups.
/// - Throws: `PathKernelError.invalidRole` when the roles do not fit, or
///   `invalidOptions` when `z` has the wrong length.
public func kernelAlignmentCriterion(diagonal: PathKernelDiagonal, structure: RescalingStructure,
                                     z: LogScales) throws -> Double {
    let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: structure)
    guard z.count == problem.groupCount else {
        throw PathKernelError.invalidOptions("\(z.count) scales for \(problem.groupCount) groups")
    }
    return problem.criterion(z)
}
