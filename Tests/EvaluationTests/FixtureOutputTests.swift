import Evaluation
import Foundation
import Network
import Testing
import WeightFiles

/// The evaluator against the outputs PyTorch and Keras computed for every
/// fixture network (probe_inputs/probe_outputs in fixtures/manifest.json).
@Suite struct FixtureOutputTests {
    /// Largest |ours − framework| over all outputs, divided by the largest
    /// |framework output| (the output scale).
    static func worstRelativeDifference(_ ours: [Double], _ theirs: [Double]) -> Double {
        let scale = theirs.map(abs).max() ?? 0
        let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
        return scale > 0 ? worst / scale : worst
    }

    @Test("hand-built network matches the framework outputs", arguments: NetworkFixtures.networkNames)
    func handBuiltNetworkMatchesFramework(name: String) throws {
        let manifest = NetworkFixtures.shared
        let entry = try manifest.network(name)
        let file = try manifest.file(HandBuiltNetworks.file(for: name))
        let network = try HandBuiltNetworks.network(name, inputShape: entry.inputShape)
        let source = TensorSource(orderedTensors: file.tensors, label: file.path)
        let inputs = entry.probeInputs.flatMap { $0 }
        let expected = entry.probeOutputs.flatMap { $0 }
        for precision in Precision.allCases {
            let evaluator = try ForwardEvaluator(network: network, parameters: source, precision: precision)
            let outputs = try evaluator.evaluate(inputs, count: entry.probeInputs.count)
            #expect(outputs.count == 1)
            let ours = outputs.flatMap(\.values)
            #expect(ours.count == expected.count)
            let worst = Self.worstRelativeDifference(ours, expected)
            print("[evaluator] \(name) \(file.path) \(precision.rawValue): worst relative difference \(worst)")
            #expect(worst <= 1e-5, "\(name) in \(precision.rawValue): worst relative difference \(worst)")
        }
    }
}
