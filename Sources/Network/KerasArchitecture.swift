import Foundation

/// One Keras layer of a model config, with the names of the layers whose
/// outputs it reads.
struct KerasLayer {
    var name: String
    var className: String
    var config: [String: Any]
    /// Names of the inbound layers, in argument order.
    var inputs: [String]
    /// The input shape Keras recorded when building the layer
    /// (`build_config.input_shape`, or `batch_input_shape` / `batch_shape`
    /// in the config), batch dimension included, nil when absent.
    var builtInputShape: [Int]?
}

/// A Keras model config reduced to its layers and wiring.
struct KerasArchitecture {
    /// "Sequential", "Functional" or "Model".
    var className: String
    /// Layers in the config's order; Sequential layers read the previous one.
    var layers: [KerasLayer]
    /// Output layer names (Functional); the last layer for Sequential.
    var outputs: [String]
    /// The model-level build shape (`build_input_shape`), batch included.
    var builtInputShape: [Int]?

    /// Parses the JSON text of a `model_config` attribute or a `.keras`
    /// archive's config.json.
    /// - Throws: `NetworkError.invalidArchitecture` naming `path`.
    init(json: String, path: String) throws {
        func fail(_ reason: String) -> NetworkError { .invalidArchitecture(path: path, reason: reason) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        } catch {
            throw fail("the architecture is not valid JSON (\(error.localizedDescription))")
        }
        guard let root = ConfigValue.dictionary(object), let className = ConfigValue.string(root["class_name"]) else {
            throw fail("the architecture has no top-level class_name")
        }
        self.className = className
        let config = root["config"]
        switch className {
        case "Sequential":
            let entries: [Any]
            if let list = ConfigValue.array(config) {
                entries = list  // Keras < 2.2: config is the layer list itself
            } else if let map = ConfigValue.dictionary(config), let list = ConfigValue.array(map["layers"]) {
                entries = list
                builtInputShape = ConfigValue.intList(map["build_input_shape"])
                    ?? ConfigValue.intList(ConfigValue.dictionary(root["build_config"])?["input_shape"])
            } else {
                throw fail("Sequential config has no layers list")
            }
            var layers: [KerasLayer] = []
            for (index, entry) in entries.enumerated() {
                var layer = try Self.layer(entry, index: index, path: path)
                if let previous = layers.last { layer.inputs = [previous.name] }
                layers.append(layer)
            }
            guard let last = layers.last else { throw fail("Sequential model has no layers") }
            self.layers = layers
            outputs = [last.name]
        case "Functional", "Model":
            guard let map = ConfigValue.dictionary(config), let list = ConfigValue.array(map["layers"]) else {
                throw fail("\(className) config has no layers list")
            }
            var layers: [KerasLayer] = []
            for (index, entry) in list.enumerated() {
                var layer = try Self.layer(entry, index: index, path: path)
                layer.inputs = try Self.inboundLayers(of: entry, layer: layer.name, path: path)
                layers.append(layer)
            }
            self.layers = layers
            outputs = try Self.tensorReferences(map["output_layers"], what: "output_layers", path: path)
        default:
            throw fail("top-level class_name '\(className)' is not Sequential, Functional or Model")
        }
    }

    /// One layer entry: {class_name, config, name?, inbound_nodes?, build_config?}.
    static func layer(_ entry: Any, index: Int, path: String) throws -> KerasLayer {
        guard let map = ConfigValue.dictionary(entry), let className = ConfigValue.string(map["class_name"]) else {
            throw NetworkError.invalidArchitecture(path: path, reason: "layer #\(index) has no class_name")
        }
        let config = ConfigValue.dictionary(map["config"]) ?? [:]
        guard let name = ConfigValue.string(map["name"]) ?? ConfigValue.string(config["name"]) else {
            throw NetworkError.invalidArchitecture(path: path, reason: "layer #\(index) (\(className)) has no name")
        }
        let built = ConfigValue.intList(ConfigValue.dictionary(map["build_config"])?["input_shape"])
            ?? ConfigValue.intList(config["batch_shape"]) ?? ConfigValue.intList(config["batch_input_shape"])
        return KerasLayer(name: name, className: className, config: config, inputs: [], builtInputShape: built)
    }

    /// The inbound layer names of a Functional layer entry, from either
    /// inbound_nodes format:
    /// - Keras 3: `[{"args": [<tensor or nested lists of tensors>], "kwargs": {}}]`
    ///   with tensors `{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, index]}}`;
    /// - Keras 2: `[[[layer, node, index, {kwargs}], …]]`.
    /// A layer called more than once (shared weights) is refused.
    static func inboundLayers(of entry: Any, layer: String, path: String) throws -> [String] {
        guard let map = ConfigValue.dictionary(entry), let nodes = ConfigValue.array(map["inbound_nodes"]),
              !nodes.isEmpty else { return [] }
        guard nodes.count == 1 else {
            throw NetworkError.invalidArchitecture(path: path,
                reason: "layer '\(layer)' is called \(nodes.count) times (shared weights), which fulcrum does not support")
        }
        let node = nodes[0]
        if let call = ConfigValue.dictionary(node) {
            var names: [String] = []
            collectKerasTensors(call["args"], into: &names)
            return names
        }
        guard let list = ConfigValue.array(node) else {
            throw NetworkError.invalidArchitecture(path: path, reason: "layer '\(layer)' has unreadable inbound_nodes")
        }
        return try list.map { reference in
            guard let triple = ConfigValue.array(reference), let name = ConfigValue.string(triple.first) else {
                throw NetworkError.invalidArchitecture(path: path, reason: "layer '\(layer)' has an unreadable inbound node")
            }
            return name
        }
    }

    /// Appends the layer name of every `__keras_tensor__` in `value`, depth first.
    static func collectKerasTensors(_ value: Any?, into names: inout [String]) {
        if let map = ConfigValue.dictionary(value) {
            if ConfigValue.string(map["class_name"]) == "__keras_tensor__",
               let history = ConfigValue.array(ConfigValue.dictionary(map["config"])?["keras_history"]),
               let name = ConfigValue.string(history.first) {
                names.append(name)
            } else {
                for key in map.keys.sorted() { collectKerasTensors(map[key], into: &names) }
            }
        } else if let list = ConfigValue.array(value) {
            for element in list { collectKerasTensors(element, into: &names) }
        }
    }

    /// Layer names from `input_layers` / `output_layers`: a list of
    /// [name, node, index] triples, or one bare triple (Keras 3, single tensor).
    static func tensorReferences(_ value: Any?, what: String, path: String) throws -> [String] {
        guard let list = ConfigValue.array(value), !list.isEmpty else {
            throw NetworkError.invalidArchitecture(path: path, reason: "the model has no \(what)")
        }
        if let name = ConfigValue.string(list.first) { return [name] }
        return try list.map { reference in
            guard let name = ConfigValue.string(ConfigValue.array(reference)?.first) else {
                throw NetworkError.invalidArchitecture(path: path, reason: "unreadable entry in \(what)")
            }
            return name
        }
    }
}
