import Foundation
import WeightFiles

/// Where a network came from.
public enum NetworkSource: String, Sendable, Codable {
    /// The Keras architecture the file carries.
    case kerasConfig = "keras_config"
    /// A network spec file given by the user.
    case spec
    /// Inferred from tensor names and shapes (see `Network.assumptions`).
    case inferred
}

/// A network together with where it came from.
public struct LoadedNetwork: Sendable {
    /// The network, normalised (see `Network.normalised(in:)`).
    public var network: Network
    /// Where it came from.
    public var source: NetworkSource
    /// Pairs a network with its source.
    public init(network: Network, source: NetworkSource) {
        self.network = network; self.source = source
    }
}

/// Chooses how to understand a file's network: a spec when one is given,
/// else the Keras architecture the file carries, else inference.
public enum NetworkLoader {
    /// The network of `file`.
    /// - Parameters:
    ///   - spec: a spec file (YAML or JSON), which takes precedence.
    ///   - activation: the activation assumed between inferred layers.
    /// - Throws: `NetworkError` naming the spec or weight file and the
    ///   layer or tensors at fault.
    public static func load(file: WeightFile, spec: URL? = nil, activation: Activation = .relu) throws -> LoadedNetwork {
        if let spec {
            return LoadedNetwork(network: try SpecNetworkBuilder.network(specAt: spec, file: file), source: .spec)
        }
        if let json = file.architectureJSON {
            return LoadedNetwork(network: try KerasNetworkBuilder.network(from: json, file: file), source: .kerasConfig)
        }
        return LoadedNetwork(network: try ChainInference.network(for: file, activation: activation), source: .inferred)
    }
}
