import Foundation

/// A rescaled copy of a model, proven equivalent, ready to be written.
///
/// `Report` is the method's own account: `BalanceResult` for
/// `Rebalancer.balance`, `AlignmentResult` for `Rebalancer.align`.
public struct RescaleResult<Report: Sendable>: Sendable {
    /// The model that was rescaled.
    public let model: Model
    /// What the method found (objective or criterion before and after, sweeps, …).
    public let report: Report
    /// Log2 scale per rescaling group (index = `RescalingGroup.id` in
    /// `model.structure.groups`): every unit of group g was multiplied by
    /// 2^scales[g] on its producing side and divided by it on its consuming side.
    public let scales: LogScales
    /// True when every scale is a power of two, so the rescaled network's
    /// outputs are bit-identical to the original's.
    public let exact: Bool
    /// The tensors whose bytes changed, in the order of
    /// `model.structure.parameters`; every other tensor keeps its bytes.
    public let rewritten: [Tensor]
    /// The proof of equivalence, or nil when the `Rebalancer` was told not
    /// to verify. When present it is `equivalent` (else the rebalancer threw).
    public let verification: EquivalenceReport?
    /// Wall-clock time of the solve and of the proof.
    public let timing: RescaleTiming

    /// Optimizer state left byte-identical in the copy; it no longer matches
    /// the rescaled weights (reset it before resuming training).
    public var staleOptimizerTensors: [String] { model.optimizerTensorNames }

    /// Writes the model's file with `rewritten` in place of the original
    /// tensors to `destination` (which may be the original path), in the
    /// file's own format; every other byte is kept where the format allows.
    /// Atomic: on failure `destination` is untouched.
    /// - Throws: `WeightFileError` (or an HDF5 error) naming the file.
    public func write(to destination: URL) throws {
        try model.file.write(replacing: rewritten, to: destination)
    }
}

/// How long the stages of a rescaling took.
public struct RescaleTiming: Sendable, Equatable {
    /// Finding the scales and moving the tensors.
    public var solve: Duration
    /// Proving the rescaled tensors equivalent (zero when not verified).
    public var verify: Duration

    /// A timing from its parts.
    public init(solve: Duration, verify: Duration) { self.solve = solve; self.verify = verify }
}
