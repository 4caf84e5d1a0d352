import Audit
import Foundation
import Network
import Testing
import WeightFiles

/// Metrics of small networks whose values are worked out by hand.
@Suite struct HandBuiltMetricsTests {
    /// x(2) → fc1 (3 units) → relu → fc2 (1 unit), PyTorch or Keras layout.
    /// fc1 rows [3,4], [1,0], [0,0] (biases 0), fc2 row [5,2,7] (bias 1).
    /// Unit 0: ‖in‖ = 5 = ‖out‖; unit 1: ‖in‖ = 1, ‖out‖ = 2; unit 2 is dead.
    static func mlp(layout: Layout, activation: Activation = .relu) throws -> AuditSubject {
        let w1: [[Double]] = [[3, 4], [1, 0], [0, 0]], w2: [[Double]] = [[5, 2, 7]]
        func kernel(_ w: [[Double]], _ name: String) throws -> Tensor {
            let rows = w.count, columns = w[0].count
            switch layout {
            case .torch: return try Tensor(name: name, dtype: .float32, shape: [rows, columns], values: w.flatMap { $0 })
            case .keras:
                let transposed = (0..<columns).flatMap { c in (0..<rows).map { w[$0][c] } }
                return try Tensor(name: name, dtype: .float32, shape: [columns, rows], values: transposed)
            }
        }
        let tensors = [
            "fc1.w": try kernel(w1, "fc1.w"), "fc1.b": try Tensor(name: "fc1.b", dtype: .float32, shape: [3], values: [0, 0, 0]),
            "fc2.w": try kernel(w2, "fc2.w"), "fc2.b": try Tensor(name: "fc2.b", dtype: .float32, shape: [1], values: [1]),
        ]
        let network = Network(layout: layout, inputShape: [2], nodes: [
            Node(name: "input", op: .input, inputs: []),
            Node(name: "fc1", op: .linear(weight: "fc1.w", bias: "fc1.b"), inputs: [0]),
            Node(name: "act", op: .activation(activation), inputs: [1]),
            Node(name: "fc2", op: .linear(weight: "fc2.w", bias: "fc2.b"), inputs: [2]),
        ], outputs: [3])
        let (out, inn) = layout == .torch ? (0, 1) : (1, 0)
        let structure = RescalingStructure(
            groups: (0..<3).map { RescalingGroup(id: $0, units: ["fc1:\($0)"]) },
            parameters: [
                ParameterRole(tensor: "fc1.w", node: "fc1", kind: .weight, shape: tensors["fc1.w"]!.shape,
                              outAxis: out, outGroups: [0, 1, 2], inAxis: inn, inGroups: [-1, -1]),
                ParameterRole(tensor: "fc1.b", node: "fc1", kind: .bias, shape: [3], outAxis: 0,
                              outGroups: [0, 1, 2], inAxis: nil, inGroups: []),
                ParameterRole(tensor: "fc2.w", node: "fc2", kind: .weight, shape: tensors["fc2.w"]!.shape,
                              outAxis: out, outGroups: [-1], inAxis: inn, inGroups: [0, 1, 2]),
                ParameterRole(tensor: "fc2.b", node: "fc2", kind: .bias, shape: [1], outAxis: 0,
                              outGroups: [-1], inAxis: nil, inGroups: []),
            ],
            blocked: [BlockedUnit(node: "fc2", index: 0, reason: "network output")])
        return AuditSubject(network: network, structure: structure, tensors: tensors)
    }

    @Test func mlpMetricsMatchHandComputation() throws {
        let metrics = try Auditor.metrics(of: try Self.mlp(layout: .torch))
        let fc1 = metrics.layers[0], fc2 = metrics.layers[1]
        #expect(metrics.layers.map(\.name) == ["fc1", "fc2"])
        #expect(fc1.sigmaW2 == 26.0 / 3)
        #expect(fc1.critical == 2 && fc1.activation == "relu")
        // WᵀW = [[10, 12], [12, 16]]: eigenvalues 13 ± √153.
        let large = 13 + 153.0.squareRoot(), small = 13 - 153.0.squareRoot()
        expectClose(fc1.singularMax, large.squareRoot(), "σmax")
        expectClose(fc1.singularMin, small.squareRoot(), "σmin")
        expectClose(fc1.conditionNumber, (large / small).squareRoot(), "cond")
        expectClose(fc1.orthogonalityError, (((large - 1) * (large - 1) + (small - 1) * (small - 1)) / 2).squareRoot(), "orth")
        #expect(fc1.units.map(\.index) == [0, 1, 2])
        #expect(fc1.units.map(\.balance) == [0, log(2), nil])
        #expect(fc1.units.map(\.conserved) == [0, -3, -49])
        #expect(fc1.balanceMean == log(2) / 2 && fc1.balanceWorst == log(2))
        #expect(fc1.deadUnits == 1)
        #expect(fc2.sigmaW2 == 78 && fc2.critical == 1 && fc2.activation == "identity")
        expectClose(fc2.singularMax, 78.0.squareRoot(), "fc2 σ")
        #expect(fc2.conditionNumber == 1)
        expectClose(fc2.orthogonalityError, 77, "fc2 orth")
        #expect(fc2.rescalableUnits == 0 && fc2.balanceMean == nil && fc2.deadUnits == 0)
        #expect(metrics.network.lpqNorm == 105)
        // Unit 1 balances to 2·√(1·4) = 4 instead of 1 + 4; unit 0 is balanced, unit 2 dead.
        expectClose(metrics.network.lpqBalancedMin, 104, tolerance: 1e-10, "balanced minimum")
        expectClose(metrics.network.unbalanceRatio, 105.0 / 104, tolerance: 1e-10, "unbalance ratio")
        #expect(metrics.network.pathNormL1 == 38)
        expectClose(metrics.network.pathNormL2, 630.0.squareRoot(), "path ℓ2")
        #expect(metrics.network.deadUnits == 1 && metrics.network.rescalableUnits == 3 && metrics.network.blockedUnits == 1)
    }

    @Test func kerasLayoutGivesTheSameMetricsAsTorchLayout() throws {
        let torch = try Auditor.metrics(of: try Self.mlp(layout: .torch))
        let keras = try Auditor.metrics(of: try Self.mlp(layout: .keras))
        #expect(keras == torch)
    }

    @Test(arguments: [
        (Activation.leakyRelu(alpha: 0.1), 2 / 1.01 as Double?),
        (.identity, 1), (.other("tanh"), 1), (.other("gelu"), nil), (.relu, 2),
    ])
    func criticalValueFollowsTheActivation(activation: Activation, critical: Double?) throws {
        let metrics = try Auditor.metrics(of: try Self.mlp(layout: .torch, activation: activation))
        expectClose(metrics.layers[0].critical, critical, "critical")
        expectClose(metrics.layers[0].sigmaW2Ratio, critical.map { (26.0 / 3) / $0 }, "ratio")
        if case .other = activation { #expect(metrics.network.pathNormL1 == nil && metrics.network.pathNormNote != nil) }
    }

    @Test func groupedConvolutionUsesTheBlockDiagonalMatrix() throws {
        // groups = 2, 1×1 kernels: blocks [[2,0],[0,1]] and [[3,0],[0,0.5]].
        let weight = try Tensor(name: "w", dtype: .float64, shape: [4, 2, 1, 1], values: [2, 0, 0, 1, 3, 0, 0, 0.5])
        let network = Network(layout: .torch, inputShape: [4, 1, 1], nodes: [
            Node(name: "input", op: .input, inputs: []),
            Node(name: "conv", op: .conv2d(Conv2D(weight: "w", bias: nil, groups: 2)), inputs: [0]),
        ], outputs: [1])
        let subject = AuditSubject(network: network, structure: RescalingStructure(groups: [], parameters: [], blocked: []),
                                   tensors: ["w": weight])
        let layer = try #require(try Auditor.metrics(of: subject).layers.first)
        #expect(layer.groups == 2 && layer.fanIn == 2 && layer.outUnits == 4)
        expectClose(layer.singularMax, 3, "σmax")
        expectClose(layer.singularMin, 0.5, "σmin")
        expectClose(layer.conditionNumber, 6, "cond")
        expectClose(layer.orthogonalityError, ((64 + 9 + 0 + 0.5625) / 4).squareRoot(), "orth")
        #expect(layer.sigmaW2 == (4 + 1 + 9 + 0.25) / 4)
    }

    @Test func orthogonalMatrixHasNoOrthogonalityError() throws {
        let c = cos(0.3), s = sin(0.3)
        let weight = try Tensor(name: "w", dtype: .float64, shape: [2, 2], values: [c, -s, s, c])
        let network = Network(layout: .torch, inputShape: [2], nodes: [
            Node(name: "input", op: .input, inputs: []),
            Node(name: "fc", op: .linear(weight: "w", bias: nil), inputs: [0]),
        ], outputs: [1])
        let subject = AuditSubject(network: network, structure: RescalingStructure(groups: [], parameters: [], blocked: []),
                                   tensors: ["w": weight])
        let layer = try #require(try Auditor.metrics(of: subject).layers.first)
        expectClose(layer.orthogonalityError, 0, tolerance: 1e-14, "orth")
        expectClose(layer.conditionNumber, 1, tolerance: 1e-14, "cond")
    }

    @Test func nanAndInfAreCountedAndSkipTheSVD() throws {
        var subject = try Self.mlp(layout: .torch)
        subject.tensors["fc1.w"] = try Tensor(name: "fc1.w", dtype: .float32, shape: [3, 2],
                                              values: [3, .nan, 1, 0, .infinity, 0])
        subject.tensors["extra"] = try Tensor(name: "extra", dtype: .float32, shape: [2], values: [.nan, 1])
        let metrics = try Auditor.metrics(of: subject)
        #expect(metrics.layers[0].nanCount == 1 && metrics.layers[0].infCount == 1)
        #expect(metrics.layers[0].singularMax == nil && metrics.layers[0].conditionNumber == nil)
        #expect(metrics.network.nanCount == 2 && metrics.network.infCount == 1)
        #expect(metrics.network.lpqBalancedMin == nil && metrics.network.unbalanceRatio == nil)
        let failures = AuditConfig().failures(of: metrics)
        #expect(failures.map(\.key) == ["forbid_nan", "forbid_inf"])
    }

    @Test func missingTensorNamesTheNodeAndTensor() throws {
        var subject = try Self.mlp(layout: .torch)
        subject.tensors["fc2.w"] = nil
        #expect(throws: AuditError.missingTensor(node: "fc2", tensor: "fc2.w")) {
            try Auditor.metrics(of: subject)
        }
    }

    @Test func singularValuesCanBeTurnedOff() throws {
        let metrics = try Auditor.metrics(of: try Self.mlp(layout: .torch), options: MetricOptions(singularValues: false))
        #expect(metrics.layers.allSatisfy { $0.singularMax == nil && $0.orthogonalityError == nil })
        #expect(metrics.layers[0].sigmaW2 == 26.0 / 3)
    }

    @Test func lpqNormUsesTheConfiguredExponents() throws {
        // p = 1, q = 2: rows (|3|+|4|)², 1², 0², (5+2+7+1)² = 49 + 1 + 0 + 225.
        let metrics = try Auditor.metrics(of: try Self.mlp(layout: .torch), options: MetricOptions(p: 1, q: 2))
        #expect(metrics.network.lpqNorm == 275)
    }
}
