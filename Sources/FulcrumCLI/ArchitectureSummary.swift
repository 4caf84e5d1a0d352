import Foundation

/// What `inspect` shows of the architecture a Keras file carries
/// (`model_config` or config.json): the model's class and name and its
/// top-level layers. When the JSON cannot be read as a Keras config, only
/// the raw text is kept.
struct ArchitectureSummary: Equatable {
    struct Layer: Equatable {
        var name: String
        var className: String
    }

    /// `Sequential`, `Functional`, `Model`, … (nil when unreadable).
    var modelClass: String?
    var modelName: String?
    var layers: [Layer]
    /// The JSON exactly as the file stores it.
    var json: String

    init(json: String) {
        self.json = json
        self.layers = []
        guard let data = json.data(using: .utf8),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        modelClass = root["class_name"] as? String
        let config = root["config"] as? [String: Any]
        modelName = (config?["name"] as? String) ?? (root["name"] as? String)
        let layerList = (config?["layers"] as? [Any]) ?? []
        for case let layer as [String: Any] in layerList {
            let className = (layer["class_name"] as? String) ?? "?"
            let layerConfig = layer["config"] as? [String: Any]
            let name = (layer["name"] as? String) ?? (layerConfig?["name"] as? String) ?? "?"
            layers.append(Layer(name: name, className: className))
        }
    }

    /// The `architecture` object of `inspect --json`.
    var jsonValue: JSONValue {
        .object([
            ("class_name", modelClass.map(JSONValue.string) ?? .null),
            ("name", modelName.map(JSONValue.string) ?? .null),
            ("layers", .array(layers.map { .object([("name", .string($0.name)), ("class_name", .string($0.className))]) })),
            ("json", .string(json)),
        ])
    }
}
