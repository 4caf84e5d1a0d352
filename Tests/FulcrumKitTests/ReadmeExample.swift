// The library example of README.md, compiled and run by ReadmeExampleTests.
// The lines between the markers appear verbatim in README.md (a test checks).

// README example begin
import Foundation
import FulcrumKit

/// Rebalances a PyTorch state dict, writes the copy, and proves it.
func rebalance(_ weights: URL, spec: URL, to output: URL) throws -> RescaleResult<BalanceResult> {
    // Open the file and work out its network and rescaling symmetry.
    let model = try Model(contentsOf: weights, spec: spec)
    print("\(model.structure.groups.count) rescaling groups, \(model.structure.blocked.count) blocked units")

    // Minimal l2 norm over power-of-two scales, proven equivalent
    // (certificate + 8 probes) before it is returned.
    let result = try Rebalancer().balance(model, norm: .l2)
    print("l2 objective \(result.report.objectiveBefore) -> \(result.report.objectiveAfter)")
    try result.write(to: output)  // atomic, in the file's own format

    // Prove it again from the two files on disk, as `fulcrum diff` does.
    let proof = try diff(weights, output, spec: spec)
    print(proof.equivalent ? "equivalent" : "NOT equivalent: \(proof.failureDescription ?? "")")

    // Network health, as `fulcrum audit` reports it.
    let health = audit(file: output, spec: spec)
    print("audit: \(health.status), unbalance ratio \(health.metrics?.network.unbalanceRatio ?? .nan)")
    return result
}
// README example end
