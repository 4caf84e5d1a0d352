import Network
import WeightFiles

/// The proof that a rescaled parameter set computes what the original did:
/// the certificate (for all inputs) and, when probes were run, the outputs
/// on them.
public struct EquivalenceReport: Sendable, Equatable {
    /// The certificate recovered from the two parameter sets.
    public var certificate: EquivalenceCertificate
    /// Outputs on probe inputs, or nil when no probes were run.
    public var outputs: OutputComparison?
    /// The largest `outputs.maxRelDiff` accepted when the certificate holds
    /// but is not exact.
    public var outputTolerance: Double

    /// A report from its parts.
    public init(certificate: EquivalenceCertificate, outputs: OutputComparison?,
                outputTolerance: Double = defaultOutputTolerance) {
        self.certificate = certificate; self.outputs = outputs; self.outputTolerance = outputTolerance
    }

    /// Equivalent: the certificate holds, and the probe outputs (if any)
    /// agree — bit for bit when the certificate is exact, else within
    /// `outputTolerance` of the output scale. Probes that disagree although
    /// the certificate holds mean the rescaling structure itself is wrong.
    public var equivalent: Bool {
        guard certificate.holds else { return false }
        guard let outputs else { return true }
        return certificate.exact ? outputs.bitIdentical : outputs.maxRelDiff <= outputTolerance
    }

    /// Why the pair is not equivalent, for a person; nil when it is.
    public var failureDescription: String? {
        if let violation = certificate.firstViolation {
            var location = "tensor '\(violation.entry.tensor)'"
            if !violation.entry.index.isEmpty { location += " at \(violation.entry.index)" }
            if let unit = violation.entry.unit { location += " (unit \(unit))" }
            return "\(location) \(violation.reason)"
        }
        guard !equivalent, let outputs else { return nil }
        return certificate.exact
            ? "the certificate is exact but the outputs on \(outputs.probes) probes are not bit-identical "
                + "(max abs diff \(outputs.maxAbsDiff)): the rescaling structure does not describe this network"
            : "outputs on \(outputs.probes) probes differ by \(outputs.maxRelDiff) of the output scale, "
                + "more than \(outputTolerance): the rescaling structure does not describe this network"
    }
}

/// The default largest relative output difference accepted for a
/// certificate with non-power-of-two scales.
public let defaultOutputTolerance = 1e-4

/// Checks that `rescaled` computes what `original` does: recovers the
/// certificate over `structure`, then, unless `probes` is nil, evaluates
/// `network` on the probes with both parameter sets (in `precision`), one
/// after the other: the original's evaluator is released before the
/// rescaled parameters are loaded.
///
/// This is what `balance` and `align` call before renaming their output into
/// place: a report that is not `equivalent` means the file must not be
/// written. Throws when a tensor cannot be read, the structure does not fit
/// the tensors, or the network cannot be evaluated.
public func verifyEquivalence(original: TensorSource, rescaled: TensorSource, network: Network,
                              structure: RescalingStructure,
                              probes: ProbeInputs? = .seeded(count: 8, seed: ProbeInputs.defaultSeed, sampleShape: nil),
                              precision: Precision = .float32,
                              tolerance: Double = EquivalenceCertifier.defaultTolerance,
                              outputTolerance: Double = defaultOutputTolerance) throws -> EquivalenceReport {
    let certificate = try EquivalenceCertifier.certify(original: original, candidate: rescaled,
                                                       structure: structure, tolerance: tolerance)
    var outputs: OutputComparison?
    if let probes {
        // One parameter set loaded at a time: A's evaluator is released once
        // its outputs are kept.
        let reference = try ForwardEvaluator(network: network, parameters: original, precision: precision)
            .outputs(on: probes)
        outputs = try ForwardEvaluator(network: network, parameters: rescaled, precision: precision)
            .compare(against: reference)
    }
    return EquivalenceReport(certificate: certificate, outputs: outputs, outputTolerance: outputTolerance)
}

/// `verifyEquivalence` for an original file and the rescaled tensors about to
/// replace some of its tensors (every other tensor is taken from the file).
public func verifyEquivalence(original: any WeightFile, replacements: [Tensor], network: Network,
                              structure: RescalingStructure,
                              probes: ProbeInputs? = .seeded(count: 8, seed: ProbeInputs.defaultSeed, sampleShape: nil),
                              precision: Precision = .float32) throws -> EquivalenceReport {
    let source = TensorSource(file: original)
    let rescaled = TensorSource(overlaying: replacements, on: source, label: "\(source.label) (rescaled)")
    return try verifyEquivalence(original: source, rescaled: rescaled, network: network, structure: structure,
                                 probes: probes, precision: precision)
}
