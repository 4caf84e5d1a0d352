import Foundation
import FulcrumKit

extension ModelCache {
    /// A balanced copy of `model` (exact ℓ2, verified with the certificate
    /// and 8 probes), made through the library as `fulcrum balance FILE -o
    /// COPY` makes it, next to the model in `directory`, for benchmarks of
    /// `diff`. Made the first time it is asked for and reused while it has
    /// the model's size (safetensors write-back keeps the header, so the copy
    /// is exactly as large) and is newer than the model file.
    /// - Throws: the errors of `Model(contentsOf:)`, `Rebalancer.balance` and
    ///   `RescaleResult.write(to:)`, naming the file.
    public static func balancedFile(for model: MLPModel) throws -> URL {
        let source = try file(for: model)
        let url = source.deletingPathExtension().appendingPathExtension("balanced.safetensors")
        if !isUpToDate(url, against: source, size: model.fileByteCount) {
            let result = try Rebalancer().balance(Model(contentsOf: source, loading: .onDemand))
            try result.write(to: url)
        }
        return url
    }

    /// Whether `url` exists with `size` bytes and was modified no earlier than `source`.
    static func isUpToDate(_ url: URL, against source: URL, size: Int) -> Bool {
        let manager = FileManager.default
        guard let attributes = try? manager.attributesOfItem(atPath: url.path),
              let sourceAttributes = try? manager.attributesOfItem(atPath: source.path),
              attributes[.size] as? Int == size,
              let modified = attributes[.modificationDate] as? Date,
              let sourceModified = sourceAttributes[.modificationDate] as? Date else { return false }
        return modified >= sourceModified
    }
}
