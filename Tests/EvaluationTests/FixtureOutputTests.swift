import Evaluation
import Foundation
import Network
import TestSupport
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

extension FixtureOutputTests {
    /// Files this build cannot read, and why: the formats layer refuses them
    /// (its own tests check the refusal).
    static let unreadable: [String: String] = [
        "hdf5_variants/lzf.h5": "LZF-compressed datasets: libhdf5 has no LZF filter",
    ]

    /// Every fixture file that belongs to a network, in manifest order.
    static var networkFiles: [String] {
        let paths = NetworkFixtures.shared.files
            .filter { $0.network != nil && unreadable[$0.path] == nil }
            .map(\.path)
        return paths.isEmpty ? ["(fixtures/manifest.json unreadable)"] : paths
    }

    @Test("every fixture file, opened and understood by fulcrum, matches the framework outputs",
          arguments: networkFiles)
    func fileThroughBuildersMatchesFramework(path: String) throws {
        let manifest = NetworkFixtures.shared
        let entry = try manifest.file(path)
        let name = try #require(entry.network)
        let network = try manifest.network(name)
        let file = try WeightFileOpener.open(Fixtures.url(path))
        let loaded = try NetworkLoader.load(file: file, spec: network.spec.map(Fixtures.url))
        let evaluator = try ForwardEvaluator(network: loaded.network, parameters: TensorSource(file: file))
        #expect(try evaluator.inputShape() == network.inputShape)
        let outputs = try evaluator.evaluate(network.probeInputs.flatMap { $0 }, count: network.probeInputs.count)
        let ours = outputs.flatMap(\.values), expected = network.probeOutputs.flatMap { $0 }
        #expect(ours.count == expected.count)
        let worst = Self.worstRelativeDifference(ours, expected)
        print("[evaluator] \(path) (\(loaded.source.rawValue)): worst relative difference \(worst)")
        #expect(worst <= 1e-5, "\(path): worst relative difference \(worst)")
    }
}
