import Network
import WeightFiles

/// Computes the health metrics of a network (see `FileMetrics`).
public enum Auditor {
    /// Every metric of `subject`. Throws `AuditError` when a tensor the
    /// network names is missing or has the wrong shape, or LAPACK fails.
    public static func metrics(of subject: AuditSubject, options: MetricOptions = MetricOptions()) throws -> FileMetrics {
        var tensors = TensorTable(subject.tensors)
        let network = subject.network, structure = subject.structure
        let norms = try GroupNorms(structure: structure, tensors: &tensors)
        let consumers = network.consumers()
        var rolesByNode: [String: [ParameterRole]] = [:]
        for role in structure.parameters { rolesByNode[role.node, default: []].append(role) }

        var layers: [LayerMetrics] = []
        for (index, node) in network.nodes.enumerated() {
            guard let matrix = try LayerMatrix.of(node, layout: network.layout, tensors: &tensors) else { continue }
            let groups = unitGroups(of: index, matrix: matrix, network: network, consumers: consumers,
                                    rolesByNode: rolesByNode)
            let following = try FollowingActivation.after(node: index, in: network, tensors: &tensors)
            layers.append(try layerMetrics(matrix, following: following, groups: groups, norms: norms, options: options))
        }

        let lpq = try LpqNorm.value(network: network, p: options.p, q: options.q, tensors: &tensors)
        let balancedMinimum = try BalancedMinimum.value(of: subject, p: options.p, q: options.q, tensors: &tensors)
        var pathNorms: [Double?] = []
        var pathNote: String?
        for q in [1.0, 2.0] {
            switch try PathNorm.compute(network: network, q: q, tensors: &tensors) {
            case let .value(value): pathNorms.append(value)
            case let .undefined(reason): pathNorms.append(nil); pathNote = reason
            }
        }
        let live = (0..<structure.groups.count).compactMap { norms.unit(index: $0, group: $0).balance }
        var nanCount = 0, infCount = 0
        for tensor in subject.tensors.values where tensor.dtype.isFloatingPoint {
            let counts = nonFiniteCounts(tensor.doubles())
            nanCount += counts.nan; infCount += counts.inf
        }
        let summary = NetworkMetrics(
            p: options.p, q: options.q, lpqNorm: lpq, lpqBalancedMin: balancedMinimum,
            unbalanceRatio: balancedMinimum.flatMap { $0 > 0 ? lpq / $0 : nil },
            pathNormL1: pathNorms[0], pathNormL2: pathNorms[1], pathNormNote: pathNote,
            rescalableUnits: structure.groups.count, blockedUnits: structure.blocked.count,
            deadUnits: layers.reduce(0) { $0 + $1.deadUnits },
            balanceMean: mean(live), balanceWorst: worst(live), nanCount: nanCount, infCount: infCount)
        return FileMetrics(layers: layers, network: summary)
    }

    /// The rescaling group of each output unit of a layer (−1 = not
    /// rescalable): from the layer's own weight role, or, when the layer
    /// feeds a batch norm alone, from the batch norm's γ/β role (the unit is
    /// rescaled at the BN output).
    static func unitGroups(of index: Int, matrix: LayerMatrix, network: Network, consumers: [[Int]],
                           rolesByNode: [String: [ParameterRole]]) -> [Int] {
        let none = [Int](repeating: -1, count: matrix.outUnits)
        func outGroups(_ node: String, kinds: Set<ParameterRole.Kind>) -> [Int]? {
            guard let role = rolesByNode[node]?.first(where: { kinds.contains($0.kind) }),
                  role.outGroups.count == matrix.outUnits else { return nil }
            return role.outGroups
        }
        if let own = outGroups(matrix.node, kinds: [.weight, .bias]), own.contains(where: { $0 >= 0 }) { return own }
        if consumers[index].count == 1, case .batchNorm = network.nodes[consumers[index][0]].op,
           let bn = outGroups(network.nodes[consumers[index][0]].name, kinds: [.bnGamma, .bnBeta]) {
            return bn
        }
        return none
    }

    static func layerMetrics(_ matrix: LayerMatrix, following: FollowingActivation, groups: [Int],
                             norms: GroupNorms, options: MetricOptions) throws -> LayerMetrics {
        let weightSquares = matrix.values.reduce(0) { $0 + $1 * $1 }
        let sigmaW2 = matrix.outUnits > 0 ? weightSquares / Double(matrix.outUnits) : 0
        var counts = nonFiniteCounts(matrix.values)
        if let bias = matrix.bias {
            let biasCounts = nonFiniteCounts(bias)
            counts.nan += biasCounts.nan; counts.inf += biasCounts.inf
        }

        var singularMax: Double?, singularMin: Double?, condition: Double?, orthogonality: Double?
        if options.singularValues, counts.nan == 0, counts.inf == 0, matrix.outUnits > 0, matrix.fanIn > 0 {
            var singular: [Double] = []
            for block in matrix.blocks() {
                singular += try SingularValues.of(block, rows: matrix.outUnits / matrix.groups,
                                                  columns: matrix.fanIn, node: matrix.node)
            }
            if let largest = singular.max(), let smallest = singular.min() {
                singularMax = largest
                singularMin = smallest
                condition = smallest > 0 ? largest / smallest : .infinity
                let deviation = singular.reduce(0) { $0 + ($1 * $1 - 1) * ($1 * $1 - 1) }
                orthogonality = (deviation / Double(singular.count)).squareRoot()
            }
        }

        var units: [UnitMetrics] = []
        var dead = 0
        for o in 0..<matrix.outUnits {
            let g = groups[o]
            if g >= 0 { units.append(norms.unit(index: o, group: g)) }
            if matrix.rowIsZero(o) || (g >= 0 && norms.isDead(g)) { dead += 1 }
        }
        let balances = units.compactMap(\.balance)
        let conserved = units.map(\.conserved)
        let critical = following.critical
        return LayerMetrics(
            name: matrix.node, kind: matrix.kind.rawValue, outUnits: matrix.outUnits, fanIn: matrix.fanIn,
            groups: matrix.groups, activation: following.name, sigmaW2: sigmaW2, critical: critical,
            sigmaW2Ratio: critical.map { sigmaW2 / $0 }, singularMax: singularMax, singularMin: singularMin,
            conditionNumber: condition, orthogonalityError: orthogonality, rescalableUnits: units.count,
            balanceMean: mean(balances), balanceWorst: worst(balances), conservedMean: mean(conserved),
            conservedMin: conserved.min(), conservedMax: conserved.max(), deadUnits: dead,
            nanCount: counts.nan, infCount: counts.inf, units: units)
    }

    static func nonFiniteCounts(_ values: [Double]) -> (nan: Int, inf: Int) {
        var nan = 0, inf = 0
        for value in values where !value.isFinite { if value.isNaN { nan += 1 } else { inf += 1 } }
        return (nan, inf)
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The value of largest magnitude (the first one on ties).
    static func worst(_ values: [Double]) -> Double? {
        values.reduce(nil) { best, value in
            guard let best else { return value }
            return abs(value) > abs(best) ? value : best
        }
    }
}
