import WeightFiles

/// Infers a plain chain network for a file that carries no architecture
/// and comes without a spec (a bare PyTorch state dict, a Keras
/// `save_weights` file).
///
/// Layers are taken in file order: a 2-D weight is a linear layer, a 4-D
/// one a conv2d (stride 1, no padding, groups 1); `<p>weight` pairs with
/// `<p>bias`; a 1-D `<p>weight` with `<p>running_mean` and `<p>running_var`
/// is a batchnorm right after the layer before it. `activation` goes after
/// every layer (after its batchnorm) but the last. Every assumption is
/// recorded in `Network.assumptions`. Refuses (throws) rather than guess
/// when shapes do not chain, when a tensor fits no role, or when a conv is
/// followed by a linear layer (the flatten needs the spatial input size).
public enum ChainInference {
    /// The inferred chain over `file`.
    /// - Parameter activation: the activation between layers (`--activation`).
    /// - Throws: `NetworkError.cannotInfer` naming the file and the tensors.
    public static func network(for file: WeightFile, activation: Activation) throws -> Network {
        let layout: Layout = file.framework == .keras ? .keras : .torch
        var notes: [String] = []
        if layout == .keras {
            let layers = try kerasLayers(file, notes: &notes)
            return try chain(layers, file: file, layout: layout, activation: activation,
                             notes: ["the layers were taken in the file's layer order"] + notes)
        }
        let layers = try torchLayers(file, notes: &notes)
        let natural = layers.enumerated().sorted { a, b in
            naturalOrder(a.element.label, b.element.label) ?? (a.offset < b.offset)
        }.map(\.element)
        let names = file.tensorNames
        let sortedStorage = file.format == .safetensors
            || (names == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } && natural.map(\.label) != layers.map(\.label))
        let byName = (natural, "the file stores its tensors sorted by name, so the layers were put in the natural order of their names (numbers compared as numbers: '2' before '10')")
        let byFile = (layers, "the layers were taken in file order" as String?)
        let attempts: [([Layer], String?)] = sortedStorage ? [byName, byFile] : [byFile,
            (natural, "the tensors do not chain in file order; the layers were put in the natural order of their names (numbers compared as numbers: '2' before '10')")]
        var firstError: Error?
        for (index, (ordered, note)) in attempts.enumerated() {
            if index > 0, ordered.map(\.label) == attempts[0].0.map(\.label) { break }
            do {
                return try chain(ordered, file: file, layout: layout, activation: activation,
                                 notes: (note.map { [$0] } ?? []) + notes)
            } catch let error as NetworkError {
                if firstError == nil { firstError = error }
            }
        }
        throw firstError ?? fail(file, "no order of the layers chains")
    }

    /// Compares names with digit runs as numbers ("fc2" < "fc10"); nil when
    /// the names are equal in that order.
    static func naturalOrder(_ a: String, _ b: String) -> Bool? {
        func runs(_ text: String) -> [(isNumber: Bool, text: String)] {
            var result: [(Bool, String)] = []
            for character in text {
                let digit = character.isASCII && character.isNumber
                if let last = result.last, last.0 == digit { result[result.count - 1].1.append(character) }
                else { result.append((digit, String(character))) }
            }
            return result
        }
        let ra = runs(a), rb = runs(b)
        for (x, y) in zip(ra, rb) where x.text != y.text {
            if x.isNumber && y.isNumber {
                let nx = x.text.drop { $0 == "0" }, ny = y.text.drop { $0 == "0" }
                if nx.count != ny.count { return nx.count < ny.count }
                if nx != ny { return nx.lexicographicallyPrecedes(ny) }
                continue
            }
            return x.text.lexicographicallyPrecedes(y.text)
        }
        return ra.count == rb.count ? nil : ra.count < rb.count
    }

    /// One parameterised layer found in the file.
    struct Layer {
        enum Kind { case linear, conv, batchNorm }
        var kind: Kind
        var name: String
        /// linear/conv weight, or batchnorm γ.
        var weight: String?
        var bias: String?
        var mean: String?
        var variance: String?
        /// Shape of `weight` (for batchnorm: of its statistics).
        var shape: [Int]
        /// The tensor that stands for the layer in messages.
        var label: String
    }

    static func fail(_ file: WeightFile, _ reason: String) -> NetworkError {
        .cannotInfer(path: file.url.path, reason: reason)
    }

    /// Layers from PyTorch-style names (`0.weight`, `fc1.bias`,
    /// `bn.running_mean`) or, for positional names (`arr_0`), shapes, in
    /// the file order of their main tensor. Siblings (`<p>bias`, running
    /// statistics, counters) are paired by name wherever they are stored.
    static func torchLayers(_ file: WeightFile, notes: inout [String]) throws -> [Layer] {
        let optimizer = Set(file.optimizerTensorNames)
        let names = file.tensorNames.filter { !optimizer.contains($0) }
        let present = Set(names)
        var infos: [String: TensorInfo] = [:]
        for name in names { infos[name] = try file.info(name) }
        func prefix(_ name: String, _ suffix: String) -> String? {
            name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : nil
        }
        func nodeName(_ prefix: String?, _ fallback: String) -> String {
            guard let prefix, !prefix.isEmpty else { return fallback }
            let trimmed = prefix.hasSuffix(".") || prefix.hasSuffix("_") || prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            return trimmed.isEmpty ? fallback : trimmed
        }
        /// The batchnorm prefix a tensor triggers, if any: `<p>weight` (1-D)
        /// or, without γ, `<p>running_mean`, with both running statistics present.
        func batchNormPrefix(_ name: String) -> String? {
            guard infos[name]?.shape.count == 1 else { return nil }
            let p: String
            if let q = prefix(name, "weight") { p = q }
            else if let q = prefix(name, "running_mean"), !present.contains(q + "weight") { p = q }
            else { return nil }
            return present.contains(p + "running_mean") && present.contains(p + "running_var") ? p : nil
        }
        // Siblings claimed by name, wherever the file stores them.
        var claimed = Set<String>()
        for name in names {
            guard let info = infos[name], info.dtype.isFloatingPoint else { continue }
            if let p = batchNormPrefix(name) {
                claimed.formUnion([p + "bias", p + "running_mean", p + "running_var", p + "num_batches_tracked"])
                if name.hasSuffix("running_mean") { claimed.remove(name) }
            } else if info.shape.count == 2 || info.shape.count == 4, let p = prefix(name, "weight") {
                claimed.insert(p + "bias")
            }
        }
        var layers: [Layer] = []
        for (position, name) in names.enumerated() where !claimed.contains(name) {
            guard let info = infos[name] else { continue }
            if !info.dtype.isFloatingPoint {
                guard info.shape.reduce(1, *) <= 1 else {
                    throw fail(file, "tensor '\(name)' (\(info.dtype.numpyName) \(info.shape)) is not a floating-point weight; write a spec (--spec) naming the tensors")
                }
                notes.append("ignored '\(name)', an integer scalar (a counter such as num_batches_tracked)")
                continue
            }
            if let p = batchNormPrefix(name) {
                let gamma = present.contains(p + "weight") ? p + "weight" : nil
                let beta = present.contains(p + "bias") ? p + "bias" : nil
                for sibling in [beta, p + "running_mean", p + "running_var"].compactMap({ $0 }) where infos[sibling]?.shape != info.shape {
                    throw fail(file, "batchnorm tensor '\(sibling)' has shape \(infos[sibling]?.shape ?? []) but '\(name)' has \(info.shape)")
                }
                layers.append(Layer(kind: .batchNorm, name: nodeName(p, name), weight: gamma, bias: beta,
                                    mean: p + "running_mean", variance: p + "running_var", shape: info.shape, label: name))
                continue
            }
            guard info.shape.count == 2 || info.shape.count == 4 else {
                throw fail(file, "tensor '\(name)' with shape \(info.shape) is neither a 2-D linear weight, a 4-D conv weight, a bias nor batchnorm statistics; write a spec (--spec) naming the tensors")
            }
            let units = info.shape[0]
            var bias: String?
            if let p = prefix(name, "weight") {
                bias = present.contains(p + "bias") ? p + "bias" : nil
            } else if position + 1 < names.count {
                let next = names[position + 1]
                if let nextInfo = infos[next], nextInfo.shape == [units], !claimed.contains(next),
                   prefix(next, "weight") == nil, nextInfo.dtype.isFloatingPoint {
                    bias = next
                    claimed.insert(next)
                    notes.append("took '\(next)' as the bias of '\(name)' (it follows it in the file and has \(units) elements)")
                }
            }
            if let bias, infos[bias]?.shape != [units] {
                throw fail(file, "bias '\(bias)' has shape \(infos[bias]?.shape ?? []) but '\(name)' \(info.shape) has \(units) outputs")
            }
            layers.append(Layer(kind: info.shape.count == 2 ? .linear : .conv,
                                name: nodeName(prefix(name, "weight"), name), weight: name, bias: bias,
                                shape: info.shape, label: name))
        }
        return layers
    }

    /// Layers from a Keras file's per-layer weight lists (kernel (in, out)
    /// or (kh, kw, in, out) with an optional bias; four vectors for a
    /// batchnorm).
    static func kerasLayers(_ file: WeightFile, notes: inout [String]) throws -> [Layer] {
        guard !file.layerWeights.isEmpty else {
            throw fail(file, "a Keras file with neither an architecture nor per-layer weights; write a spec (--spec)")
        }
        var layers: [Layer] = []
        for entry in file.layerWeights where !entry.tensors.isEmpty {
            let shapes = try entry.tensors.map { try file.info($0).shape }
            let ranks = shapes.map(\.count)
            switch ranks {
            case [2], [2, 1], [4], [4, 1]:
                let units = shapes[0].last ?? 0
                if ranks.count == 2, shapes[1] != [units] {
                    throw fail(file, "layer '\(entry.layer)': bias '\(entry.tensors[1])' has shape \(shapes[1]) but kernel '\(entry.tensors[0])' \(shapes[0]) has \(units) outputs")
                }
                layers.append(Layer(kind: ranks[0] == 2 ? .linear : .conv, name: entry.layer, weight: entry.tensors[0],
                                    bias: ranks.count == 2 ? entry.tensors[1] : nil, shape: shapes[0], label: entry.tensors[0]))
            case [1, 1, 1, 1] where Set(shapes).count == 1:
                notes.append("took the four vectors of layer '\(entry.layer)' as batchnorm gamma, beta, moving mean and variance")
                layers.append(Layer(kind: .batchNorm, name: entry.layer, weight: entry.tensors[0], bias: entry.tensors[1],
                                    mean: entry.tensors[2], variance: entry.tensors[3], shape: shapes[0], label: entry.tensors[0]))
            default:
                throw fail(file, "layer '\(entry.layer)' has weights of shapes \(shapes), which fit no layer fulcrum can infer; write a spec (--spec)")
            }
        }
        return layers
    }

    /// Chains the layers, checking that each one's fan-in is the previous
    /// one's fan-out.
    static func chain(_ layers: [Layer], file: WeightFile, layout: Layout, activation: Activation,
                      notes: [String]) throws -> Network {
        let weighted = layers.filter { $0.kind != .batchNorm }
        guard let first = weighted.first, let last = weighted.last else {
            throw fail(file, "no 2-D or 4-D weight tensors to chain; write a spec (--spec)")
        }
        if layers.first?.kind == .batchNorm {
            throw fail(file, "'\(layers[0].label)' is batchnorm statistics before any weight; write a spec (--spec)")
        }
        let linearAxes = layout.linearAxes, convAxes = layout.convAxes
        func fanIn(_ layer: Layer) -> Int { layer.kind == .linear ? layer.shape[linearAxes.in] : layer.shape[convAxes.in] }
        func fanOut(_ layer: Layer) -> Int { layer.kind == .linear ? layer.shape[linearAxes.out] : layer.shape[convAxes.out] }

        var nodes = [Node(name: "input", op: .input, inputs: [])]
        var previous: Layer?
        var activations = 0
        var usedNames: Set<String> = ["input"]
        func unique(_ name: String) -> String {
            var result = name
            while usedNames.contains(result) { result += "_" }
            usedNames.insert(result)
            return result
        }
        for layer in layers {
            if let previous {
                let out = previous.kind == .batchNorm ? previous.shape[0] : fanOut(previous)
                let incoming = layer.kind == .batchNorm ? layer.shape[0] : fanIn(layer)
                if layer.kind == .linear, let conv = lastWeighted(before: layer, in: layers), conv.kind == .conv {
                    throw fail(file, "'\(layer.label)' \(layer.shape) is a linear layer after the conv '\(conv.label)' \(conv.shape): the flatten between them needs the spatial input size; write a spec (--spec) with input_shape")
                }
                guard out == incoming else {
                    throw fail(file, "shapes do not chain: '\(previous.label)' has shape \(previous.shape) (\(out) outputs) but the next tensor '\(layer.label)' has shape \(layer.shape) (\(incoming) inputs); write a spec (--spec)")
                }
                if layer.kind != .batchNorm {
                    activations += 1
                    nodes.append(Node(name: unique("\(activation.baseName)_\(activations)"), op: .activation(activation),
                                      inputs: [nodes.count - 1]))
                }
            }
            let op: Op
            switch layer.kind {
            case .linear: op = .linear(weight: layer.weight ?? "", bias: layer.bias)
            case .conv: op = .conv2d(Conv2D(weight: layer.weight ?? "", bias: layer.bias))
            case .batchNorm:
                op = .batchNorm(BatchNorm(gamma: layer.weight, beta: layer.bias, mean: layer.mean ?? "",
                                          variance: layer.variance ?? "", epsilon: layout == .keras ? 0.001 : 1e-5))
            }
            nodes.append(Node(name: unique(layer.name), op: op, inputs: [nodes.count - 1]))
            previous = layer
        }

        var assumptions = ["the file carries no architecture and no --spec was given: the network was inferred from tensor names and shapes"]
        let orientation = layout == .torch
            ? "layout torch: linear weights (out, in), conv weights (out, in, kh, kw); conv stride 1, no padding, no dilation, groups 1"
            : "layout keras: dense kernels (in, out), conv kernels (kh, kw, in, out); conv stride 1, no padding, no dilation, groups 1"
        assumptions.append(orientation)
        assumptions.append("a chain of \(weighted.count) layer(s): " + layers.map { "'\($0.label)' \($0.shape)" }.joined(separator: " → "))
        assumptions.append(weighted.count > 1
            ? "activation \(activation.displayName) after every layer except the last ('\(last.label)'), which feeds the output directly"
            : "a single layer ('\(last.label)'): no activation")
        if layers.contains(where: { $0.kind == .batchNorm }) {
            assumptions.append("each batchnorm follows the layer before it directly, and the activation comes after the batchnorm (eps \(layout == .keras ? "0.001" : "1e-05"))")
        }
        assumptions += notes
        let inputShape: [Int]
        if first.kind == .linear {
            inputShape = [fanIn(first)]
            assumptions.append("input: \(fanIn(first)) features (the fan-in of '\(first.label)')")
        } else {
            let kernels = weighted.map { [$0.shape[convAxes.kh], $0.shape[convAxes.kw]] }
            let height = 1 + kernels.map { $0[0] - 1 }.reduce(0, +)
            let width = 1 + kernels.map { $0[1] - 1 }.reduce(0, +)
            inputShape = layout.imageShape(channels: fanIn(first), height: height, width: width)
            assumptions.append("input: \(fanIn(first)) channels; the spatial size does not change which units can be rescaled, so a nominal \(height)×\(width) (the chain's receptive field) was used")
        }
        let network = Network(layout: layout, inputShape: inputShape, nodes: nodes, outputs: [nodes.count - 1],
                              assumptions: assumptions)
        do {
            return try network.normalised(in: file)
        } catch let NetworkError.shapeMismatch(_, node, reason) {
            throw fail(file, "the inferred chain does not fit at '\(node)': \(reason); write a spec (--spec)")
        }
    }

    static func lastWeighted(before layer: Layer, in layers: [Layer]) -> Layer? {
        guard let index = layers.firstIndex(where: { $0.label == layer.label }) else { return nil }
        return layers[..<index].last { $0.kind != .batchNorm }
    }
}
