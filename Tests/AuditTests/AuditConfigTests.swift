import Audit
import Foundation
import Testing

@Suite struct AuditConfigTests {
    @Test func readsEveryKeyFromYAML() throws {
        let config = try AuditConfig.parse("""
            max_condition_number: 1e4
            max_singular_value: 10
            min_singular_value: 0.001
            max_orthogonality_error: 3
            sigma_w2_tolerance: 0.5
            max_abs_balance: 2
            max_abs_balance_mean: 1
            max_unbalance_ratio: 1.5
            max_dead_units: 0
            max_path_norm_l1: 100
            max_path_norm_l2: 10
            forbid_nan: true
            forbid_inf: false
            p: 1
            q: 2
            singular_values: false
            layers:
              fc3: {max_condition_number: 1e6, sigma_w2_tolerance: null}
            """, path: "ci.yaml")
        #expect(config.layerLimits == [.maxConditionNumber: 1e4, .maxSingularValue: 10, .minSingularValue: 0.001,
                                       .maxOrthogonalityError: 3, .sigmaW2Tolerance: 0.5, .maxAbsBalance: 2,
                                       .maxAbsBalanceMean: 1])
        #expect(config.maxUnbalanceRatio == 1.5 && config.maxDeadUnits == 0)
        #expect(config.maxPathNormL1 == 100 && config.maxPathNormL2 == 10)
        #expect(config.forbidNaN && !config.forbidInf)
        #expect(config.metricOptions == MetricOptions(p: 1, q: 2, singularValues: false))
        let fc3 = config.limits(forLayer: "fc3")
        #expect(fc3[.maxConditionNumber] == 1e6 && fc3[.sigmaW2Tolerance] == nil && fc3[.maxAbsBalance] == 2)
        #expect(config.limits(forLayer: "fc1")[.maxConditionNumber] == 1e4)
    }

    @Test func readsJSON() throws {
        let config = try AuditConfig.parse(#"{"max_condition_number": 100, "forbid_nan": false}"#, path: "c.json")
        #expect(config.layerLimits[.maxConditionNumber] == 100 && !config.forbidNaN && config.forbidInf)
    }

    @Test func emptyFileIsTheDefault() throws {
        #expect(try AuditConfig.parse("", path: "empty.yaml") == AuditConfig())
    }

    @Test(arguments: [
        ("max_condition: 3", "empty.yaml: unknown key 'max_condition'"),
        ("max_condition_number: lots", "empty.yaml: 'max_condition_number' must be a number, got lots"),
        ("forbid_nan: 1", "empty.yaml: 'forbid_nan' must be true or false, got 1"),
        ("p: 0.5", "empty.yaml: 'p' must be a finite number ≥ 1, got 0.5"),
        ("layers: {fc1: {max_dead: 1}}", "empty.yaml: unknown key 'layers.fc1.max_dead'"),
        ("- 1\n- 2", "empty.yaml: expected a mapping of threshold keys at the top level"),
    ])
    func badConfigurationsNameTheFileAndKey(text: String, message: String) {
        do {
            _ = try AuditConfig.parse(text, path: "empty.yaml")
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test func loadNamesAMissingFile() {
        #expect(throws: AuditConfigError.self) {
            try AuditConfig.load(contentsOf: URL(fileURLWithPath: "/nonexistent/thresholds.yaml"))
        }
    }
}

@Suite struct ThresholdTests {
    static func metrics() throws -> FileMetrics { try Auditor.metrics(of: try HandBuiltMetricsTests.mlp(layout: .torch)) }

    @Test func crossedLimitsFailWithMessages() throws {
        // fc1: cond ≈ 6.34, σ_w² ratio 26/6 ≈ 4.33, worst balance ln 2; fc2: cond 1, ratio 78.
        let config = try AuditConfig.parse("""
            max_condition_number: 5
            sigma_w2_tolerance: 0.5
            max_abs_balance: 0.5
            max_dead_units: 0
            max_path_norm_l1: 40
            layers: {fc2: {sigma_w2_tolerance: null}}
            """, path: "t.yaml")
        let failures = config.failures(of: try Self.metrics())
        #expect(failures.map(\.key) == ["max_condition_number", "sigma_w2_tolerance", "max_abs_balance", "max_dead_units"])
        #expect(failures.map(\.layer) == ["fc1", "fc1", "fc1", nil])
        #expect(failures[0].message.hasPrefix("fc1: condition_number 6.342"))
        #expect(failures[0].message.hasSuffix("> max_condition_number 5"))
        #expect(failures[3].message == "dead_units 1 > max_dead_units 0")
        #expect(failures[1].value == 26.0 / 6 - 1)
    }

    @Test func limitsThatHoldPass() throws {
        let config = try AuditConfig.parse("""
            max_condition_number: 10
            min_singular_value: 0.1
            max_abs_balance: 1
            max_dead_units: 1
            max_path_norm_l1: 38
            """, path: "t.yaml")
        #expect(config.failures(of: try Self.metrics()).isEmpty)
    }

    @Test func lowerBoundFailsBelow() throws {
        let config = try AuditConfig.parse("min_singular_value: 1", path: "t.yaml")
        let failures = config.failures(of: try Self.metrics())
        #expect(failures.map(\.metric) == ["singular_min"] && failures[0].message.contains("< min_singular_value 1"))
    }

    @Test func nanMetricFails() throws {
        var metrics = try Self.metrics()
        metrics.layers[0].conditionNumber = .nan
        let failures = try AuditConfig.parse("max_condition_number: 1e9", path: "t.yaml").failures(of: metrics)
        #expect(failures.count == 1 && failures[0].message == "fc1: condition_number is NaN (max_condition_number 1000000000)")
    }
}
