import Foundation
import Network
@testable import Rescaling

/// The kernel-alignment criterion and plain Gauss–Seidel sweeps written the
/// straightforward way, element by element (the entry g·4^(z[in] − z[out])
/// of every kept element recomputed from scratch, sums left to right): the
/// reference the regrouped, blocked and parallel solver must agree with.
struct NaiveAlignment {
    var g: [Double] = []
    var out: [Int] = []
    var input: [Int] = []
    var frozen: [Bool]
    var groupCount: Int
    /// Per group, the elements that consume it and those that produce it (in ≠ out).
    var consumersOf: [[Int]] = []
    var producersOf: [[Int]] = []

    init(diagonal: PathKernelDiagonal, structure: RescalingStructure) {
        groupCount = structure.groups.count
        let blocked = Set(structure.blocked.map { "\($0.node):\($0.index)" })
        frozen = structure.groups.map { $0.units.contains(where: blocked.contains) }
        let roles = Dictionary(uniqueKeysWithValues: structure.parameters.map { ($0.tensor, $0) })
        for name in diagonal.tensorOrder {
            let values = diagonal.values[name] ?? []
            if let role = roles[name] {
                role.forEachElement { index, o, i in
                    if values[index] > 0 { g.append(values[index]); out.append(o); input.append(i) }
                }
            } else {
                for v in values where v > 0 { g.append(v); out.append(-1); input.append(-1) }
            }
        }
        consumersOf = [[Int]](repeating: [], count: groupCount)
        producersOf = consumersOf
        for k in g.indices where out[k] != input[k] {
            if input[k] >= 0 { consumersOf[input[k]].append(k) }
            if out[k] >= 0 { producersOf[out[k]].append(k) }
        }
    }

    func entry(_ k: Int, _ z: [Double]) -> Double {
        g[k] * exp2(2 * ((input[k] >= 0 ? z[input[k]] : 0) - (out[k] >= 0 ? z[out[k]] : 0)))
    }

    func criterion(_ z: [Double]) -> Double {
        let n = Double(g.count)
        var sum = 0.0, logs = 0.0
        for k in g.indices {
            let e = entry(k, z)
            sum += e
            logs += log(e)
        }
        return n * log(sum / n) - logs
    }

    /// `sweeps` plain sweeps from z = 0: F after each, and the final z.
    func sweeps(_ sweeps: Int) -> (history: [Double], z: [Double]) {
        var z = [Double](repeating: 0, count: groupCount), history: [Double] = []
        let n = Double(g.count)
        for _ in 0..<sweeps {
            var sum = g.indices.reduce(0) { $0 + entry($1, z) }
            for h in 0..<groupCount where !frozen[h] {
                let b = consumersOf[h].reduce(0) { $0 + entry($1, z) }
                let c = producersOf[h].reduce(0) { $0 + entry($1, z) }
                let consumers = consumersOf[h].count, producers = producersOf[h].count
                guard consumers + producers > 0 else { continue }
                let rest = max(sum - b - c, 0)
                // Stationary point of n·ln(rest + b·y + c/y) + a·ln y: the
                // positive root of (n+a)·b·y² + a·rest·y + (a−n)·c = 0.
                let a = Double(producers - consumers)
                let qa = (n + a) * b, qb = a * rest, qc = (a - n) * c
                let discriminant = qb * qb - 4 * qa * qc
                guard discriminant >= 0 else { continue }
                let y = qb >= 0 ? -2 * qc / (qb + discriminant.squareRoot()) : (-qb + discriminant.squareRoot()) / (2 * qa)
                guard y > 0, y.isFinite else { continue }
                z[h] += log2(y) / 2
                sum = rest + b * y + c / y
            }
            history.append(criterion(z))
        }
        return (history, z)
    }

    /// Whether elements link groups `a` and `b` (a ≠ b) in either direction.
    func links(_ a: Int, _ b: Int) -> Bool {
        consumersOf[a].contains { out[$0] == b } || producersOf[a].contains { input[$0] == b }
    }
}

/// A random positive kernel diagonal for `roles` (and role-less tensors of
/// `extra` shapes), log-uniform over 2^±`spread`, with a share of zeros.
func syntheticDiagonal(roles: [ParameterRole], extra: [(String, [Int])] = [], seed: UInt64, spread: Double = 6,
                       zeroShare: Double = 0.05) -> PathKernelDiagonal {
    var rng = SeededGenerator(seed: seed)
    var values: [String: [Double]] = [:], shapes: [String: [Int]] = [:], order: [String] = []
    for (name, shape) in roles.map({ ($0.tensor, $0.shape) }) + extra {
        order.append(name)
        shapes[name] = shape
        values[name] = (0..<shape.reduce(1, *)).map { _ in
            Double.random(in: 0..<1, using: &rng) < zeroShare ? 0 : exp2(Double.random(in: -spread...spread, using: &rng))
        }
    }
    return PathKernelDiagonal(inputShape: [1], tensorOrder: order, values: values, shapes: shapes, notes: [])
}

/// A torch-layout MLP's roles: `widths` = [input, hidden…, output]; every
/// hidden unit its own group, layer by layer; weights and biases.
func mlpRoles(_ widths: [Int]) -> (roles: [ParameterRole], groups: [RescalingGroup]) {
    var roles: [ParameterRole] = [], groups: [RescalingGroup] = []
    var previous = [Int](repeating: -1, count: widths[0])
    for layer in 1..<widths.count {
        let (inF, outF) = (widths[layer - 1], widths[layer])
        let outGroups: [Int] = layer == widths.count - 1 ? [Int](repeating: -1, count: outF) : (0..<outF).map { o in
            groups.append(RescalingGroup(id: groups.count, units: ["fc\(layer):\(o)"]))
            return groups.count - 1
        }
        roles.append(ParameterRole(tensor: "fc\(layer).weight", node: "fc\(layer)", kind: .weight, shape: [outF, inF],
                                   outAxis: 0, outGroups: outGroups, inAxis: 1, inGroups: previous))
        roles.append(ParameterRole(tensor: "fc\(layer).bias", node: "fc\(layer)", kind: .bias, shape: [outF],
                                   outAxis: 0, outGroups: outGroups, inAxis: nil, inGroups: []))
        previous = outGroups
    }
    return (roles, groups)
}

/// Roles of every kind the regrouping must handle, over 13 groups:
/// a first layer (fixed inputs), a grouped convolution (2 blocks), BN γ and
/// β, a residual 1×1 convolution whose groups are on both sides (its
/// diagonal never moves), a Keras-layout flatten-fed dense layer (columns
/// repeat each channel's group), a final layer (fixed outputs), and a
/// tensor without a role. Group 7 holds a blocked unit.
func mixedStructure() -> RescalingStructure {
    let groups = (0..<13).map { RescalingGroup(id: $0, units: ["u:\($0)"]) }
    let channels = Array(4..<10)
    let roles = [
        ParameterRole(tensor: "first", node: "first", kind: .weight, shape: [4, 3], outAxis: 0, outGroups: [0, 1, 2, 3],
                      inAxis: 1, inGroups: [-1, -1, -1]),
        ParameterRole(tensor: "first.bias", node: "first", kind: .bias, shape: [4], outAxis: 0, outGroups: [0, 1, 2, 3],
                      inAxis: nil, inGroups: []),
        ParameterRole(tensor: "grouped", node: "grouped", kind: .weight, shape: [6, 2, 3, 3], outAxis: 0,
                      outGroups: channels, inAxis: 1, inGroups: [0, 1, 2, 3], inBlocks: 2),
        ParameterRole(tensor: "bn.gamma", node: "bn", kind: .bnGamma, shape: [6], outAxis: 0, outGroups: channels,
                      inAxis: nil, inGroups: []),
        ParameterRole(tensor: "bn.beta", node: "bn", kind: .bnBeta, shape: [6], outAxis: 0, outGroups: channels,
                      inAxis: nil, inGroups: []),
        ParameterRole(tensor: "residual", node: "residual", kind: .weight, shape: [6, 6, 1, 1], outAxis: 0,
                      outGroups: channels, inAxis: 1, inGroups: channels),
        ParameterRole(tensor: "dense", node: "dense", kind: .weight, shape: [12, 3], outAxis: 1, outGroups: [10, 11, 12],
                      inAxis: 0, inGroups: channels + channels),
        ParameterRole(tensor: "last", node: "last", kind: .weight, shape: [2, 3], outAxis: 0, outGroups: [-1, -1],
                      inAxis: 1, inGroups: [10, 11, 12]),
    ]
    return RescalingStructure(groups: groups, parameters: roles,
                              blocked: [BlockedUnit(node: "u", index: 7, reason: "test")])
}
