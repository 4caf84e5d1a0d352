import WeightFiles

/// Where parameter tensors come from: an opened weight file or tensors held
/// in memory, looked up by the name the file spells.
///
/// Contract: `names` lists every tensor in the source's own order (file order
/// for a file, sorted by name for a dictionary); `tensor(_:)` returns the
/// tensor with that name or throws an error naming the source and tensor.
public struct TensorSource: Sendable {
    /// Names the source in messages: the file's path, or a caller's label.
    public let label: String
    /// Every tensor name, in the source's order.
    public let names: [String]
    private let lookup: @Sendable (String) throws -> Tensor

    /// Tensors read from `file` on demand (each `tensor(_:)` call reads).
    public init(file: any WeightFile) {
        label = file.url.path
        names = file.tensorNames
        lookup = { name in try file.read(name) }
    }

    /// Tensors held in memory, keyed by name; `label` names them in errors.
    public init(tensors: [String: Tensor], label: String = "tensors") {
        self.label = label
        names = tensors.keys.sorted()
        lookup = { name in
            guard let tensor = tensors[name] else { throw WeightFileError.noSuchTensor(path: label, name: name) }
            return tensor
        }
    }

    /// Tensors held in memory, in the given order (names must be unique; a
    /// later duplicate replaces an earlier one).
    public init(orderedTensors: [Tensor], label: String = "tensors") {
        var table: [String: Tensor] = [:]
        var order: [String] = []
        for tensor in orderedTensors {
            if table.updateValue(tensor, forKey: tensor.name) == nil { order.append(tensor.name) }
        }
        self.label = label
        names = order
        let frozen = table
        lookup = { name in
            guard let tensor = frozen[name] else { throw WeightFileError.noSuchTensor(path: label, name: name) }
            return tensor
        }
    }

    /// True when the source holds a tensor of that name.
    public func contains(_ name: String) -> Bool { names.contains(name) }

    /// The tensor named `name`; throws `WeightFileError.noSuchTensor` (or the
    /// file's read error).
    public func tensor(_ name: String) throws -> Tensor { try lookup(name) }
}
