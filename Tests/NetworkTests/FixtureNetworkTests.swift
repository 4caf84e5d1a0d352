import Foundation
import Testing
import Network
import Rescaling
import TestSupport
import WeightFiles

/// Every fixture network, built from its file as `fulcrum check` builds it
/// (spec, Keras architecture, or inference for Keras weight files without
/// one), against the manifest: `expected_check` counts and reasons, and the
/// framework's own outputs on the probe inputs — before and after random
/// group scales — while moving a blocked unit changes them.
@Suite struct FixtureNetworkTests {
    struct Loaded {
        var file: any WeightFile
        var network: Network
        var source: NetworkSource
        var entry: NetworkManifest.NetworkEntry
        var key: String
    }

    static func load(_ path: String) throws -> Loaded {
        let (_, key, entry) = try NetworkManifest.entry(path)
        let file = try WeightFileOpener.open(Fixtures.url(path))
        let loaded = try NetworkLoader.load(file: file, spec: entry.spec.map { Fixtures.url($0) }, activation: .relu)
        return Loaded(file: file, network: loaded.network, source: loaded.source, entry: entry, key: key)
    }

    /// The reference outputs for every probe input, flattened.
    static func outputs(_ network: Network, _ file: any WeightFile, inputs: [[Double]]) throws -> [[Double]] {
        let forward = try ReferenceForward(network: network, file: file)
        return try inputs.map { try forward.run($0) }
    }

    static func probes(_ entry: NetworkManifest.NetworkEntry) -> (inputs: [[Double]], outputs: [[Double]]) {
        (entry.probeInputs.map { $0.map(\.value) }, entry.probeOutputs.map { $0.map(\.value) })
    }

    /// Largest |a − b| over all probes, and the largest |b| (the scale).
    static func difference(_ a: [[Double]], _ b: [[Double]]) -> (max: Double, scale: Double) {
        let pairs = zip(a, b).flatMap { zip($0, $1) }
        return (pairs.map { abs($0 - $1) }.max() ?? .infinity, pairs.map { abs($1) }.max() ?? 0)
    }

    /// True when `ours` matches the framework's float32 outputs.
    static func close(_ ours: [[Double]], _ theirs: [[Double]]) -> Bool {
        guard ours.count == theirs.count, zip(ours, theirs).allSatisfy({ $0.count == $1.count }) else { return false }
        let (difference, scale) = difference(ours, theirs)
        return difference <= 1e-4 * (1 + scale)
    }

    /// A copy of the file's tensors with `structure` applied, as an in-memory file.
    static func moved(_ file: any WeightFile, _ structure: RescalingStructure, by z: LogScales) throws -> MemoryWeightFile {
        var memory = MemoryWeightFile(path: file.url.path, format: file.format, framework: file.framework,
                                      tensors: try file.readAll(), architectureJSON: file.architectureJSON,
                                      layerWeights: file.layerWeights)
        memory = memory.replacing(try structure.parameters.map { try file.read($0.tensor).rescaled(by: z, as: $0) })
        return memory
    }

    @Test func theManifestHasNetworkFixtures() throws {
        let manifest = try NetworkManifest.load()
        #expect(manifest.files.filter { $0.network != nil }.count >= 20)
        #expect(manifest.networks.count >= 10)
    }

    @Test func theLZFFileIsAnalysedFromShapesButItsValuesAreRefused() throws {
        let loaded = try Self.load(NetworkManifest.unreadableFile)
        #expect(try rescalingStructure(of: loaded.network, file: loaded.file).groups.count == loaded.entry.expectedCheck.groups)
        let error = #expect(throws: WeightFileError.self) { try loaded.file.read("0.weight") }
        #expect(error.map(String.init(describing:))?.contains("lzf") == true)
    }

    @Test(arguments: NetworkManifest.networkFiles)
    func checkCountsAndReasonsMatchTheManifest(path: String) throws {
        let loaded = try Self.load(path)
        let expected = loaded.entry.expectedCheck
        #expect(loaded.network.layout.rawValue == loaded.entry.layout)
        #expect(loaded.network.inputShape == loaded.entry.inputShape)
        if loaded.entry.spec != nil { #expect(loaded.source == .spec) }
        else if loaded.file.architectureJSON != nil { #expect(loaded.source == .kerasConfig) }
        else { #expect(loaded.source == .inferred && !loaded.network.assumptions.isEmpty) }

        let structure = try rescalingStructure(of: loaded.network, file: loaded.file)
        #expect(structure.groups.reduce(0) { $0 + $1.units.count } == expected.rescalableUnits, "\(path)")
        #expect(structure.groups.count == expected.groups, "\(path)")
        for blocked in expected.blocked {
            let units = structure.blocked.filter { $0.node == blocked.node }
            #expect(units.count == blocked.count, "\(path): node \(blocked.node)")
            for unit in units {
                #expect(unit.reason.contains(blocked.reasonContains), "\(path): \(unit.node):\(unit.index) '\(unit.reason)'")
            }
        }
        #expect(structure.blocked.count == expected.blocked.reduce(0) { $0 + $1.count }, "\(path): \(structure.blocked.map(\.node))")
    }

    @Test(arguments: NetworkManifest.readableNetworkFiles)
    func theBuiltNetworkComputesTheFrameworksOutputs(path: String) throws {
        let loaded = try Self.load(path)
        let (inputs, expected) = Self.probes(loaded.entry)
        let ours = try Self.outputs(loaded.network, loaded.file, inputs: inputs)
        #expect(Self.close(ours, expected), "\(path): \(Self.difference(ours, expected))")
    }

    @Test(arguments: NetworkManifest.readableNetworkFiles)
    func groupScalesKeepTheFrameworksOutputs(path: String) throws {
        let loaded = try Self.load(path)
        let structure = try rescalingStructure(of: loaded.network, file: loaded.file)
        let (inputs, expected) = Self.probes(loaded.entry)
        let original = try Self.outputs(loaded.network, loaded.file, inputs: inputs)
        var random = TestRandom(seed: UInt64(path.utf8.count) &* 7919)

        // Powers of two: exact in every float type, so bit-identical outputs.
        let integer = structure.groups.map { _ in (2 * random.next()).rounded() }
        let exact = try Self.moved(loaded.file, structure, by: integer)
        #expect(try Self.outputs(loaded.network, exact, inputs: inputs) == original, "\(path)")

        // Arbitrary scales: equal up to float rounding (only where the
        // stored type keeps enough precision for the framework tolerance).
        let dtypes = try Set(structure.parameters.map { try loaded.file.info($0.tensor).dtype })
        if dtypes.isSubset(of: [.float32, .float64]) {
            let continuous = structure.groups.map { _ in random.next() }
            let moved = try Self.moved(loaded.file, structure, by: continuous)
            #expect(moved.tensors != (try loaded.file.readAll()))
            let ours = try Self.outputs(loaded.network, moved, inputs: inputs)
            #expect(Self.close(ours, expected), "\(path): \(Self.difference(ours, expected))")
        }
    }

    @Test(arguments: NetworkManifest.readableNetworkFiles)
    func movingABlockedUnitChangesTheOutputs(path: String) throws {
        let loaded = try Self.load(path)
        let structure = try rescalingStructure(of: loaded.network, file: loaded.file)
        let (inputs, _) = Self.probes(loaded.entry)
        let original = try Self.outputs(loaded.network, loaded.file, inputs: inputs)
        let scale = original.flatMap { $0 }.map(abs).max() ?? 1
        // Every blocked node, all its blocked units at once (a single unit
        // may be dead on every probe).
        var nodes: [String] = []
        for unit in structure.blocked where !nodes.contains(unit.node) { nodes.append(unit.node) }
        for node in nodes {
            let units = structure.blocked.filter { $0.node == node }
            let moved = try Self.carelesslyMoved(units, loaded.network, loaded.file)
            let after = try Self.outputs(loaded.network, moved, inputs: inputs)
            #expect(Self.difference(after, original).max > 1e-3 * (1 + scale), "\(path): moving \(node) (\(units[0].reason))")
        }
        #expect(!nodes.isEmpty)
    }

    /// The file with the blocked `units` (of one node) moved as a rescaler
    /// that ignored their blocker would move them: the blocking node (named
    /// in the reason) is taken for an identity, and the units' groups scaled
    /// by 2^10 (a large factor, so clipping and curvature show on the probes);
    /// units that stay blocked even then (outputs) have only their
    /// producers scaled.
    static func carelesslyMoved(_ units: [BlockedUnit], _ network: Network, _ file: any WeightFile) throws -> MemoryWeightFile {
        guard let first = units.first, let node = network.nodes.first(where: { $0.name == first.node }) else {
            throw ReferenceForward.Unsupported(description: "no blocked units")
        }
        let labels = Set(units.map { "\($0.node):\($0.index)" })
        if let range = first.reason.range(of: #"\(node [^)]+\)"#, options: .regularExpression) {
            let blocker = String(first.reason[range].dropFirst(6).dropLast())
            var relaxed = network
            if let index = relaxed.nodes.firstIndex(where: { $0.name == blocker }) {
                relaxed.nodes[index].op = .activation(.identity)
                let structure = try rescalingStructure(of: relaxed, file: file)
                let z = structure.groups.map { group in group.units.contains(where: labels.contains) ? 10.0 : 0.0 }
                if z.contains(10) { return try moved(file, structure, by: z) }
            }
        }
        let producers: [(String, Int)]
        switch node.op {
        case let .linear(weight, bias): producers = [(weight, network.layout.linearAxes.out)] + (bias.map { [($0, 0)] } ?? [])
        case let .conv2d(conv): producers = [(conv.weight, network.layout.convAxes.out)] + (conv.bias.map { [($0, 0)] } ?? [])
        case let .batchNorm(bn): producers = [bn.gamma, bn.beta].compactMap { $0 }.map { ($0, 0) }
        default: throw ReferenceForward.Unsupported(description: "\(node.name) has no producers")
        }
        var memory = MemoryWeightFile(path: file.url.path, tensors: try file.readAll())
        for (tensorName, axis) in producers {
            let stored = try file.read(tensorName)
            var groups = [Int](repeating: -1, count: stored.shape[axis])
            for unit in units { groups[unit.index] = 0 }
            let role = ParameterRole(tensor: tensorName, node: node.name, kind: .weight, shape: stored.shape, outAxis: axis,
                                     outGroups: groups, inAxis: nil, inGroups: [])
            memory = memory.replacing([stored.rescaled(by: [10], as: role)])
        }
        return memory
    }
}
