import WeightFiles

/// The rescaling symmetry of a network over its file, worked out once.
///
/// Rules (the fixtures' `expected_check` uses exactly these):
/// - Units are the output channels of linear, conv2d and batchnorm nodes.
/// - Every node's output channels are positions; homogeneous ops (relu,
///   leaky_relu, prelu, identity, pooling, global pooling, flatten,
///   reshape, add, concatenate) tie their output positions to the input
///   positions they come from (union-find), so channels joined by an add
///   form one group across all branches, and a flatten ties each of its
///   features to the channel it comes from.
/// - A group is rescalable iff it holds a unit, no position of it is
///   blocked, and a linear or conv2d layer reads it (an unused unit is
///   blocked: "unused"). Blocked positions: the network input, network outputs, the
///   inputs of a non-homogeneous op ("feeds tanh (node act2)") and of a
///   batchnorm ("feeds batchnorm (node bn1)": it is rescaled at its output
///   instead), the outputs of non-homogeneous ops, and the output of a
///   batchnorm without γ.
/// - Producers of a group: weight rows, biases, batchnorm γ and β; its
///   consumers: the input axis of the next linear or conv2d (a grouped
///   conv's input axis in `groups` blocks). Running statistics and ε are
///   never touched.
public struct HomogeneityAnalysis: Sendable {
    /// The network analysed.
    public let network: Network
    /// Per-sample output shape of every node (see `Network.shapes(in:)`).
    public let shapes: [[Int]]
    /// Units each node produces: its output channels for linear, conv2d and
    /// batchnorm, 0 for every other node.
    public let unitCounts: [Int]
    /// Groups, parameter roles and blocked units.
    public let structure: RescalingStructure

    /// Analyses `network` over the tensors of `file`.
    /// - Throws: `NetworkError.shapeMismatch` when shapes do not fit.
    public init(network: Network, file: WeightFile) throws {
        self.network = network
        let shapes = try network.shapes(in: file)
        self.shapes = shapes
        var builder = PositionGraph(network: network, shapes: shapes)
        builder.tieAndBlock()
        let grouping = builder.groups()
        unitCounts = network.nodes.indices.map { network.nodes[$0].op.producesUnits ? builder.counts[$0] : 0 }
        structure = RescalingStructure(
            groups: grouping.groups,
            parameters: try builder.roles(groupOf: grouping.groupOf, file: file),
            blocked: grouping.blocked)
    }
}

/// The rescaling structure of `network` over the tensors of `file`: which
/// units share a scale, how every parameter tensor moves, and which units
/// are blocked and why. See `HomogeneityAnalysis` for the rules.
/// - Throws: `NetworkError.shapeMismatch` when shapes do not fit.
public func rescalingStructure(of network: Network, file: WeightFile) throws -> RescalingStructure {
    try HomogeneityAnalysis(network: network, file: file).structure
}

/// Channel positions of every node, the ties between them and the reasons
/// that block them.
struct PositionGraph {
    let network: Network
    let shapes: [[Int]]
    /// Channels of each node's output.
    let counts: [Int]
    /// First position of each node.
    let offsets: [Int]
    var sets: UnionFind
    /// Blocking reasons per position, in the order they were found.
    var reasons: [Int: [String]] = [:]
    /// Positions read by a linear or conv2d layer (a consumer).
    var consumed = Set<Int>()

    init(network: Network, shapes: [[Int]]) {
        self.network = network
        self.shapes = shapes
        counts = shapes.map { channelCount(of: $0, layout: network.layout) }
        var offsets: [Int] = [], total = 0
        for count in counts { offsets.append(total); total += count }
        self.offsets = offsets
        sets = UnionFind(count: total)
    }

    func position(_ node: Int, _ channel: Int) -> Int { offsets[node] + channel }

    mutating func block(node: Int, _ reason: String) {
        for c in 0..<counts[node] { reasons[position(node, c), default: []].append(reason) }
    }

    mutating func tieChannels(_ node: Int, to input: Int) {
        for c in 0..<counts[node] { sets.union(position(node, c), position(input, c)) }
    }

    /// Applies every op's ties and blocks.
    mutating func tieAndBlock() {
        let outputs = Set(network.outputs)
        for (n, node) in network.nodes.enumerated() {
            switch node.op {
            case .input:
                block(node: n, "network input")
            case .linear, .conv2d:
                let input = node.inputs[0]
                for c in 0..<counts[input] { consumed.insert(position(input, c)) }
            case let .batchNorm(bn):
                block(node: node.inputs[0], "feeds batchnorm (node \(node.name))")
                if bn.gamma == nil {
                    block(node: n, "batchnorm \(node.name) has no scale γ (scale=False), so its output cannot be rescaled")
                }
            case let .activation(activation):
                if activation.isPositivelyHomogeneous {
                    tieChannels(n, to: node.inputs[0])
                } else {
                    let name = activation.displayName
                    let suffix = outputs.contains(n) ? ", the network output" : ""
                    block(node: node.inputs[0], "feeds \(name) (node \(node.name))\(suffix)")
                    block(node: n, "output of \(name) (node \(node.name))")
                }
            case .maxPool2d, .avgPool2d, .globalAvgPool2d, .globalMaxPool2d:
                tieChannels(n, to: node.inputs[0])
            case .flatten, .reshape:
                let input = node.inputs[0]
                let from = channelOfElements(shape: shapes[input], layout: network.layout)
                let to = channelOfElements(shape: shapes[n], layout: network.layout)
                for e in from.indices { sets.union(position(n, to[e]), position(input, from[e])) }
            case .add:
                for input in node.inputs { tieChannels(n, to: input) }
            case let .concatenate(axis):
                let rank = shapes[n].count
                let resolved = axis < 0 ? rank + axis : axis
                if resolved == network.layout.channelAxis(rank: rank) {
                    var start = 0
                    for input in node.inputs {
                        for c in 0..<counts[input] { sets.union(position(n, start + c), position(input, c)) }
                        start += counts[input]
                    }
                } else {
                    for input in node.inputs { tieChannels(n, to: input) }
                }
            }
        }
        for output in network.outputs { block(node: output, "network output") }
    }

    struct Grouping {
        var groups: [RescalingGroup]
        var blocked: [BlockedUnit]
        /// Group id of every position, −1 when it is not in a rescalable group.
        var groupOf: [Int]
    }

    /// Groups the units by their sets; a set is a rescalable group when it
    /// holds a unit and no blocked position.
    mutating func groups() -> Grouping {
        let total = offsets.last.map { $0 + counts[counts.count - 1] } ?? 0
        var reasonsByRoot: [Int: [String]] = [:]
        for position in reasons.keys.sorted() {
            let root = sets.find(position)
            for reason in reasons[position] ?? [] where !(reasonsByRoot[root]?.contains(reason) ?? false) {
                reasonsByRoot[root, default: []].append(reason)
            }
        }
        let consumedRoots = Set(consumed.map { sets.find($0) })
        var idOfRoot: [Int: Int] = [:]
        var groups: [RescalingGroup] = []
        var blocked: [BlockedUnit] = []
        for (n, node) in network.nodes.enumerated() where node.op.producesUnits {
            for c in 0..<counts[n] {
                let root = sets.find(position(n, c))
                if let why = reasonsByRoot[root] {
                    blocked.append(BlockedUnit(node: node.name, index: c, reason: why.joined(separator: "; ")))
                } else if !consumedRoots.contains(root) {
                    // No layer reads it: scaling it changes nothing, and a
                    // norm objective would drive its scale to zero.
                    blocked.append(BlockedUnit(node: node.name, index: c, reason: "unused: reaches no linear or conv2d layer and no output"))
                } else if let id = idOfRoot[root] {
                    groups[id].units.append("\(node.name):\(c)")
                } else {
                    idOfRoot[root] = groups.count
                    groups.append(RescalingGroup(id: groups.count, units: ["\(node.name):\(c)"]))
                }
            }
        }
        var groupOf = [Int](repeating: -1, count: total)
        for p in 0..<total { groupOf[p] = idOfRoot[sets.find(p)] ?? -1 }
        return Grouping(groups: groups, blocked: blocked, groupOf: groupOf)
    }

    /// One role per parameter tensor that moves, in node order.
    func roles(groupOf: [Int], file: WeightFile) throws -> [ParameterRole] {
        var roles: [ParameterRole] = []
        func add(_ role: ParameterRole) {
            if role.outGroups.contains(where: { $0 >= 0 }) || role.inGroups.contains(where: { $0 >= 0 }) {
                roles.append(role)
            }
        }
        let layout = network.layout
        for (n, node) in network.nodes.enumerated() {
            let out = (0..<counts[n]).map { groupOf[position(n, $0)] }
            func consumed(_ input: Int) -> [Int] { (0..<counts[input]).map { groupOf[position(input, $0)] } }
            switch node.op {
            case let .linear(weight, bias):
                let axes = layout.linearAxes
                add(ParameterRole(tensor: weight, node: node.name, kind: .weight, shape: try file.info(weight).shape,
                                  outAxis: axes.out, outGroups: out, inAxis: axes.in, inGroups: consumed(node.inputs[0])))
                if let bias {
                    add(ParameterRole(tensor: bias, node: node.name, kind: .bias, shape: [out.count],
                                      outAxis: 0, outGroups: out, inAxis: nil, inGroups: []))
                }
            case let .conv2d(conv):
                let axes = layout.convAxes
                add(ParameterRole(tensor: conv.weight, node: node.name, kind: .weight,
                                  shape: try file.info(conv.weight).shape, outAxis: axes.out, outGroups: out,
                                  inAxis: axes.in, inGroups: consumed(node.inputs[0]), inBlocks: conv.groups))
                if let bias = conv.bias {
                    add(ParameterRole(tensor: bias, node: node.name, kind: .bias, shape: [out.count],
                                      outAxis: 0, outGroups: out, inAxis: nil, inGroups: []))
                }
            case let .batchNorm(bn):
                if let gamma = bn.gamma {
                    add(ParameterRole(tensor: gamma, node: node.name, kind: .bnGamma, shape: [out.count],
                                      outAxis: 0, outGroups: out, inAxis: nil, inGroups: []))
                }
                if let beta = bn.beta {
                    add(ParameterRole(tensor: beta, node: node.name, kind: .bnBeta, shape: [out.count],
                                      outAxis: 0, outGroups: out, inAxis: nil, inGroups: []))
                }
            default:
                break
            }
        }
        return roles
    }
}
