import Foundation
import Network

/// The activation that follows a weight layer and its critical σ_w², the
/// weight variance times fan-in at which signals neither grow nor shrink
/// through depth at initialisation (He et al. 2015 for ReLU; the
/// edge-of-chaos value for tanh).
struct FollowingActivation: Equatable, Sendable {
    /// "relu", "leaky_relu(alpha=0.1)", "prelu", "identity", the name of
    /// any other activation (e.g. "tanh"), or "mixed(relu, tanh)" when the
    /// layer's consumers go to different activations.
    var name: String
    /// 2 for ReLU, 2/(1+α²) for LeakyReLU (PReLU: α² averaged over its
    /// channels), 1 for identity (a following linear or conv layer, or the
    /// network output) and for tanh; nil for every other activation and for
    /// mixed consumers.
    var critical: Double?

    static let identity = FollowingActivation(name: "identity", critical: 1)

    /// The activation reached from `index` by following its consumers
    /// through ops that carry a unit's value on without an activation
    /// (batch norm, pooling, flatten, reshape, a residual add,
    /// concatenate). A linear or conv consumer, or reaching the network
    /// output, means identity.
    static func after(node index: Int, in network: Network, tensors: inout TensorTable) throws -> FollowingActivation {
        var found: [FollowingActivation] = []
        var seen = Set<Int>()
        var frontier = [index]
        let consumers = network.consumers()
        while let current = frontier.popLast() {
            let next = consumers[current]
            if next.isEmpty { found.append(.identity); continue }
            for consumer in next where seen.insert(consumer).inserted {
                let node = network.nodes[consumer]
                switch node.op {
                case .batchNorm, .maxPool2d, .avgPool2d, .globalAvgPool2d, .globalMaxPool2d, .flatten, .reshape,
                     .add, .concatenate:
                    frontier.append(consumer)
                case let .activation(activation):
                    found.append(try of(activation, node: node.name, tensors: &tensors))
                case .input, .linear, .conv2d:
                    found.append(.identity)
                }
            }
        }
        var distinct: [FollowingActivation] = []
        for activation in found where !distinct.contains(activation) { distinct.append(activation) }
        if distinct.count == 1 { return distinct[0] }
        return FollowingActivation(name: "mixed(\(distinct.map(\.name).joined(separator: ", ")))", critical: nil)
    }

    /// The critical value of one activation. PReLU reads its slope tensor.
    static func of(_ activation: Activation, node: String, tensors: inout TensorTable) throws -> FollowingActivation {
        switch activation {
        case .relu:
            return FollowingActivation(name: "relu", critical: 2)
        case let .leakyRelu(alpha):
            return FollowingActivation(name: "leaky_relu(alpha=\(alpha))", critical: 2 / (1 + alpha * alpha))
        case let .prelu(alphaTensor):
            let slopes = try tensors.values(alphaTensor, node: node)
            guard !slopes.isEmpty else { return FollowingActivation(name: "prelu", critical: nil) }
            let meanSquare = slopes.reduce(0) { $0 + $1 * $1 } / Double(slopes.count)
            return FollowingActivation(name: "prelu", critical: 2 / (1 + meanSquare))
        case .identity:
            return .identity
        case let .other(name):
            return FollowingActivation(name: name, critical: name.lowercased() == "tanh" ? 1 : nil)
        }
    }
}

extension Network {
    /// For each node, the indices of the nodes that read its output.
    func consumers() -> [[Int]] {
        var result = [[Int]](repeating: [], count: nodes.count)
        for (index, node) in nodes.enumerated() {
            for input in node.inputs where input >= 0 && input < nodes.count && !result[input].contains(index) {
                result[input].append(index)
            }
        }
        return result
    }
}
