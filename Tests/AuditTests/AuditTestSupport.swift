import Audit
import Foundation
import Network
import TestSupport
import Testing
import WeightFiles

/// Helpers shared by the audit tests.
enum AuditFixture {
    /// The metrics of a fixture file, through the same steps as the command:
    /// open, load the network (spec or the file's own architecture), analyse
    /// the symmetry, read every tensor.
    static func metrics(file: String, spec: String?, options: MetricOptions = MetricOptions()) throws -> FileMetrics {
        let weightFile = try WeightFileOpener.open(Fixtures.url(file))
        let network = try NetworkLoader.load(file: weightFile, spec: spec.map { Fixtures.url($0) }).network
        let structure = try rescalingStructure(of: network, file: weightFile)
        var tensors: [String: Tensor] = [:]
        for name in weightFile.tensorNames { tensors[name] = try weightFile.read(name) }
        return try Auditor.metrics(of: AuditSubject(network: network, structure: structure, tensors: tensors),
                                   options: options)
    }

    /// fixtures/reference/audit_<network>.json, parsed by Foundation.
    static func reference(_ network: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Fixtures.url("reference/audit_\(network).json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

/// A number from reference JSON: a JSON number, or "inf"/"-inf"/"nan"; nil for null.
func referenceNumber(_ value: Any?) -> Double? {
    switch value {
    case let number as NSNumber: return number.doubleValue
    case let text as String: return text == "inf" ? .infinity : text == "-inf" ? -.infinity : .nan
    default: return nil
    }
}

/// |a − b| ≤ tolerance · max(1, |b|), with matching nil and infinities.
func expectClose(_ actual: Double?, _ expected: Double?, tolerance: Double = 1e-9, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    switch (actual, expected) {
    case (nil, nil): return
    case let (a?, e?):
        if e.isInfinite || a.isInfinite { #expect(a == e, "\(what): \(a) vs \(e)", sourceLocation: sourceLocation); return }
        #expect(abs(a - e) <= tolerance * max(1, abs(e)), "\(what): \(a) vs \(e)", sourceLocation: sourceLocation)
    default:
        Issue.record("\(what): \(String(describing: actual)) vs \(String(describing: expected))",
                     sourceLocation: sourceLocation)
    }
}
