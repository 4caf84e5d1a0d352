import Foundation

/// `fulcrum balance` for one file, short of writing it: opens `file`,
/// works out its network (from `spec`, the file's Keras architecture, or a
/// ReLU chain inferred from tensor names), finds the scales minimising
/// `norm`, moves the tensors and proves the result equivalent with 8 probes.
/// Write it with `RescaleResult.write(to:)`. Tensors are read from the
/// file as they are needed (`TensorLoading.onDemand`), so memory stays near
/// the size of the moved tensors.
/// - Parameters:
///   - exact: power-of-two scales, so outputs stay bit-identical (the
///     default); false for the continuous optimum.
/// - Throws: the errors of `Model.init(contentsOf:...)` and `Rebalancer.balance`.
public func balance(file: URL, spec: URL? = nil, norm: Norm = .l2,
                    exact: Bool = true) throws -> RescaleResult<BalanceResult> {
    try Rebalancer().balance(Model(contentsOf: file, spec: spec, loading: .onDemand), norm: norm,
                             options: BalanceOptions(exact: exact))
}

/// `fulcrum align` for one file, short of writing it: kernel-aligned scales
/// (see `Rebalancer.align`), proven equivalent with 8 probes.
/// - Parameters:
///   - inputShape: one sample's input shape in the layout's order, for files
///     whose spec or architecture does not give it.
///   - exact: power-of-two scales (the default); false for the continuous optimum.
/// - Throws: the errors of `Model.init(contentsOf:...)` and `Rebalancer.align`.
public func align(file: URL, spec: URL? = nil, inputShape: [Int]? = nil,
                  exact: Bool = true) throws -> RescaleResult<AlignmentResult> {
    try Rebalancer().align(Model(contentsOf: file, spec: spec, inputShape: inputShape),
                           options: AlignmentOptions(exact: exact))
}

/// `fulcrum diff A B`: whether `b` computes the same function as `a`, with
/// the network read from `a` (see `Model.equivalence(to:probes:...)`), the
/// tensors of both read from the files tensor by tensor.
/// - Throws: when either file or the spec cannot be read, or the network
///   cannot be evaluated.
public func diff(_ a: URL, _ b: URL, spec: URL? = nil, probes: Int = 8) throws -> EquivalenceReport {
    try Model(contentsOf: a, spec: spec, loading: .onDemand).equivalence(to: WeightFileOpener.open(b), probes: probes)
}

/// `fulcrum audit` for one file: its health metrics checked against
/// `config`. Never throws: a file that cannot be audited comes back with
/// status `.error` and the reason in `error`.
public func audit(file: URL, spec: URL? = nil, config: AuditConfig = AuditConfig()) -> FileAudit {
    do {
        return try Model(contentsOf: file, spec: spec).audit(config: config)
    } catch {
        return FileAudit(path: file.path, error: "\(error)")
    }
}
