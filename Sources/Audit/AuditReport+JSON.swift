/// The JSON report: one stable document with snake_case keys (documented
/// in docs/audit.md). Keys always appear, with null for metrics that were
/// not computed; non-finite numbers are the strings "nan", "inf", "-inf".
extension AuditReport {
    /// The document's schema version; raised only on incompatible changes.
    public static let jsonSchemaVersion = 1

    /// The report as JSON text, ending with a newline.
    public func json() -> String {
        let shardValue: JSONValue = shard.map { .object([("index", .int($0.index)), ("count", .int($0.count))]) } ?? .null
        let document = JSONValue.object([
            ("schema_version", .int(Self.jsonSchemaVersion)),
            ("shard", shardValue),
            ("summary", .object([
                ("files", .int(files.count)), ("passed", .int(passed)),
                ("failed", .int(failed)), ("errors", .int(errors)),
            ])),
            ("files", .array(files.map { jsonValue(of: $0) })),
        ])
        return document.serialized() + "\n"
    }

    func jsonValue(of file: FileAudit) -> JSONValue {
        .object([
            ("path", .string(file.path)),
            ("status", .string(file.status.rawValue)),
            ("error", .string(file.error)),
            ("failures", .array(file.failures.map { failure in
                .object([
                    ("metric", .string(failure.metric)), ("key", .string(failure.key)),
                    ("layer", .string(failure.layer)), ("value", .number(failure.value)),
                    ("limit", .number(failure.limit)), ("message", .string(failure.message)),
                ])
            })),
            ("network", file.metrics.map { jsonValue(of: $0.network) } ?? .null),
            ("layers", .array((file.metrics?.layers ?? []).map { jsonValue(of: $0) })),
        ])
    }

    func jsonValue(of network: NetworkMetrics) -> JSONValue {
        .object([
            ("p", .number(network.p)), ("q", .number(network.q)),
            ("lpq_norm", .number(network.lpqNorm)),
            ("lpq_balanced_min", .number(network.lpqBalancedMin)),
            ("unbalance_ratio", .number(network.unbalanceRatio)),
            ("path_norm_l1", .number(network.pathNormL1)),
            ("path_norm_l2", .number(network.pathNormL2)),
            ("path_norm_note", .string(network.pathNormNote)),
            ("rescalable_units", .int(network.rescalableUnits)),
            ("blocked_units", .int(network.blockedUnits)),
            ("dead_units", .int(network.deadUnits)),
            ("balance_mean", .number(network.balanceMean)),
            ("balance_worst", .number(network.balanceWorst)),
            ("nan_count", .int(network.nanCount)),
            ("inf_count", .int(network.infCount)),
        ])
    }

    func jsonValue(of layer: LayerMetrics) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(layer.name)), ("kind", .string(layer.kind)),
            ("out_units", .int(layer.outUnits)), ("fan_in", .int(layer.fanIn)), ("groups", .int(layer.groups)),
            ("activation", .string(layer.activation)),
            ("sigma_w2", .number(layer.sigmaW2)), ("critical", .number(layer.critical)),
            ("sigma_w2_ratio", .number(layer.sigmaW2Ratio)),
            ("singular_max", .number(layer.singularMax)), ("singular_min", .number(layer.singularMin)),
            ("condition_number", .number(layer.conditionNumber)),
            ("orthogonality_error", .number(layer.orthogonalityError)),
            ("rescalable_units", .int(layer.rescalableUnits)),
            ("balance_mean", .number(layer.balanceMean)), ("balance_worst", .number(layer.balanceWorst)),
            ("conserved_mean", .number(layer.conservedMean)), ("conserved_min", .number(layer.conservedMin)),
            ("conserved_max", .number(layer.conservedMax)),
            ("dead_units", .int(layer.deadUnits)), ("nan_count", .int(layer.nanCount)),
            ("inf_count", .int(layer.infCount)),
        ]
        if includeUnits {
            members.append(("units", .array(layer.units.map { unit in
                .object([
                    ("index", .int(unit.index)), ("group", .int(unit.group)),
                    ("in_norm", .number(unit.inNorm)), ("out_norm", .number(unit.outNorm)),
                    ("balance", .number(unit.balance)), ("conserved", .number(unit.conserved)),
                ])
            })))
        }
        return .object(members)
    }
}
