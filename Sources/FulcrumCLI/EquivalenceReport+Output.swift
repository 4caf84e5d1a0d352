import Evaluation
import Foundation

/// The `diff` report as JSON and text; `balance` and `align` include the same
/// `certificate` and `outputs` objects in their reports.
extension EquivalenceReport {
    /// The `certificate` object:
    /// `{"holds", "exact", "tolerance", "scales_log2": [...], "undetermined_groups": [...],
    /// "worst": {"tensor", "index", "unit", "relative_error"} | null, "violation_count",
    /// "first_violation": {"tensor", "index", "unit", "expected", "actual", "relative_error", "reason"} | null}`.
    /// Non-finite numbers (an infinite relative error) are written as null.
    var certificateJSON: JSONValue {
        let certificate = self.certificate
        return .object([
            ("holds", .bool(certificate.holds)),
            ("exact", .bool(certificate.exact)),
            ("tolerance", .double(certificate.tolerance)),
            ("scales_log2", .array(certificate.scalesLog2.map(JSONValue.double))),
            ("undetermined_groups", .array(certificate.undeterminedGroups.map(JSONValue.int))),
            ("worst", certificate.worst.map(Self.entryJSON) ?? .null),
            ("violation_count", .int(certificate.violationCount)),
            ("first_violation", certificate.firstViolation.map { violation in
                guard case let .object(pairs) = Self.entryJSON(violation.entry) else { return .null }
                return .object(pairs + [("expected", .number(violation.expected)), ("actual", .number(violation.actual)),
                                        ("reason", .string(violation.reason))])
            } ?? .null),
        ])
    }

    /// The `outputs` object, or null when no probes were run:
    /// `{"probes", "input_shape", "precision", "max_abs_diff", "max_rel_diff", "bit_identical"}`.
    var outputsJSON: JSONValue {
        guard let outputs else { return .null }
        return .object([
            ("probes", .int(outputs.probes)),
            ("input_shape", .array(outputs.sampleShape.map(JSONValue.int))),
            ("precision", .string(outputs.precision.rawValue)),
            ("max_abs_diff", .double(outputs.maxAbsDiff)),
            ("max_rel_diff", .double(outputs.maxRelDiff)),
            ("bit_identical", .bool(outputs.bitIdentical)),
        ])
    }

    private static func entryJSON(_ entry: CertificateEntry) -> JSONValue {
        .object([
            ("tensor", .string(entry.tensor)),
            ("index", .array(entry.index.map(JSONValue.int))),
            ("unit", entry.unit.map(JSONValue.string) ?? .null),
            ("relative_error", .double(entry.relativeError)),
        ])
    }

    /// The proof in a few lines for a person.
    var text: String {
        var lines: [String] = []
        let certificate = self.certificate
        if certificate.holds {
            lines.append(certificate.exact
                ? "certificate: holds exactly (every scale a power of two, every parameter bit for bit)"
                : "certificate: holds within \(certificate.tolerance) of each row's norm")
        } else {
            lines.append("certificate: does not hold (\(certificate.violationCount) violation(s))")
        }
        let scales = certificate.scalesLog2
        if let low = scales.min(), let high = scales.max() {
            let moved = scales.filter { $0 != 0 }.count
            lines.append("  scales: \(scales.count) group(s), \(moved) moved, log2 from \(low) to \(high)")
        } else {
            lines.append("  scales: no rescaling groups")
        }
        if !certificate.undeterminedGroups.isEmpty {
            lines.append("  undetermined groups (no usable element of A and B fixes their scale): \(certificate.undeterminedGroups)")
        }
        if let worst = certificate.worst {
            lines.append("  worst entry: \(Self.describe(worst)), relative error \(worst.relativeError)")
        }
        if let failure = failureDescription { lines.append("  first violation: \(failure)") }
        if let outputs {
            let verdict = outputs.bitIdentical ? "bit-identical" : "not bit-identical"
            lines.append("outputs on \(outputs.probes) probe(s) of shape \(outputs.sampleShape) (\(outputs.precision.rawValue)): "
                + "\(verdict), max abs diff \(outputs.maxAbsDiff), max rel diff \(outputs.maxRelDiff)")
        }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ entry: CertificateEntry) -> String {
        var text = "tensor '\(entry.tensor)'"
        if !entry.index.isEmpty { text += " at \(entry.index)" }
        if let unit = entry.unit { text += " (unit \(unit))" }
        return text
    }
}
