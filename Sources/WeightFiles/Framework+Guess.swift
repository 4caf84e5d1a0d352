extension Framework {
    /// The framework whose naming the tensor names follow, for formats that
    /// do not record it: PyTorch state-dict names end in `.weight`, `.bias`,
    /// `.running_mean`, `.running_var` or `.num_batches_tracked`; Keras
    /// names end in `kernel`, `gamma`, `moving_mean`, … or carry a `:0`
    /// suffix. Names that follow neither (`arr_0`) give `.unknown`.
    public static func guess(fromTensorNames names: [String]) -> Framework {
        guard !names.isEmpty else { return .unknown }
        let torchSuffixes = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        let kerasSuffixes = ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance",
                             "depthwise_kernel", "pointwise_kernel", "embeddings"]
        func lastComponent(_ name: String, separators: Set<Character>) -> Substring {
            name.split(whereSeparator: { separators.contains($0) }).last ?? Substring(name)
        }
        let torchLike = names.allSatisfy { name in
            name.contains(".") && torchSuffixes.contains(String(lastComponent(name, separators: ["."])))
        }
        if torchLike { return .pytorch }
        let kerasLike = names.allSatisfy { name in
            let stripped = name.hasSuffix(":0") ? String(name.dropLast(2)) : name
            return name.hasSuffix(":0") || kerasSuffixes.contains(String(lastComponent(stripped, separators: ["/"])))
                && stripped.contains("/")
        }
        return kerasLike ? .keras : .unknown
    }
}
