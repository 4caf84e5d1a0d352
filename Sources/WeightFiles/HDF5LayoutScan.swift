import Foundation
import HDF5

/// Works out which layout an HDF5 weight file follows and lists its
/// tensors (see `HDF5WeightFile`). Throws `WeightFileError.malformed`
/// when Keras attributes name groups or datasets that do not exist.
struct HDF5LayoutScan {
    var format = FileFormat.hdf5StateDict
    var framework = Framework.unknown
    var tensorNames: [String] = []
    var architectureJSON: String?
    var layerWeights: [LayerWeights] = []
    var optimizerTensorNames: [String] = []
    var kerasVersion: String?
    var backend: String?
    var skipped: [HDF5WeightFile.SkippedDataset] = []
    var keras3Owners: [Keras3Owner] = []
    var entries: [String: HDF5WeightFile.Entry] = [:]

    /// Groups nested deeper than this are refused (a cycle of hard links
    /// would otherwise never end).
    static let maximumDepth = 64

    private let displayPath: String

    init(file: HDF5File, displayPath: String) throws {
        self.displayPath = displayPath
        let root = try file.root()
        var walked: [String] = []
        try walk(root, prefix: "", depth: 0, into: &walked)
        var datasets: [String] = []
        for name in walked {
            let dataset = try file.dataset(name)
            guard let element = dataset.type.elementType else {
                skipped.append(.init(name: name, reason: dataset.type.unsupportedReason ?? dataset.type.typeClass))
                continue
            }
            entries[name] = HDF5WeightFile.Entry(info: TensorInfo(name: name, dtype: DType(element), shape: dataset.shape),
                                                 layout: dataset.layout, filters: dataset.filters)
            datasets.append(name)
        }
        kerasVersion = try Self.string(root, "keras_version")
        backend = try Self.string(root, "backend")

        if let modelWeights = try Self.group(root, "model_weights"), let layers = try modelWeights.stringList("layer_names") {
            format = .kerasH5
            framework = .keras
            architectureJSON = try Self.string(root, "model_config")
            var ordered = try legacyLayers(modelWeights, prefix: "model_weights/", layerNames: layers.strings)
            if let optimizer = try Self.group(root, "optimizer_weights") {
                let names = try optimizer.stringList("weight_names")?.strings ?? []
                ordered += names.map { "optimizer_weights/" + $0 }.filter { entries[$0] != nil }
            }
            tensorNames = Self.unique(ordered + datasets)
            optimizerTensorNames = tensorNames.filter { $0.hasPrefix("optimizer_weights/") }
        } else if let layers = try root.stringList("layer_names") {
            format = .kerasWeightsH5
            framework = .keras
            architectureJSON = try Self.string(root, "model_config")
            let ordered = try legacyLayers(root, prefix: "", layerNames: layers.strings)
            tensorNames = Self.unique(ordered + datasets)
            optimizerTensorNames = tensorNames.filter { $0.hasPrefix("optimizer_weights/") }
        } else if try Self.isKeras3Weights(root, datasets: datasets) {
            format = .keras3WeightsH5
            framework = .keras
            tensorNames = datasets
            keras3Owners = try keras3Layers(file, datasets: datasets)
            layerWeights = keras3Owners.map { LayerWeights(layer: $0.nameAttribute ?? $0.key, tensors: $0.tensors) }
            optimizerTensorNames = datasets.filter { $0.hasPrefix("optimizer/") }
        } else {
            format = .hdf5StateDict
            tensorNames = datasets
            framework = Framework.guess(fromTensorNames: datasets)
        }
    }

    /// Appends every dataset below `group`, depth-first, in the group's
    /// creation order when tracked, else name order. Soft and external
    /// links are not followed.
    private func walk(_ group: HDF5Group, prefix: String, depth: Int, into names: inout [String]) throws {
        guard depth < Self.maximumDepth else {
            throw WeightFileError.malformed(path: displayPath,
                reason: "groups nested more than \(Self.maximumDepth) deep at '\(prefix)' (a cycle of hard links?)")
        }
        for link in try group.children() {
            switch link.kind {
            case .dataset: names.append(prefix + link.name)
            case .group: try walk(group.group(link.name), prefix: prefix + link.name + "/", depth: depth + 1, into: &names)
            default: continue
            }
        }
    }

    /// The tensors of Keras legacy layer groups below `base`, in
    /// `layerNames` × `weight_names` order; fills `layerWeights`.
    private mutating func legacyLayers(_ base: HDF5Group, prefix: String, layerNames: [String]) throws -> [String] {
        var ordered: [String] = []
        for layer in layerNames {
            guard let group = try Self.group(base, layer) else {
                throw WeightFileError.malformed(path: displayPath,
                    reason: "layer_names of '/\(prefix)' lists layer '\(layer)' but there is no group '/\(prefix)\(layer)'")
            }
            let weightNames = try group.stringList("weight_names")?.strings ?? []
            let paths = weightNames.map { prefix + layer + "/" + $0 }
            for (weight, path) in zip(weightNames, paths) where entries[path] == nil {
                throw WeightFileError.malformed(path: displayPath,
                    reason: "weight_names of '/\(prefix)\(layer)' lists '\(weight)' but there is no numeric dataset '/\(path)'")
            }
            if !paths.isEmpty { layerWeights.append(LayerWeights(layer: layer, tensors: paths)) }
            ordered += paths
        }
        return ordered
    }

    /// A Keras 3 `.weights.h5`: a `layers` or `vars` group at the root, and
    /// every dataset directly inside a group named `vars`.
    private static func isKeras3Weights(_ root: HDF5Group, datasets: [String]) throws -> Bool {
        guard try group(root, "layers") != nil || group(root, "vars") != nil else { return false }
        return datasets.allSatisfy { name in
            let components = name.split(separator: "/")
            return components.count >= 2 && components[components.count - 2] == "vars"
        }
    }

    /// Every owner of a `vars` group under `layers/` (and the model's own
    /// root `vars`, when not empty), with its variables in index order.
    private func keras3Layers(_ file: HDF5File, datasets: [String]) throws -> [Keras3Owner] {
        var owners: [String] = []
        var variables: [String: [String]] = [:]
        for name in datasets {
            let owner = Keras3WeightsLayout.owner(of: name)
            guard owner.isEmpty || owner.hasPrefix("layers/") else { continue }
            if variables[owner] == nil { owners.append(owner) }
            variables[owner, default: []].append(name)
        }
        return try owners.map { owner in
            let vars = try file.group(owner.isEmpty ? "vars" : owner + "/vars")
            return Keras3Owner(path: owner, nameAttribute: try Self.string(vars, "name"),
                               tensors: Keras3WeightsLayout.indexOrder(variables[owner] ?? []))
        }
    }

    /// The subgroup `name` of `parent`, or nil when there is none (or it is
    /// not a group).
    static func group(_ parent: HDF5Group, _ name: String) throws -> HDF5Group? {
        guard try parent.link(name)?.kind == .group else { return nil }
        return try parent.group(name)
    }

    /// The string attribute `name` of `object`, or nil when absent or not
    /// a single string.
    static func string(_ object: HDF5Object, _ name: String) throws -> String? {
        guard try object.hasAttribute(name) else { return nil }
        return try object.attribute(name).stringValue
    }

    /// `names` without repeats, first occurrence kept.
    static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}

/// The owner of one `vars` group of a Keras 3 `.weights.h5` file.
struct Keras3Owner: Sendable, Equatable {
    /// `layers/dense_1`, or "" for the model's own variables.
    var path: String
    /// The `name` attribute of its `vars` group (the layer's name), which
    /// newer Keras writes.
    var nameAttribute: String?
    /// Its variables, in index order.
    var tensors: [String]
    /// The last component of `path` (`dense_1`).
    var key: String { path.split(separator: "/").last.map(String.init) ?? "" }
}

/// Path conventions of Keras 3 `.weights.h5` files.
enum Keras3WeightsLayout {
    /// The owner path of a variable dataset: `layers/dense` for
    /// `layers/dense/vars/0`, "" for the model's own `vars/0`.
    static func owner(of dataset: String) -> String {
        var components = dataset.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard components.count >= 2, components[components.count - 2] == "vars" else { return dataset }
        components.removeLast(2)
        return components.joined(separator: "/")
    }

    /// Variable datasets sorted by their numeric index (`vars/2` before
    /// `vars/10`); names that are not numbers come last, by name.
    static func indexOrder(_ names: [String]) -> [String] {
        names.sorted { a, b in
            let ia = Int(a.split(separator: "/").last ?? ""), ib = Int(b.split(separator: "/").last ?? "")
            switch (ia, ib) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
    }
}
