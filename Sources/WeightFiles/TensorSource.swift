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
    private let nameSet: Set<String>
    private let lookup: @Sendable (String) throws -> Tensor
    /// Dtype and shape without reading data (file-backed sources only).
    private var describe: (@Sendable (String) throws -> TensorInfo)? = nil

    /// Tensors read from `file` on demand: each `tensor(_:)` call reads the
    /// tensor anew and nothing is kept, so a caller that lets each tensor go
    /// before asking for the next holds one tensor at a time. Tensors named
    /// in `excluded` (optimizer state) are not part of the source. `label`
    /// names the source in errors (default: the file's path).
    public init(file: any WeightFile, excluding excluded: Set<String> = [], label: String? = nil) {
        let label = label ?? file.url.path
        self.label = label
        names = file.tensorNames.filter { !excluded.contains($0) }
        let nameSet = Set(names)
        self.nameSet = nameSet
        lookup = { name in
            guard nameSet.contains(name) else { throw WeightFileError.noSuchTensor(path: label, name: name) }
            return try file.read(name)
        }
        describe = { name in
            guard nameSet.contains(name) else { throw WeightFileError.noSuchTensor(path: label, name: name) }
            return try file.info(name)
        }
    }

    /// Tensors held in memory, keyed by name; `label` names them in errors.
    public init(tensors: [String: Tensor], label: String = "tensors") {
        self.label = label
        names = tensors.keys.sorted()
        nameSet = Set(names)
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
        nameSet = Set(order)
        let frozen = table
        lookup = { name in
            guard let tensor = frozen[name] else { throw WeightFileError.noSuchTensor(path: label, name: name) }
            return tensor
        }
    }

    /// `base` with some tensors replaced: the same names in the same order,
    /// and for each name in `replacements` that tensor instead of the base's.
    /// Replacements the base lacks are added at the end.
    public init(overlaying replacements: [Tensor], on base: TensorSource, label: String) {
        var table: [String: Tensor] = [:]
        for tensor in replacements { table[tensor.name] = tensor }
        let baseNames = Set(base.names)
        self.label = label
        names = base.names + replacements.map(\.name).filter { !baseNames.contains($0) }
        nameSet = Set(names)
        let frozen = table
        lookup = { name in
            if let tensor = frozen[name] { return tensor }
            return try base.tensor(name)
        }
    }

    /// Every tensor, by name (reads them all from a file-backed source).
    public func dictionary() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for name in names { result[name] = try tensor(name) }
        return result
    }

    /// The dtype and shape of the tensor named `name`, without reading its
    /// data from a file; throws `WeightFileError.noSuchTensor`.
    public func info(_ name: String) throws -> TensorInfo {
        if let describe { return try describe(name) }
        let tensor = try lookup(name)
        return TensorInfo(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape)
    }

    /// True when the source holds a tensor of that name.
    public func contains(_ name: String) -> Bool { nameSet.contains(name) }

    /// The tensor named `name`; throws `WeightFileError.noSuchTensor` (or the
    /// file's read error).
    public func tensor(_ name: String) throws -> Tensor { try lookup(name) }
}
