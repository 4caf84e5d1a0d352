import Foundation

/// Moves a model to a better point of its rescaling symmetry and proves
/// that the result computes what the original did: what `fulcrum balance`
/// and `fulcrum align` do for one file, short of writing it.
///
/// Both methods refuse a model whose movable parameters hold NaN or ±Inf,
/// move only the tensors of rescalable units, and (unless `verify` is false)
/// throw `RescaleError.notEquivalent` when the proof fails, so a returned
/// result is always safe to write.
public struct Rebalancer: Sendable {
    /// Prove equivalence before returning (the default). The proof is a
    /// certificate (every scale recovered from the pair of tensor sets and
    /// every tensor checked, true for all inputs) plus `probes` inputs run
    /// through both networks.
    public var verify: Bool
    /// Seeded random probe inputs of the proof (0: the certificate only).
    /// Probes need the network's input shape; in exact mode their outputs
    /// must be bit-identical.
    public var probes: Int

    /// A rebalancer that verifies with `probes` seeded inputs.
    public init(verify: Bool = true, probes: Int = 8) {
        self.verify = verify
        self.probes = probes
    }

    /// Minimal-norm rebalancing (Saul, "Weight-balancing fixes and flows",
    /// TMLR 2023): the scales minimising the entrywise ℓ_{p,q} norm of
    /// `norm` (or the max norm) over the symmetry. In exact mode
    /// (`options.exact`, the default) the scales are powers of two.
    /// - Throws: `RescaleError` (non-finite parameters, failed proof),
    ///   `BalanceError` (bad norm or options), `EvaluationError` (the network
    ///   cannot be evaluated for the proof).
    public func balance(_ model: Model, norm: Norm = .l2,
                        options: BalanceOptions = BalanceOptions()) throws -> RescaleResult<BalanceResult> {
        // Building the problem checks every movable element is finite (one
        // pass over the tensors instead of two); its error becomes the same
        // `RescaleError.nonFinite` that `align` throws.
        try rescale(model) {
            let problem: BalanceProblem
            do {
                problem = try BalanceProblem(structure: model.structure, source: model.parameters)
            } catch let BalanceError.nonFiniteValue(tensor, index, value) {
                let shape = try model.parameters.info(tensor).shape
                let flat = zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
                throw RescaleError.nonFinite(path: model.displayPath, tensor: tensor, index: flat, value: value)
            }
            let result = try Rescaling.balance(problem, norm: norm, options: options)
            return (result, result.z, result.exact)
        }
    }

    /// Kernel-aligned rescaling ("Path-conditioned training", Lebeurrier,
    /// Vayer, Gribonval 2026): the scales bringing the diagonal of the
    /// path-lifting kernel closest to a multiple of the identity. Powers of
    /// two in exact mode (`options.exact`, the default).
    /// - Throws: `RescaleError`, `PathKernelError` (the kernel cannot be
    ///   computed, e.g. the input shape is unknown for a conv net),
    ///   `EvaluationError`.
    public func align(_ model: Model,
                      options: AlignmentOptions = AlignmentOptions()) throws -> RescaleResult<AlignmentResult> {
        try rescale(model) {
            try model.requireFiniteParameters()
            let result = try alignKernel(network: model.network, tensors: model.tensors(), structure: model.structure,
                                         inputShape: model.network.inputShape, options: options)
            return (result, result.z, result.exact)
        }
    }

    /// The shared flow: solve (each method refuses non-finite parameters
    /// first), move the tensors, prove.
    private func rescale<Report: Sendable>(_ model: Model,
                                           solve: () throws -> (Report, LogScales, Bool)) throws -> RescaleResult<Report> {
        let clock = ContinuousClock()
        let solveStart = clock.now
        let (report, scales, exact) = try solve()
        let rewritten = try Self.moved(model, by: scales)
        let solved = clock.now
        var verification: EquivalenceReport?
        var verifyTime = Duration.zero
        if verify {
            verification = try prove(model, rewritten: rewritten, exact: exact)
            verifyTime = clock.now - solved
        }
        return RescaleResult(model: model, report: report, scales: scales, exact: exact, rewritten: rewritten,
                             verification: verification,
                             timing: RescaleTiming(solve: solved - solveStart, verify: verifyTime))
    }

    /// The tensors whose bytes change under `z`, moved in their own
    /// orientation. Each original is read from the model's parameters and
    /// let go once its moved copy is made.
    static func moved(_ model: Model, by z: LogScales) throws -> [Tensor] {
        var result: [Tensor] = []
        for role in model.structure.parameters {
            // Throws `noSuchTensor` naming `displayPath` (the source's label).
            let tensor = try model.parameters.tensor(role.tensor)
            let rescaled = tensor.rescaled(by: z, as: role)
            if rescaled.bytes != tensor.bytes { result.append(rescaled) }
        }
        return result
    }

    /// Runs the proof and throws unless it holds; in exact mode the
    /// certificate must be exact and the probe outputs bit-identical.
    func prove(_ model: Model, rewritten: [Tensor], exact: Bool) throws -> EquivalenceReport {
        let path = model.displayPath
        let tolerances = Self.tolerances(for: rewritten)
        let probeInputs: ProbeInputs? = probes > 0
            ? .seeded(count: probes, seed: ProbeInputs.defaultSeed, sampleShape: model.network.inputShape) : nil
        let original = model.parameters
        let report = try verifyEquivalence(original: original,
                                           rescaled: TensorSource(overlaying: rewritten, on: original,
                                                                  label: "\(path) (rescaled)"),
                                           network: model.network, structure: model.structure, probes: probeInputs,
                                           tolerance: tolerances.certificate, outputTolerance: tolerances.outputs)
        if !report.equivalent {
            throw RescaleError.notEquivalent(path: path, reason: report.failureDescription ?? "the certificate does not hold")
        }
        if exact {
            if !report.certificate.exact {
                throw RescaleError.notEquivalent(path: path, reason: "exact mode, but the certificate is not exact (a scaled weight overflowed or became subnormal)")
            }
            if let outputs = report.outputs, !outputs.bitIdentical {
                throw RescaleError.notEquivalent(path: path, reason: "exact mode, but the outputs on \(outputs.probes) probes are not bit-identical (max abs diff \(outputs.maxAbsDiff))")
            }
        }
        return report
    }

    /// The certificate's and the probe comparison's relative tolerances for
    /// continuous scales: the defaults, widened to a few units of rounding
    /// of the narrowest float type rewritten (a float16 weight moved by an
    /// arbitrary scale is only within 2^-11 of the exact product). Exact
    /// mode does not use them: it requires bit-exact tensors and outputs.
    static func tolerances(for tensors: [Tensor]) -> (certificate: Double, outputs: Double) {
        let roundoff = tensors.map { tensor -> Double in
            switch tensor.dtype {
            case .float16: return 0x1p-11
            case .bfloat16: return 0x1p-8
            case .float32: return 0x1p-24
            default: return 0x1p-53
            }
        }.max() ?? 0x1p-53
        return (max(EquivalenceCertifier.defaultTolerance, 4 * roundoff), max(defaultOutputTolerance, 64 * roundoff))
    }
}
