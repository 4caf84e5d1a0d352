import Foundation
import Network
import WeightFiles

/// What `fulcrum check` reports about one file: where its network came
/// from, which units can be rescaled, which are blocked and why.
///
/// The `--json` document (`json`), with keys in this order:
/// - `file`: the path as given;
/// - `source`: `keras_config` (the architecture the Keras file carries),
///   `spec` (the `--spec` file) or `inferred` (from tensor names and shapes);
/// - `assumptions`: what inference assumed, in plain words (empty otherwise);
/// - `layers`: every node but the input, in topological order, each
///   `{name, op, units, rescalable, blocked}` — `units` is the node's output
///   channels for linear, conv2d and batchnorm nodes and 0 for the rest;
/// - `rescalable_units`: units in rescalable groups;
/// - `groups`: the number of rescalable groups (one scale each);
/// - `blocked_units`: `[{node, index, reason}]`, the reason naming the op
///   and node that blocks the unit ("feeds tanh (node act2)",
///   "feeds batchnorm (node bn1)", "network output", "network input", …;
///   several reasons are joined by "; ");
/// - `residual_groups`: `[{id, units}]`, the groups that tie more than one
///   unit (channels joined by a residual add), units as "node:index".
struct CheckReport {
    struct Layer: Equatable {
        var name: String
        var op: String
        var units: Int
        var rescalable: Int
        var blocked: Int
        /// Distinct reasons of this layer's blocked units.
        var reasons: [String]
    }

    var file: String
    var source: NetworkSource
    var specPath: String?
    var assumptions: [String]
    var layers: [Layer]
    var rescalableUnits: Int
    var groups: [RescalingGroup]
    var blocked: [BlockedUnit]

    /// Builds the network of `file` (spec, Keras architecture or inference)
    /// and analyses it. `spec` is the spec path as the user gave it.
    /// - Throws: `NetworkError` when the network cannot be understood.
    init(file: WeightFile, displayPath: String, spec: String?, activation: Activation) throws {
        let loaded = try NetworkLoader.load(file: file, spec: spec.map { URL(fileURLWithPath: $0) }, activation: activation)
        let analysis = try HomogeneityAnalysis(network: loaded.network, file: file)
        self.init(displayPath: displayPath, loaded: loaded, analysis: analysis, specPath: spec)
    }

    init(displayPath: String, loaded: LoadedNetwork, analysis: HomogeneityAnalysis, specPath: String?) {
        file = displayPath
        source = loaded.source
        self.specPath = specPath
        assumptions = loaded.network.assumptions
        let structure = analysis.structure
        var blockedByNode: [String: [BlockedUnit]] = [:]
        for unit in structure.blocked { blockedByNode[unit.node, default: []].append(unit) }
        layers = analysis.network.nodes.enumerated().dropFirst().map { index, node in
            let units = analysis.unitCounts[index]
            let blocked = blockedByNode[node.name] ?? []
            var reasons: [String] = []
            for unit in blocked where !reasons.contains(unit.reason) { reasons.append(unit.reason) }
            return Layer(name: node.name, op: node.op.displayName, units: units,
                         rescalable: units - blocked.count, blocked: blocked.count, reasons: reasons)
        }
        rescalableUnits = structure.groups.reduce(0) { $0 + $1.units.count }
        groups = structure.groups
        blocked = structure.blocked
    }

    var residualGroups: [RescalingGroup] { groups.filter { $0.units.count > 1 } }

    /// The `--json` document (keys documented on the type).
    var json: JSONValue {
        .object([
            ("file", .string(file)),
            ("source", .string(source.rawValue)),
            ("assumptions", .array(assumptions.map(JSONValue.string))),
            ("layers", .array(layers.map { layer in
                .object([("name", .string(layer.name)), ("op", .string(layer.op)), ("units", .int(layer.units)),
                         ("rescalable", .int(layer.rescalable)), ("blocked", .int(layer.blocked))])
            })),
            ("rescalable_units", .int(rescalableUnits)),
            ("groups", .int(groups.count)),
            ("blocked_units", .array(blocked.map { unit in
                .object([("node", .string(unit.node)), ("index", .int(unit.index)), ("reason", .string(unit.reason))])
            })),
            ("residual_groups", .array(residualGroups.map { group in
                .object([("id", .int(group.id)), ("units", .array(group.units.map(JSONValue.string)))])
            })),
        ])
    }

    /// The human-readable report: source, assumptions, a table per layer
    /// and totals.
    var text: String {
        var lines = [file]
        switch source {
        case .kerasConfig: lines.append("network: the Keras architecture stored in the file")
        case .spec: lines.append("network: spec \(specPath ?? "")")
        case .inferred: lines.append("network: inferred from tensor names and shapes")
        }
        if !assumptions.isEmpty {
            lines.append("assumptions:")
            lines += assumptions.map { "  - \($0)" }
        }
        lines.append("")
        let header = ["layer", "op", "units", "rescalable", "blocked", "why"]
        let rows = layers.map { layer -> [String] in
            let counts = layer.units == 0 ? ["-", "-", "-"] : [String(layer.units), String(layer.rescalable), String(layer.blocked)]
            return [layer.name, layer.op] + counts + [layer.reasons.joined(separator: "; ")]
        }
        let widths = (0..<5).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func render(_ row: [String]) -> String {
            var cells: [String] = []
            for column in 0..<5 {
                let cell = row[column]
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                cells.append(column < 2 ? cell + padding : padding + cell)
            }
            let line = cells.joined(separator: "  ") + (row[5].isEmpty ? "" : "  " + row[5])
            return line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        lines.append(render(header))
        lines += rows.map(render)
        lines.append("")
        let residual = residualGroups.count
        lines.append("total: \(rescalableUnits) rescalable units in \(groups.count) groups "
                     + "(\(residual) residual group\(residual == 1 ? "" : "s")), \(blocked.count) blocked units")
        if residual > 0 {
            lines.append("residual groups:")
            lines += residualGroups.map { "  group \($0.id): \($0.units.joined(separator: ", "))" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
