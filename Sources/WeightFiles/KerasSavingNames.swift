import Foundation

/// How Keras 3's saving library (`keras.src.saving.saving_lib`) names the
/// groups of a `.weights.h5` file: not by layer name but by the snake_case
/// class name, with `_1`, `_2`, … for repeats within one container, in
/// `model.layers` order (`layers/dense`, `layers/dense_1`,
/// `layers/sequential/layers/dense`). This recovers the mapping from a
/// model's config.json for files whose `vars` groups carry no `name`
/// attribute (which newer Keras writes).
enum KerasSavingNames {
    /// One layer of the config and the group that holds its variables.
    struct Placement: Equatable {
        /// The layer's name in the config.
        var layer: String
        /// Its owner path in the weights file (`layers/dense_1`).
        var path: String
    }

    /// `keras.src.utils.naming.to_snake_case`: drop non-word characters,
    /// split before capitalised words and lower→upper transitions, lower
    /// the case (`BatchNormalization` → `batch_normalization`, `ReLU` →
    /// `re_lu`, `Conv2D` → `conv2d`).
    static func snakeCase(_ name: String) -> String {
        var result = replacing(#"\W+"#, in: name, with: "")
        result = replacing("(.)([A-Z][a-z]+)", in: result, with: "$1_$2")
        result = replacing("([a-z])([A-Z])", in: result, with: "$1_$2")
        return result.lowercased()
    }

    private static func replacing(_ pattern: String, in text: String, with template: String) -> String {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return text }
        return expression.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }

    /// Every layer of a model config (the parsed config.json, or a
    /// `model_config`), depth-first in `model.layers` order, nested models
    /// included (the container first, then its layers), with the owner path
    /// saving_lib gives it. A Sequential model's leading InputLayer is not
    /// one of its `layers`; a functional model's input layers are.
    static func placements(inModelConfig config: [String: Any]) -> [Placement] {
        var result: [Placement] = []
        place(model: config, prefix: "", into: &result)
        return result
    }

    private static func place(model: [String: Any], prefix: String, into result: inout [Placement]) {
        guard let inner = model["config"] as? [String: Any], var layers = inner["layers"] as? [[String: Any]] else { return }
        if model["class_name"] as? String == "Sequential", layers.first?["class_name"] as? String == "InputLayer" {
            layers.removeFirst()
        }
        var used: [String: Int] = [:]
        for layer in layers {
            guard let className = layer["class_name"] as? String else { continue }
            var key = snakeCase(className)
            if let count = used[key] {
                used[key] = count + 1
                key += "_\(count + 1)"
            } else {
                used[key] = 0
            }
            let path = prefix + "layers/" + key
            let name = (layer["config"] as? [String: Any])?["name"] as? String ?? layer["name"] as? String ?? key
            result.append(Placement(layer: name, path: path))
            place(model: layer, prefix: path + "/", into: &result)
        }
    }
}
