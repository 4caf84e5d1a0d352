import Foundation

/// A weight file opened for rescaling, comparison or audit: the file, the
/// network it holds, that network's rescaling symmetry, and its tensors.
///
/// This is what every `fulcrum` command does first. The network comes from
/// `spec` when one is given, else from the Keras architecture the file
/// carries, else it is inferred as a chain from the tensor names and shapes
/// with `activation` between layers (`network.assumptions` then says what
/// was assumed).
public struct Model: Sendable {
    /// The opened file; `file.write(replacing:to:)` writes copies of it.
    public let file: any WeightFile
    /// How messages name the file (the path as the caller gave it).
    public let displayPath: String
    /// The network, with `inputShape` overridden when one was given.
    public let network: Network
    /// Where the network came from: the file's Keras config, a spec, or inference.
    public let source: NetworkSource
    /// Which units can be rescaled (groups), the role of every parameter
    /// tensor, and every blocked unit with its reason.
    public let structure: RescalingStructure
    /// Every tensor of the file except optimizer state, in file order:
    /// held in memory, or read from the file on each request, as the model
    /// was opened (`TensorLoading`).
    public let parameters: TensorSource

    /// Opens the weight file at `url` and works out its network.
    /// - Parameters:
    ///   - spec: a network spec (YAML or JSON) naming the tensors and the
    ///     wiring; needed for files that carry no architecture (PyTorch state
    ///     dicts) unless a ReLU chain can be inferred.
    ///   - activation: the activation assumed between inferred layers.
    ///   - inputShape: one sample's input shape in the layout's order
    ///     (C,H,W for PyTorch, H,W,C for Keras), when the file does not say.
    ///   - displayPath: how messages name the file; defaults to `url.path`.
    ///   - loading: read every tensor now and keep it (`.inMemory`, the
    ///     default), or read each from the file when it is needed
    ///     (`.onDemand`: peak memory stays near one tensor's size plus what
    ///     the caller keeps, at the cost of reading again on every request).
    /// - Throws: `WeightFileError` when the file is missing or not a readable
    ///   weight file, `NetworkError` when the spec, architecture or inferred
    ///   chain does not fit its tensors. Every message names the file.
    public init(contentsOf url: URL, spec: URL? = nil, activation: Activation = .relu, inputShape: [Int]? = nil,
                displayPath: String? = nil, loading: TensorLoading = .inMemory) throws {
        try self.init(file: WeightFileOpener.open(url), spec: spec, activation: activation, inputShape: inputShape,
                      displayPath: displayPath, loading: loading)
    }

    /// Works out the network of an already opened `file`; see
    /// `init(contentsOf:spec:activation:inputShape:displayPath:loading:)`.
    public init(file: any WeightFile, spec: URL? = nil, activation: Activation = .relu, inputShape: [Int]? = nil,
                displayPath: String? = nil, loading: TensorLoading = .inMemory) throws {
        let loaded = try NetworkLoader.load(file: file, spec: spec, activation: activation)
        var network = loaded.network
        if let inputShape { network.inputShape = inputShape }
        let structure = try rescalingStructure(of: network, file: file)
        let optimizer = Set(file.optimizerTensorNames)
        let path = displayPath ?? file.url.path
        switch loading {
        case .inMemory:
            parameters = TensorSource(orderedTensors: try file.tensorNames.filter { !optimizer.contains($0) }.map { try file.read($0) },
                                      label: path)
        case .onDemand:
            parameters = TensorSource(file: file, excluding: optimizer, label: path)
        }
        self.file = file
        self.displayPath = path
        self.network = network
        self.source = loaded.source
        self.structure = structure
    }

    /// Every tensor of `parameters`, by name (read from the file when the
    /// model was opened `.onDemand`).
    public func tensors() throws -> [String: Tensor] { try parameters.dictionary() }

    /// Names of the optimizer state stored beside the weights (Keras
    /// `optimizer_weights`, Adam moments). They are not in `tensors`, a
    /// rescaled copy keeps them byte-identical, and they no longer match
    /// its weights.
    public var optimizerTensorNames: [String] { file.optimizerTensorNames }

    /// Throws `RescaleError.nonFinite` when a parameter that a rescaling
    /// would move holds NaN or ±Inf (no rescaling of such a network means
    /// anything).
    public func requireFiniteParameters() throws {
        var checked = Set<String>()
        for role in structure.parameters where checked.insert(role.tensor).inserted {
            guard parameters.contains(role.tensor), try parameters.info(role.tensor).dtype.isFloatingPoint else { continue }
            let tensor = try parameters.tensor(role.tensor)
            if let index = tensor.firstNonFiniteIndex() {
                throw RescaleError.nonFinite(path: displayPath, tensor: role.tensor, index: index,
                                             value: tensor.value(at: index))
            }
        }
    }
}

/// How a `Model` holds its tensors.
public enum TensorLoading: Sendable {
    /// Read every tensor when the model is opened and keep it in memory.
    case inMemory
    /// Read a tensor from the file each time it is asked for (only as much
    /// memory as the caller keeps; the file must not change meanwhile).
    case onDemand
}
