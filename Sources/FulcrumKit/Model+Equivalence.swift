import Foundation

extension Model {
    /// Proves that `other` computes the same function as this model, as
    /// `fulcrum diff` does: a certificate (the scale of every rescaling
    /// group recovered from the pair of files, every parameter of `other`
    /// checked against this model's moved by them, every other tensor
    /// byte-equal; true for all inputs), then both networks evaluated on
    /// `probes` seeded inputs.
    /// - Parameters:
    ///   - probes: seeded random inputs uniform in [-1, 1) of the network's
    ///     input shape; 0 skips the output comparison (`outputs` is nil).
    ///   - precision: the arithmetic of the probe evaluation.
    ///   - tolerance: for scales that are not powers of two, the largest
    ///     error accepted, relative to the norm of each element's row.
    /// - Returns: the report; `equivalent` says whether the files compute
    ///   the same function and `failureDescription` where they differ.
    /// - Throws: when a tensor cannot be read, or the probes cannot be run
    ///   (unknown input shape: set `inputShape` when opening the model).
    public func equivalence(to other: any WeightFile, probes: Int = 8, seed: UInt64 = ProbeInputs.defaultSeed,
                            precision: Precision = .float32,
                            tolerance: Double = EquivalenceCertifier.defaultTolerance) throws -> EquivalenceReport {
        let probeInputs: ProbeInputs? = probes > 0
            ? .seeded(count: probes, seed: seed, sampleShape: network.inputShape) : nil
        return try verifyEquivalence(original: TensorSource(file: file), rescaled: TensorSource(file: other),
                                     network: network, structure: structure, probes: probeInputs,
                                     precision: precision, tolerance: tolerance)
    }
}
