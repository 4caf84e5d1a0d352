import Foundation

/// The human-readable report: per file a status line, a table of the
/// layers, the network metrics and the crossed thresholds. ANSI colour
/// only when asked (the command asks when stdout is a terminal).
extension AuditReport {
    /// The report as text, ending with a newline.
    public func text(colour: Bool) -> String {
        var out: [String] = []
        for (position, file) in files.enumerated() {
            if position > 0 { out.append("") }
            out.append(paint(statusWord(file.status), file.status == .pass ? "32" : "1;31", colour) + "  " + file.path)
            if let error = file.error { out.append("  error: \(error)") }
            guard let metrics = file.metrics else { continue }
            out += table(metrics.layers, failures: file.failures, colour: colour).map { "  " + $0 }
            out += networkLines(metrics.network).map { "  " + $0 }
            for failure in file.failures { out.append("  " + paint("✗ " + failure.message, "31", colour)) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func statusWord(_ status: AuditStatus) -> String {
        switch status {
        case .pass: return "PASS "
        case .fail: return "FAIL "
        case .error: return "ERROR"
        }
    }

    private func paint(_ text: String, _ code: String, _ colour: Bool) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Columns: header, the failure metrics that mark the cell, the value.
    private typealias Column = (header: String, metrics: Set<String>, value: (LayerMetrics) -> String)

    private var columns: [Column] {
        [
            ("layer", [], { $0.name }),
            ("kind", [], { $0.kind }),
            ("out×fan_in", [], { "\($0.outUnits)×\($0.fanIn)" }),
            ("activation", [], { $0.activation }),
            ("σw²", [], { Self.short($0.sigmaW2) }),
            ("crit", [], { Self.short($0.critical) }),
            ("ratio", ["sigma_w2_deviation"], { Self.short($0.sigmaW2Ratio) }),
            ("σmax", ["singular_max"], { Self.short($0.singularMax) }),
            ("σmin", ["singular_min"], { Self.short($0.singularMin) }),
            ("cond", ["condition_number"], { Self.short($0.conditionNumber) }),
            ("orth", ["orthogonality_error"], { Self.short($0.orthogonalityError) }),
            ("bal mean", ["balance_mean"], { Self.short($0.balanceMean) }),
            ("bal worst", ["balance_worst"], { Self.short($0.balanceWorst) }),
            ("dead", [], { String($0.deadUnits) }),
        ]
    }

    private func table(_ layers: [LayerMetrics], failures: [ThresholdFailure], colour: Bool) -> [String] {
        guard !layers.isEmpty else { return ["(no linear or conv2d layers)"] }
        let columns = self.columns
        let cells = layers.map { layer in columns.map { $0.value(layer) } }
        let widths = columns.indices.map { c in
            max(columns[c].header.count, cells.map { $0[c].count }.max() ?? 0)
        }
        func row(_ values: [String], marks: [Bool]) -> String {
            values.indices.map { c in
                let padded = values[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
                return marks[c] ? paint(padded, "31", colour) : padded
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var lines = [row(columns.map(\.header), marks: columns.map { _ in false })]
        for (index, layer) in layers.enumerated() {
            let failed = Set(failures.filter { $0.layer == layer.name }.map(\.metric))
            lines.append(row(cells[index], marks: columns.map { !$0.metrics.isDisjoint(with: failed) }))
        }
        return lines
    }

    private func networkLines(_ network: NetworkMetrics) -> [String] {
        let p = Self.short(network.p), q = Self.short(network.q)
        var lpq = "ℓ\(p),\(q) norm \(Self.short(network.lpqNorm))"
        if let minimum = network.lpqBalancedMin {
            lpq += ", balanced minimum \(Self.short(minimum)), unbalance ratio \(Self.short(network.unbalanceRatio))"
        }
        var paths = "path-norm ℓ1 \(Self.short(network.pathNormL1)), ℓ2 \(Self.short(network.pathNormL2))"
        if let note = network.pathNormNote { paths += " (\(note))" }
        return [
            "network: " + lpq,
            "         " + paths,
            "         rescalable units \(network.rescalableUnits), blocked \(network.blockedUnits), "
                + "dead \(network.deadUnits), balance mean \(Self.short(network.balanceMean)) "
                + "worst \(Self.short(network.balanceWorst)), NaN \(network.nanCount), Inf \(network.infCount)",
        ]
    }

    /// Four significant digits; "-" for nil.
    static func short(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return String(format: "%.4g", value)
    }
}
