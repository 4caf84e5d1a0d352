import Audit
import Foundation
import Testing

/// The metrics of real fixture files against the values NumPy and PyTorch
/// computed in fixtures/make_audit_reference.py.
@Suite struct ReferenceMetricsTests {
    /// (reference network, file) pairs that this build can open.
    static let cases: [(String, String)] = [
        ("torch_mlp", "torch_mlp/model.safetensors"),
        ("torch_mlp", "torch_mlp/model.npz"),
        ("torch_mlp", "torch_mlp/model.h5"),
        ("torch_cnn", "torch_cnn/model.safetensors"),
        ("torch_cnn", "torch_cnn/model.npz"),
        ("torch_cnn", "torch_cnn/model.h5"),
        ("torch_resnet", "torch_resnet/model.safetensors"),
        ("torch_blockers", "torch_blockers/model.safetensors"),
        ("torch_input_skip", "torch_input_skip/model.safetensors"),
        ("keras_mlp", "keras_mlp/model.h5"),
        ("keras_mlp", "keras_mlp/model.keras"),
        ("keras_cnn", "keras_cnn/model.h5"),
        ("keras_cnn", "keras_cnn/model.keras"),
        ("keras_resnet", "keras_resnet/model.h5"),
        ("keras_resnet", "keras_resnet/model.keras"),
    ]

    @Test(arguments: cases)
    func layerMetricsEqualNumPy(network: String, file: String) throws {
        let reference = try AuditFixture.reference(network)
        let metrics = try AuditFixture.metrics(file: file, spec: reference["spec"] as? String)
        let layers = try #require(reference["layers"] as? [[String: Any]])
        #expect(metrics.layers.map(\.name) == layers.compactMap { $0["name"] as? String })
        for (layer, expected) in zip(metrics.layers, layers) {
            let name = layer.name
            #expect(layer.outUnits == expected["out_units"] as? Int, "\(name) out_units")
            #expect(layer.fanIn == expected["fan_in"] as? Int, "\(name) fan_in")
            expectClose(layer.sigmaW2, referenceNumber(expected["sigma_w2"]), "\(name) sigma_w2")
            expectClose(layer.critical, referenceNumber(expected["critical"]), "\(name) critical")
            let singular = try #require(expected["singular_values"] as? [Double])
            expectClose(layer.singularMax, singular.first, "\(name) singular_max")
            expectClose(layer.singularMin, singular.last, "\(name) singular_min")
            expectClose(layer.conditionNumber, referenceNumber(expected["condition_number"]), tolerance: 1e-8,
                        "\(name) condition_number")
            expectClose(layer.orthogonalityError, referenceNumber(expected["orthogonality_error"]),
                        "\(name) orthogonality_error")
            #expect(layer.deadUnits == expected["dead_units"] as? Int, "\(name) dead_units")

            let units = try #require(expected["units"] as? [Any])
            let rescalable = units.enumerated().compactMap { $0.element is NSNull ? nil : $0.offset }
            #expect(layer.units.map(\.index) == rescalable, "\(name) rescalable units")
            var balances: [Double] = []
            for unit in layer.units {
                let reference = try #require(units[unit.index] as? [String: Any])
                expectClose(unit.inNorm, referenceNumber(reference["in_norm"]), "\(name):\(unit.index) in_norm")
                expectClose(unit.outNorm, referenceNumber(reference["out_norm"]), "\(name):\(unit.index) out_norm")
                expectClose(unit.balance, referenceNumber(reference["balance"]), "\(name):\(unit.index) balance")
                expectClose(unit.conserved, referenceNumber(reference["conserved"]), "\(name):\(unit.index) conserved")
                if let balance = referenceNumber(reference["balance"]) { balances.append(balance) }
            }
            let mean = balances.isEmpty ? nil : balances.reduce(0, +) / Double(balances.count)
            let worst = balances.max { abs($0) < abs($1) }
            expectClose(layer.balanceMean, mean, "\(name) balance_mean")
            expectClose(layer.balanceWorst, worst, "\(name) balance_worst")
        }
    }

    @Test(arguments: cases)
    func networkMetricsEqualNumPy(network: String, file: String) throws {
        let reference = try AuditFixture.reference(network)
        let metrics = try AuditFixture.metrics(file: file, spec: reference["spec"] as? String)
        let expected = try #require(reference["network_metrics"] as? [String: Any])
        #expect(metrics.network.rescalableUnits == expected["rescalable_units"] as? Int)
        expectClose(metrics.network.lpqNorm, referenceNumber(expected["lpq_norm"]), "lpq_norm")
        expectClose(metrics.network.lpqBalancedMin, referenceNumber(expected["lpq_balanced_min"]), tolerance: 1e-8,
                    "lpq_balanced_min")
        if let minimum = referenceNumber(expected["lpq_balanced_min"]), let norm = referenceNumber(expected["lpq_norm"]) {
            expectClose(metrics.network.unbalanceRatio, norm / minimum, tolerance: 1e-8, "unbalance_ratio")
        }
        expectClose(metrics.network.pathNormL1, referenceNumber(expected["path_norm_l1"]), "path_norm_l1")
        expectClose(metrics.network.pathNormL2, referenceNumber(expected["path_norm_l2"]), "path_norm_l2")
        if referenceNumber(expected["path_norm_l1"]) == nil {
            #expect(metrics.network.pathNormNote?.contains("not positively homogeneous") == true)
        }
        #expect(metrics.network.nanCount == 0 && metrics.network.infCount == 0)
    }
}
