import WeightFiles

/// The tensors of one file by name, with each tensor's values converted to
/// Double once and reused by every metric.
struct TensorTable {
    private let tensors: [String: Tensor]
    private var cache: [String: [Double]] = [:]

    init(_ tensors: [String: Tensor]) { self.tensors = tensors }

    /// The stored tensor, or `AuditError.missingTensor` naming `node`.
    func tensor(_ name: String, node: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw AuditError.missingTensor(node: node, tensor: name) }
        return tensor
    }

    /// Replaces the values `values(_:node:)` returns for `name` (same
    /// count as the stored tensor), e.g. by rescaled ones.
    mutating func override(_ name: String, values: [Double]) { cache[name] = values }

    /// The tensor's elements in C order as Double.
    mutating func values(_ name: String, node: String) throws -> [Double] {
        if let cached = cache[name] { return cached }
        let values = try tensor(name, node: node).doubles()
        cache[name] = values
        return values
    }
}
